/**
 * Locating and loading include files (docs/design/language.md §4, Appendix B).
 *
 * A relative name is looked up in the including file's folder, then in each `-I` root in
 * order, then in the standard library; an absolute name (`/org/...`) in each `-I` root,
 * then the standard library. The working directory is not searched implicitly, and URLs
 * are not fetched. Parsed files are cached; a cycle of includes is reported.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Ast from '../language/ast.js';
import { forEachMember } from '../language/walk.js';
import { parse } from '../language/parse.js';
import { binaryContent } from '../language/binary.js';
import type { SourceFile } from '../core/source.js';
import type { DiagnosticBag } from '../core/diagnostics.js';
import { Messages, diagnostic } from '../core/messages/index.js';

/**
 * The standard description library, always last on the include path: `library/` of the
 * package (shown as `<stdlib>` in messages), found from this module whether it runs from the
 * sources or from dist/. It holds `.sf` files only: the prototypes of the standard components
 * and SmartFrog's function templates; the component classes are in `stdlib/`, above.
 */
export const STDLIB_ROOT = findStdlib(dirname(fileURLToPath(import.meta.url)));

function findStdlib(from: string): string {
  let dir = from;
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'library');
    if (existsSync(join(candidate, 'org', 'smartfrog', 'functions.sf'))) return candidate;
    dir = dirname(dir);
  }
  return resolve(from, '..', 'library');
}

export interface LoadedFile {
  path: string;
  ast: Ast.FileNode;
  source: SourceFile;
  /** False when the file has syntax errors (its diagnostics are reported once). */
  ok: boolean;
}

export class IncludeLoader {
  private readonly cache = new Map<string, LoadedFile | null>();
  readonly sources = new Map<string, SourceFile>();
  private readonly reportedParse = new Set<string>();

  constructor(
    private readonly includePath: readonly string[],
    private readonly diagnostics: DiagnosticBag,
    private readonly readText: (path: string) => string = (p) => readFileSync(p, 'utf8'),
  ) {}

  /**
   * Parses a file given directly (the root); reports its syntax errors, or why it cannot be
   * read (`shown` is its name as the user gave it).
   */
  loadRoot(path: string, text?: string, shown: string = path): LoadedFile | undefined {
    const loaded = this.parseFile(path, text);
    if (!loaded) {
      this.diagnostics.add(diagnostic(Messages.FileUnreadable, { path: shown, reason: this.readFailures.get(path) ?? 'no such readable file' }));
      return undefined;
    }
    this.reportParse(loaded);
    return loaded;
  }

  /**
   * Forgets the syntax trees read so far: once the tree is built, resolution needs only the
   * sources (for diagnostics), and a large file's syntax tree is as large as its resolved
   * tree (docs/design/language.md §18).
   */
  forgetSyntaxTrees(): void {
    this.cache.clear();
  }

  /** Every file reachable through includes from `root` (for the pre-pass over names). */
  reachable(root: LoadedFile): LoadedFile[] {
    const seen = new Map<string, LoadedFile>([[root.path, root]]);
    const queue = [root];
    while (queue.length) {
      const file = queue.shift()!;
      for (const inc of includesOf(file.ast.members)) {
        const path = this.locate(inc.path, dirname(file.path));
        if (!path || seen.has(path)) continue;
        const loaded = this.parseFile(path);
        if (loaded) {
          seen.set(path, loaded);
          queue.push(loaded);
        }
      }
    }
    return [...seen.values()];
  }

