import test from 'ava';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CanonicalError,
  decodeValue,
  encodeValue,
  msgpackDecodeCanonical,
  msgpackEncodeCanonical,
  toCanonicalJson,
} from '../../core/canonical.js';
import { RefTextError, parseRefText } from '../../core/ref-text.js';
import { FUNCTION_PREFIX, valuesEqual } from '../../functions/index.js';
import { Applied, Description, Ref, SfDouble, SfFloat, TBD, type RefPart, type Value } from '../../core/values.js';
import type { EncodedValue } from '../../core/plan-types.js';

const cases = join(dirname(fileURLToPath(import.meta.url)), '..', 'conformance', 'cases');

function expected(name: string): string {
  return readFileSync(join(cases, name, 'expected.json'), 'utf8');
}

function cd(entries: [string, Value, string[]?][], eager = true): Description {
  const d = new Description();
  d.eager = eager;
  for (const [k, v, tags] of entries) d.set(k, v, tags ? new Set(tags) : undefined);
  return d;
}

const word = (name: string): RefPart => ({ kind: 'WORD', name });

// --- encoding ---------------------------------------------------------------------------

test('each kind has its canonical encoding', (t) => {
  t.is(encodeValue(42), 42);
  t.deepEqual(encodeValue(9000000000n), { $long: '9000000000' });
  t.deepEqual(encodeValue(-(2n ** 63n)), { $long: '-9223372036854775808' });
  t.deepEqual(encodeValue(new SfFloat(0.1)), { $float: 0.10000000149011612 });
  t.deepEqual(encodeValue(new SfDouble(2.5)), { $double: 2.5 });
  t.deepEqual(encodeValue(new SfDouble(NaN)), { $double: 'NaN' });
  t.deepEqual(encodeValue(new SfFloat(Infinity)), { $float: 'Infinity' });
  t.deepEqual(encodeValue(new SfDouble(-Infinity)), { $double: '-Infinity' });
  t.is(encodeValue('hi'), 'hi');
  t.is(encodeValue(false), false);
  t.is(encodeValue(null), null);
  t.deepEqual(encodeValue([1, 'two', [3n]]), [1, 'two', [{ $long: '3' }]]);
  t.deepEqual(encodeValue(new Uint8Array([0, 1, 254, 255])), { $bytes: 'AAH+/w==' });
  t.deepEqual(encodeValue(new Uint8Array(new Uint8Array([9, 0, 1, 2]).buffer, 1, 2)), { $bytes: 'AAE=' }, 'a view encodes only its bytes');
  t.throws(() => encodeValue(TBD), { instanceOf: CanonicalError });
});

test('references carry their flags in a fixed key order', (t) => {
  const parentX = [{ kind: 'PARENT' } as RefPart, word('x')];
  t.is(JSON.stringify(encodeValue(new Ref(parentX, true))), '{"$ref":"PARENT:x","lazy":true}');
  t.is(JSON.stringify(encodeValue(new Ref([{ kind: 'ROOT' }, word('foo'), word('bar')], false, true))), '{"$ref":"ROOT:foo:bar","data":true}');
  t.is(
    JSON.stringify(encodeValue(new Ref([{ kind: 'ATTRIB', name: 'a' }], true, false, true, 7n))),
    '{"$ref":"a","lazy":true,"optional":true,"default":{"$long":"7"}}',
  );
  // a keyword that repeats a part's default lookup is left out; any other is kept
  t.is(JSON.stringify(encodeValue(new Ref([word('x'), { kind: 'HERE', name: 'y' }, { kind: 'ATTRIB', name: 'w' }]))), '{"$ref":"x:y:ATTRIB w"}');
  t.is(JSON.stringify(encodeValue(new Ref([{ kind: 'HERE', name: 'odd name' }], true, false, true))), '{"$ref":"HERE \\"odd name\\"","lazy":true,"optional":true}');
});

