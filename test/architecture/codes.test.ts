/**
 * Diagnostic codes have one home: the catalogue in core/messages/. No source file outside it
 * writes a code (`'SF4004'`): it names the entry (`Messages.BadAttribute`, its `.code`, or the
 * FrogError built from it), so that a code and its text cannot drift apart. Comments may cite
 * codes; strings, template literals and names may not. The catalogue itself has each code and
 * each name once, in every area file together.
 */
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { MessageAreas, Messages } from '../../core/messages/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The folders of the product (not test/, bench/), the repository's tools, and the package entry. */
const SOURCE_DIRS = ['core', 'functions', 'language', 'compiler', 'runtime', 'stdlib', 'cli', 'tools'];
const CATALOGUE = 'core/messages/';
const CODE = /SF\d{4}/;

function tsFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory()) tsFiles(p, out);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function sourceFiles(): string[] {
  return [...SOURCE_DIRS.flatMap((d) => tsFiles(d)), 'index.ts'].map((f) => relative(root, join(root, f)).split(sep).join('/'));
}

/**
 * Every code literal in a file's tokens (strings, template parts, names, regular expressions),
 * found by the TypeScript parser so that comments are left out: `file:line: text`.
 */
export function codeLiterals(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isJSDoc(node)) return; // a doc comment, which getChildren includes
    if (node.getChildCount(source) === 0) {
      const token = node.getText(source);
      if (CODE.test(token)) {
        const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
        found.push(`${file}:${line}: ${token.length > 80 ? token.slice(0, 77) + '...' : token}`);
      }
      return;
    }
    node.getChildren(source).forEach(visit);
  };
  visit(source);
  return found;
}

test('no source file outside core/messages/ writes a diagnostic code', (t) => {
  const files = sourceFiles().filter((f) => !f.startsWith(CATALOGUE));
  t.true(files.length > 100, `found ${files.length} source files`);
  const found = files.flatMap((f) => codeLiterals(f, readFileSync(join(root, f), 'utf8')));
  t.deepEqual(found, [], 'name the catalogue entry (Messages.X, Messages.X.code, or a FrogError built from it) instead');
});

test('the check sees codes in strings, templates and names, and not in comments', (t) => {
  const text = [
    "const a = 'SF4004';",
    'const b = `error SF4311: ${x}`;',
    'const c = { SF4310: 1 };',
    '// SF4005 in a comment',
    '/** SF4006 in a doc comment, `SF4007` too */',
    "const d = `${y} SF4302`; const e = 'SF43'; const f = /SF4303/;",
  ].join('\n');
  t.deepEqual(
    codeLiterals('x.ts', text).map((s) => s.split(': ')[0]),
    ['x.ts:1', 'x.ts:2', 'x.ts:3', 'x.ts:6', 'x.ts:6'],
  );
});

test('every code of the catalogue is well formed and used once', (t) => {
  const seen = new Map<string, string>();
  for (const [name, entry] of Object.entries(Messages)) {
    t.regex(entry.code, /^SF[1-9]\d{3}$/, name);
    t.false(seen.has(entry.code), `${entry.code} is used by ${seen.get(entry.code)} and ${name}`);
    seen.set(entry.code, name);
  }
});

test('the areas have no name and no code in common, and Messages holds them all', (t) => {
  const names = new Map<string, string>();
  const codes = new Map<string, string>();
  let count = 0;
  for (const [area, entries] of Object.entries(MessageAreas)) {
    for (const [name, entry] of Object.entries(entries)) {
      count++;
      t.false(names.has(name), `${name} is in ${names.get(name)} and ${area}`);
      t.false(codes.has(entry.code), `${entry.code} is in ${codes.get(entry.code)} and ${area} (${name})`);
      names.set(name, area);
      codes.set(entry.code, `${area} (${name})`);
      t.is((Messages as Record<string, unknown>)[name], entry, `${area}.${name} is the entry of Messages.${name}`);
    }
  }
  t.is(Object.keys(Messages).length, count);
});
