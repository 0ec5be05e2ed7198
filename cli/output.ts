/**
 * How every command speaks: text for people (diagnostics rendered on stderr, results on stdout),
 * or, with `--json`, one JSON document on stdout (JSON lines for the streaming commands, `run`
 * and `peer`) in which every problem is a diagnostic object. The contract is in
 * docs/design/pipeline.md §6.10; `-q` and `--verbose` change only what people see.
 *
 * A diagnostic as JSON:
 *
 *     {"code": "SF2501" | null, "severity": "error" | "warning" | "info", "message": "...",
 *      "file": "app.sf" | null, "line": 4 | null, "column": 35 | null, "endLine": ..., "endColumn": ...,
 *      "path"?: "sfConfig:web", "hint"?: "...", "related"?: [{"message", "file", "line", "column"}]}
 *
 * `file` is shown as the text renderer shows it (relative to the working directory); `code` is
 * null for a problem the catalogue has no entry for (a bad option, an unreadable file).
 */
import * as path from 'node:path';
import { hasErrors, type Diagnostic, type Severity } from '../core/diagnostics.js';
import { renderDiagnostics, type SourceLookup } from '../core/render.js';
import { libraryDisplayPath } from '../compiler/includes.js';
import type { SourceFile, Span } from '../core/source.js';
import type { Io } from './io.js';

export interface JsonPlace {
  file: string | null;
  line: number | null;
  column: number | null;
}

export interface JsonDiagnostic extends JsonPlace {
  code: string | null;
  severity: Severity;
  message: string;
  endLine: number | null;
  endColumn: number | null;
  path?: string;
  hint?: string;
  related?: ({ message: string } & JsonPlace)[];
}

/** A file as the text renderer shows it: relative to `cwd` when it is absolute. */
export function shownPath(file: string, cwd: string | undefined): string {
  const library = libraryDisplayPath(file);
  if (library) return library;
  if (!cwd || !path.isAbsolute(file)) return file;
  return path.relative(cwd, file) || file;
}

function place(span: Span | undefined, sources: SourceLookup, cwd: string | undefined): JsonPlace & { endLine: number | null; endColumn: number | null } {
  if (!span) return { file: null, line: null, column: null, endLine: null, endColumn: null };
  const source = sources(span.file);
  const file = shownPath(span.file, cwd);
  if (!source) return { file, line: null, column: null, endLine: null, endColumn: null };
  const start = source.position(Math.min(span.start, source.text.length));
  const end = source.position(Math.min(Math.max(span.end, span.start), source.text.length));
  return { file, line: start.line, column: start.column, endLine: end.line, endColumn: end.column };
}

/** One diagnostic as JSON (the shape above). */
export function diagnosticJson(d: Diagnostic, sources: SourceLookup, cwd?: string): JsonDiagnostic {
  const out: JsonDiagnostic = { code: d.code, severity: d.severity, message: d.message, ...place(d.span, sources, cwd) };
  if (d.path) out.path = d.path;
  if (d.hint) out.hint = d.hint;
  if (d.related?.length) {
    out.related = d.related.map((r) => {
      const { file, line, column } = place(r.span, sources, cwd);
      return { message: r.message, file, line, column };
    });
  }
  return out;
}

/** A problem outside any description, as JSON: no place unless a file is named. */
export function problemJson(message: string, o: { code?: string; hint?: string; severity?: Severity; file?: string } = {}): JsonDiagnostic {
  const out: JsonDiagnostic = { code: o.code ?? null, severity: o.severity ?? 'error', message, file: o.file ?? null, line: null, column: null, endLine: null, endColumn: null };
  if (o.hint) out.hint = o.hint;
  return out;
}

/** A file that cannot be read or written, said plainly: the code and the reason, never a stack. */
export function readFailure(file: string, e: unknown, doing = 'read'): string {
  const err = e as NodeJS.ErrnoException;
  const reason =
    err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory' : err.code === 'EACCES' ? 'permission denied' : (err.message ?? String(e));
  return `cannot ${doing} ${file}: ${reason}${err.code ? ` (${err.code})` : ''}`;
}

/**
 * A line that runtime/peer/assemble.ts reports (`error SF4801: ...\n  hint: ...`, `warning: ...`,
 * or plain text, an error) as a diagnostic.
 */