test('descriptions: eager and sorted tags only when they say something', (t) => {
  t.is(JSON.stringify(encodeValue(cd([['x', 1]]))), '{"$cd":[["x",1]]}');
  t.is(JSON.stringify(encodeValue(cd([['y', 1]], false))), '{"$cd":[["y",1]],"eager":false}');
  t.is(
    JSON.stringify(encodeValue(cd([['a', 1, ['zeta', 'alpha']], ['b', 2], ['c', 3, ['beta']]], false))),
    '{"$cd":[["a",1],["b",2],["c",3]],"eager":false,"tags":{"a":["alpha","zeta"],"c":["beta"]}}',
  );
  const proto = cd([['__proto__', 1, ['odd']]]);
  t.is(JSON.stringify(encodeValue(proto)), '{"$cd":[["__proto__",1]],"tags":{"__proto__":["odd"]}}');
});

test('functions and assertions: lazy and data only when true', (t) => {
  const body = cd([['sfFunctionClass', `${FUNCTION_PREFIX}Sum`], ['unique0', 1]], false);
  t.is(
    JSON.stringify(encodeValue(new Applied('apply', body, true))),
    '{"$apply":{"$cd":[["sfFunctionClass","org.smartfrog.sfcore.languages.sf.functions.Sum"],["unique0",1]],"eager":false},"lazy":true}',
  );
  t.is(JSON.stringify(encodeValue(new Applied('assert', cd([], false)))), '{"$assert":{"$cd":[],"eager":false}}');
  t.is(JSON.stringify(encodeValue(new Applied('apply', cd([], false), false, true))), '{"$apply":{"$cd":[],"eager":false},"data":true}');
});

// --- byte-exact comparison with the conformance expectations ----------------------------

test('literals: byte-identical to conformance case 01', (t) => {
  const d = cd([
    ['i', 42], ['n', -7], ['l', 9000000000n], ['f', new SfFloat(2.5)], ['d', new SfDouble(2.5)],
    ['s', 'hi'], ['b', true], ['z', null], ['e', null],
  ]);
  t.is(toCanonicalJson(d), expected('01-basic-literals'));
});

test('lazy references and a lazy function: byte-identical to conformance case 46', (t) => {
  const body = cd([['sfFunctionClass', `${FUNCTION_PREFIX}Sum`], ['unique0', new Ref([word('a')], true)], ['unique1', 1]], false);
  const d = cd([
    ['a', new Ref([word('b')], true)],
    ['b', 5],
    ['c', new Ref([word('a')], true)],
    ['d', new Applied('apply', body, true)],
  ]);
  t.is(toCanonicalJson(d), expected('46-lazy-propagation'));
});

test('tags and a lazy description: byte-identical to conformance cases 55 and 26', (t) => {
  t.is(toCanonicalJson(cd([['x', 2, ['beta', 'alpha']]])), expected('55-tags-are-merged-by-extension'));
  t.is(toCanonicalJson(cd([['x', 1], ['payload', cd([['y', 1]], false)]])), expected('26-data-lazy-flag-on-a-description-links-in'));
});

test('every conformance expectation decodes and encodes back byte for byte', (t) => {
  t.true(existsSync(cases), `the conformance cases are in ${cases}`);
  let count = 0;
  for (const name of readdirSync(cases).sort()) {
    const file = join(cases, name, 'expected.json');
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    const value = decodeValue(JSON.parse(text) as EncodedValue);
    t.true(value instanceof Description, name);
    t.is(toCanonicalJson(value as Description), text, name);
    count++;
  }
  t.true(count >= 40, `${count} expectations checked`);
});

// --- decoding ---------------------------------------------------------------------------

function sample(): Description {
  const inner = cd([['deep', [1, new Uint8Array([7, 8])]]], false);
  const body = cd([['sfFunctionClass', `${FUNCTION_PREFIX}Vector`], ['unique0', 1], ['unique1', new Ref([word('x')], true)]], false);
  return cd([
    ['int', -2147483648],
    ['long', 2n ** 63n - 1n],
    ['float', new SfFloat(0.1)],
    ['nanF', new SfFloat(NaN)],
    ['infD', new SfDouble(-Infinity)],
    ['double', new SfDouble(1e300)],
    ['str', 'a "quoted" \u00e9 string'],
    ['bool', true, ['sfFinal', 'custom']],
    ['nil', null],
    ['vec', [1, [2n, 'x'], []]],
    ['bytes', new Uint8Array([0, 255, 16])],
    ['empty', new Uint8Array([])],
    ['inner', inner, ['a']],
    ['ref', new Ref([{ kind: 'PARENT' }, { kind: 'HERE', name: 'odd name' }], false, false, true, new SfDouble(0.5))],
    ['data', new Ref([{ kind: 'ROOT' }, word('a'), word('b')], false, true)],
    ['apply', new Applied('apply', body, true)],
    ['assert', new Applied('assert', cd([['ok', true]], false), true, false)],
    ['inVector', [cd([['v', 1]]), new Applied('apply', cd([], false), true)]],
  ]);
}

