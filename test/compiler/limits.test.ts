/**
 * Resolution is bounded (docs/design/language.md §7.9): a description that grows without end
 * stops with a diagnostic that says where, within a time bound, and never with an exhausted
 * heap or stack; deep but legitimate descriptions still resolve. The generous timeouts are
 * hang guards, not measurements.
 */
import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveFile, type ResolveOptions } from '../../compiler/resolve.js';
import { DEFAULT_MAX_DEPTH, DEFAULT_MAX_VALUES } from '../../compiler/limits.js';
import { Messages } from '../../core/messages/index.js';
import { memoryIo } from '../../cli/io.js';
import { resolveCommand, validateCommand } from '../../cli/commands/resolve/action.js';
import { scratchDir } from '../support/scratch.js';

const dir = scratchDir('frog-limits-');
const FILE = join(dir, 'main.sf');

function resolveText(text: string, options: ResolveOptions = {}) {
  return resolveFile(FILE, { ...options, text });
}

function lineOf(r: ReturnType<typeof resolveText>, i = 0): string {
  const d = r.diagnostics[i];
  const source = r.sources.get(d.span!.file)!;
  return source.lineText(source.position(d.span!.start).line);
}

/** `L0 extends { a 1; }`, then each level extends the previous one twice: 2^n copies. */
function doubling(levels: number, link = false): string {
  const lines = ['L0 extends { a 1; }'];
  for (let i = 1; i <= levels; i++) {
    lines.push(link ? `L${i} extends { x L${i - 1}; y L${i - 1}; }` : `L${i} extends { x extends L${i - 1}; y extends L${i - 1}; }`);
  }
  lines.push(link ? `sfConfig extends { top L${levels}; }` : `sfConfig extends L${levels};`);
  return lines.join('\n') + '\n';
}

/** `P1 extends P0 { ... }` ... `Pn`; `reversed` writes the chain from its far end, so that resolving it recurses. */
function chain(levels: number, reversed = false): string {
  const lines: string[] = [];
  for (let i = 1; i <= levels; i++) lines.push(`P${i} extends P${i - 1} { a${i} ${i}; }`);
  const all = ['P0 extends { a0 0; }', ...lines, `sfConfig extends P${levels};`];
  return (reversed ? all.reverse() : all).join('\n') + '\n';
}

test('the defaults are far above a real description', (t) => {
  t.true(DEFAULT_MAX_VALUES >= 1_000_000);
  t.true(DEFAULT_MAX_DEPTH >= 500);
});

test('a file that doubles at every level stops at the budget, at the extends being copied (issue 14)', (t) => {
  t.timeout(60_000);
  const text = doubling(40);
  t.true(text.length < 2000);
  const r = resolveText(text);
  t.deepEqual(r.diagnostics.map((d) => d.code), [Messages.TooManyValues.code]);
  const d = r.diagnostics[0];
  t.regex(d.message, new RegExp(`^Resolution built more than ${DEFAULT_MAX_VALUES} values, its limit; it stopped while copying \`L(\\d+)\` for \`L\\d+:[xy]\`\\.$`));
  t.regex(lineOf(r), /^L\d+ extends \{ x extends L\d+; y extends L\d+; \}$/);
  t.is(r.description, undefined);
});

test('the budget is a resolve option; below it the same file resolves', (t) => {
  const small = resolveText(doubling(12), { maxValues: 1000 });
  t.deepEqual(small.diagnostics.map((d) => d.code), [Messages.TooManyValues.code]);
  t.regex(small.diagnostics[0].message, /more than 1000 values.*copying `L\d+` for `L\d+:[xy]`/);
  const ok = resolveText(doubling(12), { maxValues: 100_000 });
  t.deepEqual(ok.diagnostics, []);
  t.truthy(ok.description);
});

test('descriptions that links share at every level count too, when finalisation copies them', (t) => {
  t.timeout(60_000);
  const r = resolveText(doubling(40, true), { maxValues: 10_000 });
  t.deepEqual(r.diagnostics.map((d) => d.code), [Messages.TooManyValues.code]);
  t.regex(r.diagnostics[0].message, /copying the description `L\d+`, which links share/);
});

test('a 10,000-level prototype chain stops with a diagnostic, written in either order', (t) => {
  t.timeout(60_000);
  // Each level copies all the levels below it: the budget stops it.
  const forward = resolveText(chain(10_000));
  t.deepEqual(forward.diagnostics.map((d) => d.code), [Messages.TooManyValues.code]);
  t.regex(lineOf(forward), /^P\d+ extends P\d+ \{ a\d+ \d+; \}$/);
  // From the far end, resolving it recurses: the depth limit stops it first.
  const reversed = resolveText(chain(10_000, true));
  t.deepEqual(reversed.diagnostics.map((d) => d.code), [Messages.PrototypeChainTooDeep.code]);
  t.regex(reversed.diagnostics[0].message, new RegExp(`longer than ${DEFAULT_MAX_DEPTH} levels; it stopped at \`P\\d+ extends P\\d+\``));
});

