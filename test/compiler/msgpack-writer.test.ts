/**
 * The canonical msgpack writer of core/canonical.ts against msgpackr with the same options, byte
 * for byte: plan ids hash these bytes, so a plan compiled before and after must keep its id.
 */
import test from 'ava';
import { join } from 'node:path';
import { msgpackEncodeCanonical, msgpackEncodeCanonicalWithMsgpackr, encodeValue } from '../../core/canonical.js';
import type { EncodedValue } from '../../core/plan-types.js';
import { CONFORMANCE_DIR, resolvingCases } from '../support/conformance-cases.js';
import { compile, resolveFile } from '../../compiler/index.js';

const same = (t: import('ava').ExecutionContext, v: unknown, what: string) => {
  const ours = Buffer.from(msgpackEncodeCanonical(v as EncodedValue));
  const theirs = Buffer.from(msgpackEncodeCanonicalWithMsgpackr(v as EncodedValue));
  t.true(ours.equals(theirs), `${what}: ${ours.subarray(0, 24).toString('hex')} against ${theirs.subarray(0, 24).toString('hex')}`);
};

test('numbers at every boundary of the msgpack formats', (t) => {
  const edges = [0, -0, 1, 31, 32, 63, 64, 127, 128, 255, 256, 65535, 65536, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 53, -1, -31, -32, -33, -127, -128, -129, -32767, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1, 0.5, -0.5, 1e300, -1e-300, Number.MAX_VALUE, Number.MIN_VALUE, Infinity, -Infinity, NaN];
  for (const n of edges) same(t, n, String(n));
  same(t, edges, 'the array');
});

test('strings of every header size, ASCII and not, with surrogates', (t) => {
  const pieces = ['a', 'é', '€', '😀', '\ud800', '\udc00x', '\u0000'];
  for (const piece of pieces) {
    for (const n of [0, 1, 10, 15, 16, 31, 32, 63, 64, 85, 127, 128, 255, 256, 21845, 65535, 65536, 70000]) {
      same(t, piece.repeat(n), `${JSON.stringify(piece)} × ${n}`);
    }
  }
});

test('arrays and maps of every header size, null and booleans', (t) => {
  for (const n of [0, 1, 15, 16, 255, 256, 65535, 65536]) {
    same(t, Array.from({ length: n }, (_, i) => (i % 3 === 0 ? null : i % 3 === 1)), `array of ${n}`);
    same(t, Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i])), `map of ${n}`);
  }
  same(t, { 2: 'a', 1: 'b', z: [{}, []], a: { $double: 'NaN' } }, 'integer-like keys first, as Object.keys orders them');
});

test('every resolving conformance case', (t) => {
  let n = 0;
  for (const name of resolvingCases()) {
    const r = resolveFile(join(CONFORMANCE_DIR, name, 'input.sf'));
    if (!r.description) continue;
    same(t, encodeValue(r.description), name);
    const plan = compile(r.description).plan;
    if (plan) same(t, plan, `${name} (plan)`);
    n++;
  }
  t.true(n > 50, `${n} cases`);
});