test('decode(encode(v)) gives back the same value, with parents', (t) => {
  const original = sample();
  const decoded = decodeValue(JSON.parse(toCanonicalJson(original)) as EncodedValue) as Description;
  t.true(valuesEqual(decoded, original));
  t.is(toCanonicalJson(decoded), toCanonicalJson(original));
  t.deepEqual([...decoded.attrs.keys()], [...original.attrs.keys()]);
  t.deepEqual([...(decoded.attrs.get('bool')?.tags ?? [])].sort(), ['custom', 'sfFinal']);
  const inner = decoded.get('inner') as Description;
  t.is(inner.parent, decoded);
  t.false(inner.eager);
  t.is((decoded.get('apply') as Applied).body.parent, decoded, 'a function body belongs to its holder');
  const inVector = decoded.get('inVector') as Value[];
  t.is((inVector[0] as Description).parent, null, 'a description in a vector is detached');
  t.is((inVector[1] as Applied).body.parent, decoded);
  const nan = decoded.get('nanF');
  t.true(nan instanceof SfFloat && Number.isNaN(nan.value));
  const ref = decoded.get('ref') as Ref;
  // `HERE` after the first part is the default lookup, so the text leaves it out
  t.deepEqual(ref.parts, [{ kind: 'PARENT' }, { kind: 'WORD', name: 'odd name' }]);
  t.true(ref.optional);
  t.deepEqual(ref.defaultValue, new SfDouble(0.5));
  const bytes = decoded.get('bytes') as Uint8Array;
  t.is(Object.getPrototypeOf(bytes), Uint8Array.prototype);
  t.deepEqual([...bytes], [0, 255, 16]);
});

test('decoding rejects what is not canonical, saying where', (t) => {
  const bad: [unknown, RegExp][] = [
    [1.5, /not a 32-bit Integer/],
    [2 ** 31, /not a 32-bit Integer/],
    [{ $long: '12x' }, /decimal integer string/],
    [{ $long: '9223372036854775808' }, /does not fit in 64 bits/],
    [{ $float: 'nan' }, /\$float/],
    [{ $double: 1, extra: 1 }, /unexpected key `extra`/],
    [{ $bytes: 'abc' }, /base64/],
    [{ $ref: 'HERE' }, /needs a name/],
    [{ $ref: 'x', lazy: false }, /`lazy` must be true/],
    [{ $ref: 'x', default: 1 }, /`default` needs `optional`/],
    [{ $apply: 1 }, /must hold a description/],
    [{ $cd: [['a', 1], ['a', 2]] }, /appears twice/],
    [{ $cd: [['a']] }, /\[name, value\] pair/],
    [{ $cd: [], eager: true }, /`eager` must be false/],
    [{ $cd: [['a', 1]], tags: { b: ['t'] } }, /not an attribute/],
    [{ $cd: [['a', 1]], tags: { a: [] } }, /non-empty array/],
    [{ what: 1 }, /unknown object with keys `what`/],
    [{ $cd: [['a', [1, { $long: 1 }]]] }, /at \.\$cd\[0\]\[1\]\[1\]/],
  ];
  for (const [input, message] of bad) {
    t.throws(() => decodeValue(input as EncodedValue), { instanceOf: CanonicalError, message }, JSON.stringify(input));
  }
});

// --- reference text ---------------------------------------------------------------------

