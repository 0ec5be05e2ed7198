/**
 * The front end is bounded (docs/design/language.md §3.8): a file with thousands of syntax
 * errors reports the first MAX_ERRORS and says it stopped; a long line is shown as a window; a
 * binary file is said to be one, without its content; deep nesting of any kind is a syntax
 * error with a position, never a stack overflow; an include that is not a description is
 * reported at the `#include` with its name only. Timeouts are hang guards.
 */
import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, MAX_ERRORS } from '../../language/parse.js';
import { toSExpression } from '../../language/sexpr.js';
import { renderDiagnostic, renderDiagnostics, FRAME_WIDTH } from '../../core/render.js';
import { SourceFile } from '../../core/source.js';
import type { Diagnostic } from '../../core/diagnostics.js';
import { Messages } from '../../core/messages/index.js';
import { resolveFile } from '../../compiler/resolve.js';
import { memoryIo } from '../../cli/io.js';
import { parseCommand } from '../../cli/commands/parse/action.js';
import { validateCommand, resolveCommand, compileCommand } from '../../cli/commands/resolve/action.js';
import { scratchDir } from '../support/scratch.js';

const dir = scratchDir('frog-bounds-');

/** Bytes from a fixed-seed generator: the same "random" file on every run. */
function noise(size: number, seed = 14): Buffer {
  const out = Buffer.alloc(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

for (const count of [5000, 20_000]) {
  test(`${count} syntax errors on one line: the first ${MAX_ERRORS}, one that says parsing stopped, and a bounded output`, (t) => {
    t.timeout(60_000);
    const text = 'sfConfig extends { ' + 'a 1 2; '.repeat(count) + '}\n';
    const r = parse(text, '/w/long.sf');
    t.is(r.diagnostics.length, MAX_ERRORS + 1);
    t.true(r.diagnostics.slice(0, MAX_ERRORS).every((d) => d.code === Messages.UnexpectedToken.code));
    const last = r.diagnostics[MAX_ERRORS];
    t.is(last.code, Messages.TooManyErrors.code);
    t.is(last.message, `Too many syntax errors: parsing stopped after ${MAX_ERRORS}.`);
    const out = renderDiagnostics(r.diagnostics, () => r.source, { cwd: '/w' });
    t.true(out.length < 60_000, `${out.length} characters of output`);
    for (const line of out.split('\n')) t.true(line.length <= FRAME_WIDTH + 40, `a line of ${line.length} characters`);
    t.regex(out, /long\.sf:1:\d+ - error SF1018: Too many syntax errors: parsing stopped after 100\.\n/);
  });
}

test('lexical errors are capped too, and so is random text that is not binary', (t) => {
  t.timeout(60_000);
  const text = Array.from(noise(300_000), (b) => String.fromCharCode(32 + (b % 95))).join('');
  const r = parse(text, 'noise.sf');
  t.is(r.diagnostics.length, MAX_ERRORS + 1);
  t.is(r.diagnostics[MAX_ERRORS].code, Messages.TooManyErrors.code);
  const many = parse('sfConfig extends { ' + 'a = ; '.repeat(5000) + '}', 'eq.sf');
  t.is(many.diagnostics.length, MAX_ERRORS + 1);
});

test('a long line is shown as a window around the caret, with … where it is cut', (t) => {
  const line = 'x'.repeat(1000) + ' @ ' + 'y'.repeat(1000);
  const source = new SourceFile('w.sf', line + '\n');
  const at = line.indexOf('@');
  const d: Diagnostic = { code: 'SF1001', severity: 'error', message: 'Unexpected character `@`.', span: source.span(at, at + 1) };
  const [head, , frame, carets] = renderDiagnostic(d, () => source).split('\n');
  t.is(head, 'w.sf:1:1002 - error SF1001: Unexpected character `@`.');
  t.true(frame.startsWith('1 | …') && frame.endsWith('…'));
  t.true(frame.length <= FRAME_WIDTH + 8);
  // The caret is under the `@`.
  t.is(frame[carets.indexOf('^')], '@');
  // Near the start or the end of a line, one side only is cut.
  const early: Diagnostic = { ...d, span: source.span(3, 4) };
  const earlyFrame = renderDiagnostic(early, () => source).split('\n')[2];
  t.true(earlyFrame.startsWith('1 | xxx') && earlyFrame.endsWith('…'));
  const late: Diagnostic = { ...d, span: source.span(line.length - 2, line.length - 1) };
  const [, , lateFrame, lateCarets] = renderDiagnostic(late, () => source).split('\n');
  t.true(lateFrame.startsWith('1 | …') && !lateFrame.endsWith('…'));
  t.is(lateCarets.indexOf('^'), lateFrame.length - 2);
});

test('renderDiagnostics shows the first ones and counts the rest in one line', (t) => {
  const source = new SourceFile('m.sf', 'a 1;\n');
  const d: Diagnostic = { code: 'SF1005', severity: 'error', message: 'Something.', span: source.span(0, 1) };
  const out = renderDiagnostics(Array.from({ length: 250 }, () => d), () => source, { max: 3 });
  t.is(out.split('error SF1005').length - 1, 3);
  t.true(out.endsWith('\nand 247 more errors.\n'));
  const warning: Diagnostic = { ...d, severity: 'warning' };
  t.true(renderDiagnostics([d, d, warning], () => source, { max: 1 }).endsWith('\nand 2 more diagnostics.\n'));
});

test('a binary file is one diagnostic that shows where, not what', (t) => {
  const text = noise(100_000).toString('utf8');
  const r = parse(text, '/w/data.bin');
  t.deepEqual(r.diagnostics.map((d) => d.code), [Messages.BinaryFile.code]);
  t.true(r.diagnostics[0].noFrame);
  t.deepEqual(r.ast.members, []);
  const out = renderDiagnostics(r.diagnostics, () => r.source, { cwd: '/w' });
  t.regex(out, /^data\.bin:\d+:\d+ - error SF1019: The file is binary, not a description: it contains a NUL byte\.\nhint: .*\n$/);
  // Mostly control characters or bytes that are not UTF-8, without a NUL.
  const odd = parse('a 1;\n' + '\u0001\u0002\ufffd\u0003'.repeat(50), 'odd.sf');
  t.deepEqual(odd.diagnostics.map((d) => d.code), [Messages.BinaryFile.code]);
  t.regex(odd.diagnostics[0].message, /control characters or not UTF-8/);
  // A Latin-1 file with an accented letter or two is still text.
  const latin1 = Buffer.from('// caf\xe9 and cr\xe8me\nsfConfig extends { a "x"; }\n', 'latin1').toString('utf8');
  t.deepEqual(parse(latin1, 'latin1.sf').diagnostics, []);
});

test('frog parse, resolve, validate and compile say a 6 MB binary file is binary', async (t) => {
  t.timeout(60_000);
  writeFileSync(join(dir, 'random.bin'), noise(6 * 1024 * 1024));
  const p = memoryIo(dir);
  t.is(await parseCommand({ files: ['random.bin'], json: false }, p), 1);
  t.regex(p.err.join(''), /^random\.bin:\d+:\d+ - error SF1019: The file is binary, not a description/);
  for (const run of [
    (io: ReturnType<typeof memoryIo>) => validateCommand({ files: ['random.bin'], includePath: [] }, io),
    (io: ReturnType<typeof memoryIo>) => resolveCommand({ file: 'random.bin', includePath: [], format: 'json' }, io),
    (io: ReturnType<typeof memoryIo>) => compileCommand({ file: 'random.bin', includePath: [], output: join(dir, 'out.json') }, io),
  ]) {
    const io = memoryIo(dir);
    t.is(await run(io), 1);
    const err = io.err.join('');
    t.regex(err, /error SF1019: The file is binary, not a description/);
    t.true(err.length < 1000);
  }
  // A file that is not there is said plainly, and one that is there is never "not readable".
  const missing = memoryIo(dir);
  t.is(await validateCommand({ files: ['absent.sf'], includePath: [] }, missing), 1);
  t.regex(missing.err.join(''), /error SF2006: Cannot read `.*absent\.sf`: no such file\./);
});

const DEEP = 100_000;
const nestings: Record<string, string> = {
  braces: 'sfConfig extends ' + '{'.repeat(DEEP),
  'nested attributes': 'sfConfig extends ' + '{ a extends '.repeat(DEEP),
  brackets: 'sfConfig extends { a ' + '['.repeat(DEEP),
  'literal vectors': 'sfConfig extends { a ' + '[|'.repeat(DEEP),
  parentheses: 'sfConfig extends { a ' + '('.repeat(DEEP),
  'closed parentheses': 'sfConfig extends { a ' + '(1 + '.repeat(DEEP) + '1' + ')'.repeat(DEEP) + '; }',
  IF: 'sfConfig extends { a ' + 'IF true THEN '.repeat(DEEP) + '1' + ' ELSE 2 FI'.repeat(DEEP) + '; }',
  SWITCH: 'sfConfig extends { a ' + 'SWITCH IF true THEN '.repeat(DEEP),
  APPLY: 'sfConfig extends { a ' + 'APPLY { x '.repeat(DEEP),
  OPTIONAL: 'sfConfig extends { a ' + 'OPTIONAL ('.repeat(DEEP),
};
for (const [name, text] of Object.entries(nestings)) {
  test(`${DEEP} levels of ${name}: a nesting error with a position, through every stage`, (t) => {
    t.timeout(60_000);
    const r = parse(text, 'deep.sf');
    t.deepEqual(r.diagnostics.map((d) => d.code), [Messages.NestingTooDeep.code]);
    t.true(r.diagnostics[0].span!.start > 0);
    t.notThrows(() => toSExpression(r.ast));
    const resolved = resolveFile(join(dir, 'deep.sf'), { text });
    t.deepEqual(resolved.diagnostics.map((d) => d.code), [Messages.NestingTooDeep.code]);
  });
}

test('long flat sequences are fine at any length: prototypes, operands, reference parts, closers', (t) => {
  t.timeout(60_000);
  for (const text of [
    'sfConfig extends ' + 'a, '.repeat(DEEP) + 'b;',
    'sfConfig extends { a (' + '1 + '.repeat(DEEP) + '1); }',
    'sfConfig extends { a ' + 'b:'.repeat(DEEP) + 'c; }',
    '}'.repeat(DEEP),
    '/*'.repeat(DEEP),
  ]) {
    const r = parse(text, 'flat.sf');
    t.true(r.diagnostics.length <= MAX_ERRORS + 1);
    t.notThrows(() => resolveFile(join(dir, 'flat.sf'), { text }));
  }
});

test('an include that is not a description: its name and the problem at the #include, never its content', (t) => {
  const secret = 'root:$6$hash:19000:0:99999:7:::\nadmin:secretpassword:1:2\n';
  writeFileSync(join(dir, 'shadow'), secret);
  writeFileSync(join(dir, 'environ'), 'HOME=/root\0SECRET_TOKEN=abc123\0');
  writeFileSync(join(dir, 'broken.sf'), 'x extends { y 1;\n');
  writeFileSync(join(dir, 'plain.txt'), 'x 1;\n');
  const text = [
    `#include "${join(dir, 'shadow')}"`,
    '#include "environ"',
    '#include "broken.sf"',
    '#include "plain.txt"',
    'sfConfig extends { a x; }',
    '',
  ].join('\n');
  const r = resolveFile(join(dir, 'main.sf'), { text });
  t.deepEqual(r.diagnostics.map((d) => d.code), [
    Messages.IncludeNotDescription.code,
    Messages.IncludeBinary.code,
    Messages.IncludeParse.code,
    Messages.UnexpectedEnd.code,
  ]);
  t.regex(r.diagnostics[0].message, /^Include file `.*shadow` is not a description: its name does not end in `\.sf` and it does not parse \(\d+ syntax errors?\)\.$/);
  t.is(r.diagnostics[1].message, 'Include file `environ` is binary, not a description: it contains a NUL byte.');
  const out = renderDiagnostics(r.diagnostics, (f) => r.sources.get(f), { cwd: dir });
  for (const leaked of ['secretpassword', '$6$hash', 'SECRET_TOKEN', 'abc123']) t.false(out.includes(leaked), leaked);
  // Each is reported at its #include, in main.sf.
  t.deepEqual(r.diagnostics.slice(0, 2).map((d) => d.span!.file), [join(dir, 'main.sf'), join(dir, 'main.sf')]);
  // A .sf file with a syntax error still shows where (it is a description with a mistake).
  t.regex(out, /broken\.sf:2:1 - error SF1014/);
});
