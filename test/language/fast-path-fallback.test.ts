/**
 * `parse` falls back to the chevrotain path whenever the fast path does not finish. A
 * deliberate bail-out (FastPathBail: the file needs the full parser) or a stack overflow
 * is normal; any other exception is a defect of the fast path, which users never see
 * (they get chevrotain's result) and which `fastPathFailures` counts so that tests see it.
 */
import test from 'ava';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FastPathBail } from '../../language/fast/lexer.js';
import { fastParseFile } from '../../language/fast/parser.js';
import { fastPathFailures, lastFastPathFailure, parse, parseWith, withFastPathForTests } from '../../language/parse.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function sfFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sfFiles(p, out);
    else if (name.endsWith('.sf')) out.push(p);
  }
  return out;
}

const VALID = 'a 1; b extends { c "x"; d [| 1L, 2.5, #HEX# 0a # |]; e LAZY PARENT:c; } f (1 + 2);';
const INVALID = 'a 1 }\nb "open';

/** `parse` of `text` with the fast path replaced; the counter's growth and the result. */
function parseWithFastPath(replacement: typeof fastParseFile, text: string, file = 'x.sf') {
  const before = fastPathFailures();
  const result = withFastPathForTests(replacement, () => parse(text, file));
  return { counted: fastPathFailures() - before, result };
}

test('every .sf of test/conformance, library/ and examples/: parse() never meets an unexpected fast-path failure', (t) => {
  const files = ['test/conformance', 'library', 'examples'].flatMap((d) => sfFiles(join(root, d)));
  t.true(files.length > 100, `files: ${files.length}`);
  const before = fastPathFailures();
  for (const p of files) parse(readFileSync(p, 'utf8'), relative(root, p));
  const last = lastFastPathFailure();
  t.is(fastPathFailures() - before, 0, last && `${last.file}: ${String(last.error)}`);
});

test('an unexpected error in the fast path is counted, and parse still gives the right result', (t) => {
  const expected = parse(VALID, 'defect.sf');
  t.is(expected.diagnostics.length, 0);
  const defect = new TypeError('injected defect');
  const { counted, result } = parseWithFastPath(() => {
    throw defect;
  }, VALID, 'defect.sf');
  t.is(counted, 1);
  t.deepEqual(lastFastPathFailure(), { file: 'defect.sf', error: defect });
  // The chevrotain path answered, with the same tree the fast path builds.
  t.deepEqual(result.ast, expected.ast);
  t.deepEqual(result.diagnostics, []);
  t.deepEqual(result, parseWith('chevrotain', VALID, 'defect.sf'));
});

test('a defect part-way through the real fast path is counted too', (t) => {
  const { counted, result } = parseWithFastPath((text, file, maxNesting) => {
    const ast = fastParseFile(text, file, maxNesting);
    // As a slip in the parser would: a property read on something that is not there.
    return (ast.members[99] as unknown as { kind: { x: typeof ast } }).kind.x;
  }, VALID);
  t.is(counted, 1);
  t.true(lastFastPathFailure()?.error instanceof TypeError);
  t.deepEqual(result, parseWith('chevrotain', VALID, 'x.sf'));
});

test('a RangeError that is not a stack overflow is a defect', (t) => {
  const { counted } = parseWithFastPath(() => {
    BigInt(1.5);
    throw new Error('not reached');
  }, VALID);
  t.is(counted, 1);
  t.true(lastFastPathFailure()?.error instanceof RangeError);
});

test('a bail-out and a stack overflow are not counted: the file needs the full parser', (t) => {
  const bail = parseWithFastPath(() => {
    throw new FastPathBail('injected', 0);
  }, INVALID);
  t.is(bail.counted, 0);
  t.deepEqual(bail.result, parseWith('chevrotain', INVALID, 'x.sf'));
  t.true(bail.result.diagnostics.length > 0);

  const recurse = (n: number): number => recurse(n + 1) + 1;
  const overflow = parseWithFastPath(() => {
    recurse(0);
    throw new Error('not reached');
  }, VALID);
  t.is(overflow.counted, 0);
  t.deepEqual(overflow.result, parseWith('chevrotain', VALID, 'x.sf'));
});

test('parseWith("fast") lets a defect through instead of counting it, and the real fast path comes back', (t) => {
  const before = fastPathFailures();
  t.throws(
    () => withFastPathForTests(() => { throw new TypeError('injected'); }, () => parseWith('fast', VALID, 'x.sf')),
    { instanceOf: TypeError, message: 'injected' },
  );
  t.is(fastPathFailures(), before);
  // Restored: the fast path accepts the valid text again, and parse() counts nothing.
  t.truthy(parseWith('fast', VALID, 'x.sf'));
  parse(VALID, 'x.sf');
  t.is(fastPathFailures(), before);
});