test('reference text parses back to the parts Ref.toString printed', (t) => {
  const samples: RefPart[][] = [
    [word('x')],
    [{ kind: 'PARENT' }, word('x')],
    [{ kind: 'ROOT' }, word('foo'), word('bar')],
    [{ kind: 'THIS' }],
    [{ kind: 'PROCESS' }, word('a')],
    [{ kind: 'ATTRIB', name: 'a' }, word('b')],
    [{ kind: 'HERE', name: 'odd name' }],
    [{ kind: 'HOST', name: 'node-1.example.com' }, word('sfConfig')],
    [{ kind: 'PROPERTY', name: 'java.home' }],
    [{ kind: 'ENVPROPERTY', name: 'HOME' }, { kind: 'IPROPERTY', name: 'n' }, { kind: 'IENVPROPERTY', name: 'm' }, { kind: 'CONSTANT', name: 'c' }],
    [word('HERE'), word('a:b'), word('quote " and \\ slash'), word('')],
    [word('a-b.c+d@e#f~g%h^i&j$k_l'), word('\u00e9t\u00e9')],
  ];
  // a part written with its default keyword (`ATTRIB` first, `HERE` later) reads back as a bare word
  const defaultKeywordLeftOut = (parts: RefPart[]): RefPart[] =>
    parts.map((p, i) => ((p.kind === 'ATTRIB' && i === 0) || (p.kind === 'HERE' && i > 0) ? word(p.name ?? '') : p));
  for (const parts of samples) {
    const text = new Ref(parts).toString();
    t.deepEqual(parseRefText(text), defaultKeywordLeftOut(parts), text);
  }
  t.is(new Ref([{ kind: 'ATTRIB', name: 'a' }, { kind: 'HERE', name: 'b' }]).toString(), 'a:b');
  t.is(new Ref([{ kind: 'HERE', name: 'a' }, { kind: 'ATTRIB', name: 'b' }]).toString(), 'HERE a:ATTRIB b');
  t.deepEqual(parseRefText('  PARENT : ATTRIB   x :y '), [{ kind: 'PARENT' }, { kind: 'ATTRIB', name: 'x' }, word('y')]);
});

test('bad reference text is an error with a reason and a position', (t) => {
  const bad: [string, RegExp][] = [
    ['', /empty/],
    ['a::b', /a part is missing/],
    ['a:', /a part is missing/],
    ['HERE', /`HERE` needs a name/],
    ['HERE:x', /`HERE` needs a name/],
    ['a b', /expected `:`/],
    ['"open', /unterminated/],
    ['"bad \\q"', /invalid escape/],
    ['LAZY', /not a plain name/],
    ['9lives', /not a plain name/],
  ];
  for (const [text, message] of bad) {
    const err = t.throws(() => parseRefText(text), { instanceOf: RefTextError, message }, text) as RefTextError;
    t.true(err.offset >= 0 && err.offset <= text.length);
  }
});

// --- msgpack ----------------------------------------------------------------------------

test('msgpack is plain, deterministic and round-trips', (t) => {
  t.deepEqual([...msgpackEncodeCanonical({ a: 1 } as unknown as EncodedValue)], [0x81, 0xa1, 0x61, 0x01]);
  t.deepEqual([...msgpackEncodeCanonical({ $double: 0.5 })], [0x81, 0xa7, ...Buffer.from('$double'), 0xcb, 0x3f, 0xe0, 0, 0, 0, 0, 0, 0]);
  const first = msgpackEncodeCanonical(encodeValue(sample()));
  const second = msgpackEncodeCanonical(encodeValue(sample()));
  t.deepEqual(first, second);
  t.is(Object.getPrototypeOf(first), Uint8Array.prototype);
  // Encoding another value in between does not disturb bytes already returned.
  const copy = Uint8Array.from(first);
  msgpackEncodeCanonical(encodeValue(cd([['other', 'x'.repeat(5000)]])));
  t.deepEqual(first, copy);
  const back = msgpackDecodeCanonical(first);
  t.deepEqual(back, encodeValue(sample()));
  t.true(valuesEqual(decodeValue(back), sample()));
  t.throws(() => msgpackDecodeCanonical(new Uint8Array([0x92, 0x01])), { instanceOf: CanonicalError, message: /invalid msgpack/ });
  // msgpack that decodes to something outside the format fails the check of decodeValue.
  t.throws(() => decodeValue(msgpackDecodeCanonical(new Uint8Array([0xc1]))), { instanceOf: CanonicalError });
  t.throws(() => decodeValue(msgpackDecodeCanonical(new Uint8Array([0xd6, 0xff, 0, 0, 0, 0]))), { instanceOf: CanonicalError });
});
