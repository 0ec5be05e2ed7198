/**
 * The canonical JSON writer (core/canonical-json.ts) against what it replaces,
 * `JSON.stringify(encodeValue(d), null, 2) + '\n'`, character for character: on every kind of
 * value, on every resolving conformance case, whole and in chunks; and it writes nothing at
 * all when a value has no canonical form.
 */
import test from 'ava';
import { join } from 'node:path';
import { encodeValue, CanonicalError } from '../../core/canonical.js';
import { writeCanonicalJson, CHUNK_CHARS } from '../../core/canonical-json.js';
import { Applied, Description, Ref, SfDouble, SfFloat, TBD, type RefPart, type Value } from '../../core/values.js';
import { CONFORMANCE_DIR, resolvingCases } from '../support/conformance-cases.js';
import { resolveFile } from '../../compiler/index.js';

const reference = (v: Value): string => JSON.stringify(encodeValue(v), null, 2) + '\n';

function cd(entries: [string, Value, string[]?][], eager = true): Description {
  const d = new Description();
  d.eager = eager;
  for (const [k, v, tags] of entries) d.set(k, v, tags ? new Set(tags) : undefined);
  return d;
}
const word = (name: string): RefPart => ({ kind: 'WORD', name });

function chunked(v: Value): { text: string; chunks: number } {
  const parts: string[] = [];
  const returned = writeCanonicalJson(v, (c) => parts.push(c));
  return { text: returned + parts.join(''), chunks: parts.length };
}

test('every kind of value, tags with integer-like names and __proto__, as JSON.stringify writes them', (t) => {
  const body = cd([['sfFunctionClass', 'x.Vector'], ['unique0', 1], ['unique1', new Ref([word('x')], true)]], false);
  const values: Value[] = [
    42, -0, 1e21, 2 ** 53 + 2, 'a "quoted" \u00e9 \ud800 string\n', true, false, null, 9000000000n, -(2n ** 63n),
    new SfFloat(0.1), new SfFloat(NaN), new SfDouble(-Infinity), new SfDouble(1e300), new SfDouble(-0),
    [], [1, [2n, 'x'], [[]]], new Uint8Array([0, 255, 16]), new Uint8Array([]),
    new Ref([{ kind: 'PARENT' }, { kind: 'HERE', name: 'odd name' }], false, false, true, new SfDouble(0.5)),
    new Ref([{ kind: 'ROOT' }, word('a'), word('b')], true, true, true),
    new Ref([{ kind: 'ATTRIB', name: 'a' }], true, false, true, cd([['x', [1]]])),
    new Applied('apply', body, true), new Applied('assert', cd([['ok', true]], false), true, true), new Applied('apply', cd([], false), false),
    cd([]), cd([], false),
    cd([
      ['b', 1, ['z', 'a']], ['10', 2, ['t']], ['2', 3, ['u', 'v']], ['__proto__', 4, ['p']], ['$x', cd([['in', 'side']], false), ['q']],
      ['vec', [cd([['v', 1]]), new Applied('apply', cd([], false), true)]],
    ]),
  ];
  for (const v of values) {
    t.is(writeCanonicalJson(v), reference(v));
    t.is(chunked(v).text, reference(v));
  }
});

test('a big description goes out in chunks that join to the same text', (t) => {
  const root = cd([]);
  for (let i = 0; i < 3000; i++) root.set(`c${i}`, cd([['port', 1000 + i], ['name', `c${i}`], ['peer', new Ref([word(`c${i + 1}`), word('port')])]]), i % 7 === 0 ? new Set(['t']) : undefined);
  const { text, chunks } = chunked(root);
  t.is(text, reference(root));
  t.true(chunks > 1, `${chunks} chunks`);
  t.true(text.length / chunks < CHUNK_CHARS * 2);
});

test('a value without canonical form throws before any text is written', (t) => {
  const parts: string[] = [];
  const root = cd([['first', 'x'.repeat(CHUNK_CHARS * 2)], ['later', cd([['t', TBD]])]]);
  t.throws(() => writeCanonicalJson(root, (c) => parts.push(c)), { instanceOf: CanonicalError, message: /TBD/ });
  t.deepEqual(parts, []);
  t.throws(() => encodeValue(root), { instanceOf: CanonicalError, message: /TBD/ });
});

test('every resolving conformance case, whole and in chunks', (t) => {
  let n = 0;
  for (const name of resolvingCases()) {
    const r = resolveFile(join(CONFORMANCE_DIR, name, 'input.sf'));
    if (!r.description) continue;
    t.is(writeCanonicalJson(r.description), reference(r.description), name);
    t.is(chunked(r.description).text, reference(r.description), name);
    n++;
  }
  t.true(n > 50, `${n} cases`);
});
