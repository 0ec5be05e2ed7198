/**
 * Structural sharing in resolution (docs/design/language.md §18): `extends` copies share plain
 * attributes and operator bodies until written. A traced resolution shares nothing, so it is
 * the reference: every case must give the same output and the same diagnostics with and
 * without a trace, and what one copy writes must never show in another.
 */
import test from 'ava';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { resolveFile, type ResolveOptions } from '../../compiler/resolve.js';
import { Trace } from '../../compiler/trace.js';
import { toCanonicalJson } from '../../core/canonical.js';
import { Applied, Description } from '../../core/values.js';
import { CONFORMANCE_DIR, resolvingCases } from '../support/conformance-cases.js';

const resolveText = (text: string, options: ResolveOptions = {}) => resolveFile('/virtual/app.sf', { ...options, text });

function outcome(path: string, options: ResolveOptions = {}): string {
  const r = resolveFile(path, options);
  const diagnostics = r.diagnostics.map((d) => `${d.code} ${d.span?.start}-${d.span?.end} ${d.message} ${d.hint ?? ''}`).join('\n');
  return (r.description ? toCanonicalJson(r.description) : '(no description)') + '\n' + diagnostics;
}

test('every conformance case resolves the same with sharing as with full copies (a traced resolution)', (t) => {
  const cases = resolvingCases();
  t.true(cases.length > 50);
  for (const c of cases) {
    const input = join(CONFORMANCE_DIR, c, 'input.sf');
    t.is(outcome(input), outcome(input, { trace: new Trace() }), c);
  }
});

test('every error case reports the same diagnostics with sharing as with full copies', (t) => {
  const dir = join(CONFORMANCE_DIR, 'errors');
  let n = 0;
  for (const name of readdirSync(dir).sort()) {
    const input = join(dir, name, 'input.sf');
    if (!existsSync(input)) continue;
    n++;
    t.is(outcome(input), outcome(input, { trace: new Trace() }), name);
  }
  t.true(n > 50);
});

test('an operator body shared by copies is evaluated for each copy, the prototype linked first or last', (t) => {
  const r = resolveText(`
    sfConfig extends {
      Base extends { host "h"; port 1; url ("http://" ++ host ++ ":" ++ port); }
      a extends Base { port 2; }
      b extends Base { host "other"; }
      c extends a { port 3; }
    }`);
  t.deepEqual(r.diagnostics, []);
  const d = r.description!;
  const url = (name: string): unknown => (d.get(name) as Description).get('url');
  t.is(url('Base'), 'http://h:1');
  t.is(url('a'), 'http://h:2');
  t.is(url('b'), 'http://other:1');
  t.is(url('c'), 'http://h:3');
});

test('a placement or an override in one copy leaves the shared attribute of the others alone', (t) => {
  const r = resolveText(`
    Leaf extends { weight 3; tags extends { tier "base"; zone "us"; } }
    sfConfig extends {
      a extends Leaf { weight 4; tags:zone "eu"; }
      b extends Leaf;
      c extends Leaf { tags:tier "top"; }
    }`);
  t.deepEqual(r.diagnostics, []);
  const d = r.description!;
  const get = (path: string[]): unknown => path.reduce<unknown>((v, n) => (v as Description).get(n), d);
  t.deepEqual([get(['a', 'weight']), get(['b', 'weight']), get(['c', 'weight'])], [4, 3, 3]);
  t.deepEqual([get(['a', 'tags', 'zone']), get(['b', 'tags', 'zone']), get(['c', 'tags', 'zone'])], ['eu', 'us', 'us']);
  t.deepEqual([get(['a', 'tags', 'tier']), get(['b', 'tags', 'tier']), get(['c', 'tags', 'tier'])], ['base', 'base', 'top']);
});

test('writing an attribute of one resolved copy does not change another (Description.set takes its own)', (t) => {
  const r = resolveText('P extends { x 1; y "s"; } sfConfig extends { a extends P; b extends P; }');
  const d = r.description!;
  const a = d.get('a') as Description;
  const b = d.get('b') as Description;
  a.set('x', 2);
  a.set('y', 't', new Set(['sfFinal']));
  t.is(a.get('x'), 2);
  t.is(b.get('x'), 1);
  t.is(b.get('y'), 's');
  t.is(b.attrs.get('y')!.tags, undefined);
  t.deepEqual([...a.attrs.keys()], ['x', 'y']);
});

test('without a link phase, each copy of a function keeps a body of its own in the output', (t) => {
  const r = resolveText('phaseList [| "type", "place", "function", "sfConfig" |]; sfConfig extends { P extends { n 1; f (n + 1); } a extends P; b extends P; }');
  t.deepEqual(r.diagnostics, []);
  const d = r.description!;
  const bodies = ['P', 'a', 'b'].map((n) => ((d.get(n) as Description).get('f') as Applied).body);
  t.is(new Set(bodies).size, 3);
  for (const body of bodies) t.falsy(body.shared);
});

test('the value budget counts what copies share as copied (SF2701 at the same place)', (t) => {
  const text = 'P extends { a 1; b 2; c (a + b); } sfConfig extends { x extends P; y extends P; z extends P; }';
  const full = resolveText(text, { maxValues: 12, trace: new Trace() });
  const shared = resolveText(text, { maxValues: 12 });
  t.deepEqual(
    shared.diagnostics.map((d) => [d.code, d.span?.start, d.message]),
    full.diagnostics.map((d) => [d.code, d.span?.start, d.message]),
  );
  t.is(shared.diagnostics[0]?.code, 'SF2701');
});
