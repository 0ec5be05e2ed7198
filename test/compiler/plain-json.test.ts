/**
 * The plain JSON form of `frog resolve --format json` (docs/design/language.md §14.1), and the
 * command's formats.
 */
import test from 'ava';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveFile } from '../../compiler/resolve.js';
import { toPlainJson, writePlainJson } from '../../compiler/plain-json.js';
import { valueText } from '../../compiler/unparse.js';
import { toCanonicalJson } from '../../core/canonical.js';
import { Applied, Description, Ref, SfDouble, SfFloat, TBD, type RefPart, type Value } from '../../core/values.js';
import { memoryIo } from '../../cli/io.js';
import { main } from '../../cli/main.js';
import { resolveCommand } from '../../cli/commands/resolve/action.js';
import { scratchDir } from '../support/scratch.js';
import { CONFORMANCE_DIR, resolvingCases } from '../support/conformance-cases.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const word = (name: string): RefPart => ({ kind: 'WORD', name });

function cd(entries: [string, Value][], eager = true): Description {
  const d = new Description();
  d.eager = eager;
  for (const [k, v] of entries) d.set(k, v);
  return d;
}

const parsed = (d: Description): unknown => JSON.parse(toPlainJson(d));

/** The plain form built the obvious way, as objects, to compare the streamed text with. */
function plainObject(v: Value): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') return v;
  if (typeof v === 'bigint') return v >= -BigInt(Number.MAX_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : { $long: String(v) };
  if (v instanceof SfFloat || v instanceof SfDouble) {
    if (Number.isFinite(v.value)) return v instanceof SfFloat ? Number(v.value.toPrecision(9)) : v.value;
    return { [v instanceof SfFloat ? '$float' : '$double']: String(v.value) };
  }
  if (Array.isArray(v)) return v.map(plainObject);
  if (v instanceof Uint8Array) return { $bytes: Buffer.from(v).toString('base64') };
  if (v instanceof Ref) return { $ref: valueText(v) };
  if (v instanceof Applied) return { [`$${v.kind}`]: plainObject(v.body), ...(v.lazy ? { lazy: true } : {}), ...(v.data ? { data: true } : {}) };
  if (v instanceof Description) {
    const entries: [string, unknown][] = [...v.attrs].map(([k, a]) => [k.startsWith('$') ? '$' + k : k, plainObject(a.value)]);
    return Object.fromEntries(entries);
  }
  throw new Error('unexpected value');
}

/** Floats compared at binary32 precision: the plain text writes their shortest decimal. */
function floatsRounded(x: unknown): unknown {
  if (typeof x === 'number') return Math.fround(x);
  if (Array.isArray(x)) return x.map(floatsRounded);
  if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, floatsRounded(v)]));
  return x;
}

test('each kind has its plain form', (t) => {
  const d = cd([
    ['i', -7],
    ['l', 42n],
    ['big', 2n ** 53n + 1n],
    ['negbig', -(2n ** 63n)],
    ['f', new SfFloat(0.1)],
    ['d', new SfDouble(2.5)],
    ['whole', new SfDouble(3)],
    ['nan', new SfDouble(NaN)],
    ['inf', new SfFloat(-Infinity)],
    ['s', 'a "q"\n'],
    ['b', false],
    ['n', null],
    ['v', [1, 'two', [3n], []]],
    ['bytes', new Uint8Array([0, 1, 254, 255])],
    ['lazy', new Ref([{ kind: 'PARENT' }, word('x')], true)],
    ['data', new Ref([{ kind: 'ROOT' }, word('a b')], false, true)],
    ['opt', new Ref([word('x')], true, false, true, 3)],
    ['fn', new Applied('apply', cd([['sfFunctionClass', 'F'], ['a', new Ref([word('who')], true)]], false), true)],
    ['pred', new Applied('assert', cd([], false), true, true)],
    ['child', cd([['x', 1]], false)],
    ['empty', cd([])],
  ]);
  t.deepEqual(parsed(d), {
    i: -7,
    l: 42,
    big: { $long: '9007199254740993' },
    negbig: { $long: '-9223372036854775808' },
    f: 0.1,
    d: 2.5,
    whole: 3,
    nan: { $double: 'NaN' },
    inf: { $float: '-Infinity' },
    s: 'a "q"\n',
    b: false,
    n: null,
    v: [1, 'two', [3], []],
    bytes: { $bytes: 'AAH+/w==' },
    lazy: { $ref: 'LAZY PARENT:x' },
    data: { $ref: 'DATA ROOT:HERE "a b"' },
    opt: { $ref: 'LAZY OPTIONAL(3) x' },
    fn: { $apply: { sfFunctionClass: 'F', a: { $ref: 'LAZY who' } }, lazy: true },
    pred: { $assert: {}, lazy: true, data: true },
    child: { x: 1 },
    empty: {},
  });
  t.throws(() => toPlainJson(cd([['t', TBD]])), { message: /TBD/ });
});

test('attribute order is kept and a name starting with $ gets one more $', (t) => {
  const text = toPlainJson(cd([['z', 1], ['$ref', 'not a reference'], ['a', 2], ['__proto__', 3], ['$$x', 4]]));
  t.is(text, '{\n  "z": 1,\n  "$$ref": "not a reference",\n  "a": 2,\n  "__proto__": 3,\n  "$$$x": 4\n}\n');
  t.deepEqual(Object.keys(JSON.parse(text) as object), ['z', '$$ref', 'a', '__proto__', '$$$x']);
});