export function reportedJson(line: string): JsonDiagnostic {
  const [first, ...rest] = line.split('\n');
  const hintLine = rest.find((l) => l.trim().startsWith('hint:'));
  const hint = hintLine?.trim().slice('hint:'.length).trim();
  const coded = /^(error|warning) (SF\d{4}): ([\s\S]*)$/.exec(first!);
  if (coded) return problemJson(coded[3]!, { code: coded[2], severity: coded[1] as Severity, hint });
  if (first!.startsWith('warning: ')) return problemJson(first!.slice('warning: '.length), { severity: 'warning', hint });
  return problemJson(first!, { hint });
}

export type OutputMode = 'text' | 'json' | 'lines';

export interface OutputOptions {
  /** `--json`: one document (`json`), or JSON lines for a streaming command (`lines`). */
  mode?: OutputMode;
  /** `-q`: errors only, no notes. */
  quiet?: boolean;
  /** `--verbose`: info diagnostics too. */
  verbose?: boolean;
  /** `lines` mode: fields every diagnostic line carries (`peer`). */
  lineFields?: Record<string, unknown>;
}

/**
 * One command's output. In text mode diagnostics and problems go to stderr as they come; in
 * `json` mode they are collected for the command's one document (`document`); in `lines` mode
 * each is written at once as a JSON line `{"time", "event": "diagnostic", ...diagnostic}`.
 */
export class Output {
  /** The diagnostics collected for the document (`json` mode). */
  readonly diagnostics: JsonDiagnostic[] = [];
  readonly mode: OutputMode;
  readonly quiet: boolean;
  readonly verbose: boolean;
  private readonly lineFields: Record<string, unknown>;

  constructor(
    /** The command's name, as in `frog <command>: ...`. */
    readonly command: string,
    readonly io: Io,
    options: OutputOptions = {},
  ) {
    this.mode = options.mode ?? 'text';
    this.quiet = options.quiet === true;
    this.verbose = options.verbose === true;
    this.lineFields = options.lineFields ?? {};
  }

  get json(): boolean {
    return this.mode !== 'text';
  }

  /** Whether people see diagnostics of this severity: `-q` errors only, default not `info`, `--verbose` all. */
  shows(severity: Severity): boolean {
    if (this.json) return true;
    return severity === 'error' || (severity === 'warning' && !this.quiet) || (severity === 'info' && this.verbose);
  }

  /** Diagnostics of descriptions; true when any is an error. */
  diagnose(list: readonly Diagnostic[], sources: SourceLookup | Map<string, SourceFile>): boolean {
    const lookup: SourceLookup = typeof sources === 'function' ? sources : (f) => sources.get(f);
    if (this.json) for (const d of list) this.add(diagnosticJson(d, lookup, this.io.cwd));
    else {
      const shown = list.filter((d) => this.shows(d.severity));
      if (shown.length) this.io.stderr(renderDiagnostics(shown, lookup, { cwd: this.io.cwd, color: this.io.isTty && !this.io.env.NO_COLOR, displayPath: libraryDisplayPath }));
    }
    return hasErrors(list);
  }

  /**
   * A problem outside any description (a bad option, a key file, an unreachable peer): as text
   * `text` (default `frog <command>: message`), as JSON a diagnostic without a place.
   */
  problem(message: string, o: { code?: string; hint?: string; severity?: Severity; file?: string; text?: string } = {}): void {
    if (this.json) this.add(problemJson(message, o));
    else if (this.shows(o.severity ?? 'error')) this.io.stderr(o.text ?? `frog ${this.command}: ${message}\n`);
  }

  /** A line from runtime/peer/assemble.ts's `report`. */
  report(line: string): void {
    if (this.json) this.add(reportedJson(line));
    else if (!(this.quiet && line.startsWith('warning: '))) this.io.stderr(`frog ${this.command}: ${line}\n`);
  }

  /** A line for people on stderr (progress, what was written), as given: never with `--json` or `-q`. */
  note(line: string): void {
    if (!this.json && !this.quiet) this.io.stderr(line + '\n');
  }

  /** JSON mode: the command's one document, with the diagnostics collected (unless it places them itself). */
  document(doc: object, withDiagnostics = true): void {
    this.io.stdout(JSON.stringify(withDiagnostics ? { ...doc, diagnostics: this.diagnostics } : doc, null, 2) + '\n');
  }

  /** `lines` mode: one JSON line. */
  line(record: object): void {
    this.io.stdout(JSON.stringify(record) + '\n');
  }

  private add(d: JsonDiagnostic): void {
    if (this.mode === 'lines') this.line({ time: Date.now(), ...this.lineFields, event: 'diagnostic', ...d });
    else this.diagnostics.push(d);
  }
}