test('deep but legitimate descriptions resolve: chains of prototypes, copies and links a few hundred long', (t) => {
  t.timeout(60_000);
  const n = 400;
  const protos = resolveText(chain(n, true));
  t.deepEqual(protos.diagnostics, []);
  t.is(protos.description?.attrs.size, n + 1);

  const nested = ['L0 extends { a 1; }'];
  for (let i = 1; i <= n; i++) nested.push(`L${i} extends { x extends L${i - 1}; }`);
  nested.push(`sfConfig extends L${n};`);
  const copies = resolveText(nested.join('\n') + '\n');
  t.deepEqual(copies.diagnostics, []);

  const links = ['v0 1;'];
  for (let i = 1; i <= n; i++) links.push(`v${i} v${i - 1};`);
  links.push(`sfConfig extends { top v${n}; }`);
  const linked = resolveText(links.join('\n') + '\n');
  t.deepEqual(linked.diagnostics, []);
  t.is(linked.description?.get('top'), 1);

  const shared = ['L0 extends { a 1; }'];
  for (let i = 1; i <= n; i++) shared.push(`L${i} extends { x L${i - 1}; }`);
  shared.push(`sfConfig extends { top L${n}; }`);
  t.deepEqual(resolveText(shared.join('\n') + '\n').diagnostics, []);
});

test('the depth limit is a resolve option, for chains of prototypes and for copies', (t) => {
  const r = resolveText(chain(50, true), { maxDepth: 20 });
  t.deepEqual(r.diagnostics.map((d) => d.code), [Messages.PrototypeChainTooDeep.code]);
  t.regex(r.diagnostics[0].message, /longer than 20 levels/);

  const nested = ['L0 extends { a 1; }'];
  for (let i = 1; i <= 50; i++) nested.push(`L${i} extends { x extends L${i - 1}; }`);
  nested.push('sfConfig extends L50;');
  const deep = resolveText(nested.join('\n') + '\n', { maxDepth: 20 });
  t.deepEqual(deep.diagnostics.map((d) => d.code), [Messages.CopyTooDeep.code]);
  t.regex(deep.diagnostics[0].message, /deeper than 20 levels; resolution stopped while copying `L\d+` for `L\d+:x`/);
});

test('chains of links thousands long stop where they start, never with a stack overflow', (t) => {
  t.timeout(60_000);
  const links = ['sfConfig extends {'];
  for (let i = 0; i < 5000; i++) links.push(`  a${i} a${i + 1};`);
  links.push('  a5000 1;', '}');
  const r = resolveText(links.join('\n') + '\n');
  t.deepEqual(r.diagnostics.map((d) => d.code), [Messages.TooDeep.code]);
  t.is(lineOf(r), '  a0 a1;');
  t.regex(r.diagnostics[0].hint ?? '', /--max-depth/);

  const shared = ['L0 extends { a 1; }'];
  for (let i = 1; i <= 5000; i++) shared.push(`L${i} extends { x L${i - 1}; }`);
  shared.push('sfConfig extends { top L5000; }');
  const s = resolveText(shared.join('\n') + '\n');
  t.is(s.diagnostics.length, 1);
  t.not(s.diagnostics[0].message, /call stack/i);
});

test('frog resolve and frog validate take the limits and print the diagnostic', async (t) => {
  t.timeout(60_000);
  writeFileSync(join(dir, 'doubling.sf'), doubling(40));
  const io = memoryIo(dir);
  t.is(await resolveCommand({ file: 'doubling.sf', includePath: [], format: 'json', maxValues: 5000 }, io), 1);
  const err = io.err.join('');
  t.regex(err, /^doubling\.sf:\d+:\d+ - error SF2701: Resolution built more than 5000 values, its limit; it stopped while copying `L\d+` for `L\d+:[xy]`\./);
  t.regex(err, /hint: .*--max-values/);
  t.deepEqual(io.out, []);

  writeFileSync(join(dir, 'chain.sf'), chain(100, true));
  const v = memoryIo(dir);
  t.is(await validateCommand({ files: ['chain.sf'], includePath: [], maxDepth: 10 }, v), 1);
  t.regex(v.err.join(''), /error SF2702: The chain of prototypes is longer than 10 levels/);
});

test('a large description resolves with the default limits: the value budget grows with its sources', (t) => {
  t.timeout(120_000);
  // 8,000 components copying 150 attributes each: 1.2 million values, past the 1,000,000 floor.
  const attrs = Array.from({ length: 150 }, (_, i) => `a${i} ${i};`).join(' ');
  const parts = Array.from({ length: 8000 }, (_, i) => `  c${i} extends P;`).join('\n');
  const r = resolveText(`P extends { ${attrs} }\nsfConfig extends {\n${parts}\n}\n`);
  t.deepEqual(r.diagnostics.map((d) => d.code), []);
  t.truthy(r.description);
  // A small file asking for as much is still stopped at the floor.
  t.deepEqual(resolveText(doubling(40)).diagnostics.map((d) => d.code), [Messages.TooManyValues.code]);
});