test('without encoded values the text is exactly JSON.stringify of the same object, indented by two', (t) => {
  const d = cd([['a', [1, [2, []], cd([])]], ['b', cd([['c', 'x'], ['d', cd([['e', true]])]])], ['n', null]]);
  t.is(toPlainJson(d), JSON.stringify(plainObject(d), null, 2) + '\n');
});


test('every conformance result has a plain form that is valid JSON holding the same values', (t) => {
  const cases = resolvingCases().map((name) => join(CONFORMANCE_DIR, name));
  t.true(cases.length > 50);
  for (const dir of cases) {
    const r = resolveFile(join(dir, 'input.sf'));
    if (!r.description) {
      t.fail(dir);
      continue;
    }
    t.deepEqual(floatsRounded(parsed(r.description)), floatsRounded(plainObject(r.description)), dir);
  }
});

test('frog resolve prints plain JSON by default, and canonical JSON or a .sf file on request', async (t) => {
  const io = memoryIo(root);
  t.is(await resolveCommand({ file: 'examples/hello.sf', includePath: [], format: 'json' }, io), 0);
  const plain = JSON.parse(io.out.join('')) as { who: string; greet: { message: { $apply: Record<string, unknown>; lazy: boolean } } };
  t.is(plain.who, 'world');
  t.true(plain.greet.message.lazy);
  t.deepEqual(Object.values(plain.greet.message.$apply).slice(1), ['Hello, ', { $ref: 'LAZY who' }, '!']);

  const canonical = memoryIo(root);
  t.is(await resolveCommand({ file: 'examples/hello.sf', includePath: [], format: 'canonical' }, canonical), 0);
  t.is(canonical.out.join(''), toCanonicalJson(resolveFile(join(root, 'examples/hello.sf')).description!));

  const sf = memoryIo(root);
  t.is(await resolveCommand({ file: 'examples/hello.sf', includePath: [], format: 'sf' }, sf), 0);
  t.regex(sf.out.join(''), /^sfConfig extends \{\n    sfClass "org\.smartfrog\.sfcore\.workflow\.combinators\.Sequence";\n/);
  const dir = scratchDir('frog-plain-');
  writeFileSync(join(dir, 'again.sf'), sf.out.join(''));
  const again = memoryIo(dir);
  t.is(await resolveCommand({ file: 'again.sf', includePath: [], format: 'canonical' }, again), 0);
  t.is(again.out.join(''), canonical.out.join(''), 'the .sf output resolves to the same result');
});

test('an unknown format is a usage error (exit 1) that lists the formats', async (t) => {
  const io = memoryIo(root);
  t.is(await main(['node', 'frog', 'resolve', 'examples/hello.sf', '--format', 'yaml'], io), 1);
  t.deepEqual(io.out, []);
  t.regex(io.err.join(''), /unknown format `yaml`; use one of json, canonical, sf/);
});

test('compact plain JSON is the indented text without its whitespace; chunks join to the same text', (t) => {
  let n = 0;
  for (const name of resolvingCases()) {
    const r = resolveFile(join(CONFORMANCE_DIR, name, 'input.sf'));
    if (!r.description) continue;
    const pretty = toPlainJson(r.description);
    t.is(writePlainJson(r.description, { compact: true }), JSON.stringify(JSON.parse(pretty)) + '\n', name);
    const parts: string[] = [];
    t.is(writePlainJson(r.description, { sink: (c) => parts.push(c) }), '');
    t.is(parts.join(''), pretty, name);
    n++;
  }
  t.true(n > 50);
  const big = cd([]);
  for (let i = 0; i < 5000; i++) big.set(`c${i}`, cd([['port', 1000 + i], ['name', `c${i}`]]));
  const parts: string[] = [];
  writePlainJson(big, { sink: (c) => parts.push(c) });
  t.true(parts.length > 1, 'a big result goes out in more than one chunk');
  t.is(parts.join(''), toPlainJson(big));
  // Nothing is written for a value without a form, however late it comes.
  const late: string[] = [];
  t.throws(() => writePlainJson(cd([['a', 'x'.repeat(200_000)], ['t', TBD]]), { sink: (c) => late.push(c) }), { message: /TBD/ });
  t.deepEqual(late, []);
});

test('frog resolve --compact prints the compact plain JSON; with another format it is a usage error', async (t) => {
  const dir = scratchDir('frog-compact-');
  const file = join(dir, 'app.sf');
  writeFileSync(file, 'sfConfig extends { a 1; b extends { c "x"; d [1, 2]; } e LAZY PARENT:a; }\n');
  const run = async (...args: string[]) => {
    const io = memoryIo(dir, { NO_COLOR: '1' });
    const code = await main(['node', 'frog', 'resolve', ...args], io);
    return { code, out: io.out.join(''), err: io.err.join('') };
  };
  const compact = await run('--compact', file);
  t.is(compact.code, 0);
  t.is(compact.out, '{"a":1,"b":{"c":"x","d":[1,2]},"e":{"$ref":"LAZY PARENT:a"}}\n');
  t.deepEqual(await run('--json', '--compact', file), compact);
  const pretty = await run(file);
  t.is(JSON.stringify(JSON.parse(pretty.out)) + '\n', compact.out);
  const canonical = await run('--format', 'canonical', file);
  t.is(canonical.out, toCanonicalJson(resolveFile(file).description!));
  for (const format of ['canonical', 'sf']) {
    const bad = await run('--compact', '--format', format, file);
    t.is(bad.code, 1);
    t.is(bad.out, '');
    t.regex(bad.err, /--compact writes plain JSON; it cannot be used with --format/);
  }
});