  /** Loads the target of an include for splicing; reports what goes wrong and returns undefined then. */
  load(inc: Ast.Include, fileStack: readonly string[]): LoadedFile | undefined {
    const including = fileStack[fileStack.length - 1];
    if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(inc.path) && !inc.path.startsWith('file://')) {
      if (!inc.optional) this.diagnostics.add(diagnostic(Messages.IncludeUrl, { path: inc.path }, inc.pathSpan));
      return undefined;
    }
    const name = inc.path.startsWith('file://') ? fileURLToPath(inc.path) : inc.path;
    const path = this.locate(name, dirname(including));
    if (!path) {
      if (!inc.optional) {
        this.diagnostics.add(
          diagnostic(Messages.IncludeNotFound, { path: inc.path }, inc.pathSpan, {
            hint: `Searched ${this.searchedFolders(name, dirname(including)).join(', ')}.`,
          }),
        );
      }
      return undefined;
    }
    const at = fileStack.indexOf(path);
    if (at >= 0) {
      const cycle = [...fileStack.slice(at), path].map((p) => shortName(p)).join(' → ');
      this.diagnostics.add(diagnostic(Messages.IncludeCycle, { cycle }, inc.pathSpan));
      return undefined;
    }
    const loaded = this.parseFile(path);
    if (!loaded) {
      this.diagnostics.add(diagnostic(Messages.IncludeUnreadable, { path: inc.path, reason: this.readFailures.get(path) ?? 'it is not a readable file' }, inc.pathSpan));
      return undefined;
    }
    if (!loaded.ok && this.notADescription(loaded, inc)) return undefined;
    if (!loaded.ok) {
      if (!this.reportedParse.has(path)) {
        this.diagnostics.add(
          diagnostic(Messages.IncludeParse, { path: inc.path }, inc.pathSpan, {
            hint: 'An included file is parsed on its own and must be complete.',
          }),
        );
      }
      this.reportParse(loaded);
      return undefined;
    }
    return loaded;
  }

  /**
   * The include rule of docs/design/language.md §4.4: an included file that is binary, or
   * whose name does not end in `.sf` and that does not parse, is not a description. It is
   * reported once, at the `#include`, with its name and the problem; no diagnostic points
   * into it, so that no line of it (`/etc/shadow`, `/proc/self/environ`) is ever shown.
   */
  private notADescription(loaded: LoadedFile, inc: Ast.Include): boolean {
    const found = this.parsedDiagnostics.get(loaded.path) ?? [];
    const binary = binaryContent(loaded.source.text);
    if (!binary && loaded.path.endsWith('.sf')) return false;
    if (!this.reportedParse.has(loaded.path)) {
      this.reportedParse.add(loaded.path);
      if (binary) {
        this.diagnostics.add(diagnostic(Messages.IncludeBinary, { path: inc.path, reason: binary.reason }, inc.pathSpan));
      } else {
        const errors = found.filter((d) => d.severity === 'error').length;
        const count = `${errors}${found.some((d) => d.code === Messages.TooManyErrors.code) ? ' or more' : ''} syntax error${errors === 1 ? '' : 's'}`;
        this.diagnostics.add(diagnostic(Messages.IncludeNotDescription, { path: inc.path, count }, inc.pathSpan));
      }
    }
    return true;
  }

  private reportParse(loaded: LoadedFile): void {
    if (this.reportedParse.has(loaded.path)) return;
    this.reportedParse.add(loaded.path);
    for (const d of this.parsedDiagnostics.get(loaded.path) ?? []) this.diagnostics.add(d);
  }

  private readonly parsedDiagnostics = new Map<string, ReturnType<typeof parse>['diagnostics']>();
  /** Why a file could not be read, said plainly (`no such file`, `it is a folder`). */
  private readonly readFailures = new Map<string, string>();

  private parseFile(path: string, text?: string): LoadedFile | undefined {
    if (this.cache.has(path)) return this.cache.get(path) ?? undefined;
    let content = text;
    if (content === undefined) {
      try {
        content = this.readText(path);
      } catch (e) {
        this.readFailures.set(path, readFailure(e));
        this.cache.set(path, null);
        return undefined;
      }
    }
    const result = parse(content, path);
    this.sources.set(path, result.source);
    this.parsedDiagnostics.set(path, result.diagnostics);
    const loaded: LoadedFile = {
      path,
      ast: result.ast,
      source: result.source,
      ok: !result.diagnostics.some((d) => d.severity === 'error'),
    };
    this.cache.set(path, loaded);
    return loaded;
  }

  private candidates(name: string, includingDir: string): string[] {
    const roots = [...this.includePath, STDLIB_ROOT];
    if (name.startsWith('/')) {
      const rel = name.replace(/^\/+/, '');
      const list = roots.map((r) => join(r, rel));
      // A real absolute path of this machine is accepted too, after the roots.
      list.push(name);
      return list;
    }
    if (isAbsolute(name)) return [name];
    return [join(includingDir, name), ...roots.map((r) => join(r, name))];
  }

  private searchedFolders(name: string, includingDir: string): string[] {
    return this.candidates(name, includingDir).map((c) => shortName(dirname(c)));
  }

  locate(name: string, includingDir: string): string | undefined {
    for (const c of this.candidates(name, includingDir)) {
      try {
        if (existsSync(c) && statSync(c).isFile()) return resolve(c);
      } catch {
        // unreadable candidates are skipped
      }
    }
    return undefined;
  }
}

function readFailure(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return e instanceof Error ? e.message : String(e);
}

/** A standard library file as messages name it (`<stdlib>/frog/components.sf`); undefined for any other file. */
export function libraryDisplayPath(file: string): string | undefined {
  return file.startsWith(STDLIB_ROOT + '/') ? '<stdlib>' + file.slice(STDLIB_ROOT.length) : undefined;
}

function shortName(p: string): string {
  const cwd = process.cwd();
  if (p.startsWith(STDLIB_ROOT)) return '<stdlib>' + p.slice(STDLIB_ROOT.length);
  return p.startsWith(cwd + '/') ? p.slice(cwd.length + 1) : p;
}

/** Every include node of a member list, including those inside bodies. */
export function includesOf(members: readonly Ast.Member[]): Ast.Include[] {
  const found: Ast.Include[] = [];
  forEachMember(members, (m) => {
    if (m.kind === 'Include') found.push(m);
  });
  return found;
}
