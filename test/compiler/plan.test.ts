import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileFile } from '../../compiler/plan.js';
import { planId, readPlan, serialisePlan, PlanFormatError } from '../../core/plan-format.js';
import { scratchDir } from '../support/scratch.js';

function source(text: string): string {
  const dir = scratchDir('frog-plan-');
  writeFileSync(join(dir, 'app.sf'), text);
  return join(dir, 'app.sf');
}

const APP = `
Prim extends { sfClass "Prim"; }
Compound extends Prim { sfClass "Compound"; }
sfConfig extends Compound {
  web extends Prim { sfProcessHost "web1"; port 8080; big 5L; ratio 0.5; [sfLocal] t "x"; peer LAZY PARENT:db; }
  db extends Prim { data extends DATA { rows 3; } }
  settings extends LAZY { a 1; }
}`;

test('plan nodes: eager descriptions are children, with type, host, typed attributes and lazy names', (t) => {
  const r = compileFile(source(APP));
  t.deepEqual(r.diagnostics, []);
  const plan = r.plan!;
  t.is(plan.name, 'app');
  t.is(plan.root.type, 'Compound');
  t.deepEqual(plan.root.children.map((c) => c.name), ['web', 'db']);
  const web = plan.root.children[0];
  t.is(web.path, 'sfConfig:web');
  t.is(web.host, 'web1');
  t.deepEqual(web.lazy, ['peer']);
  t.deepEqual(Object.fromEntries(web.attributes).big, { $long: '5' });
  t.deepEqual(Object.fromEntries(web.attributes).ratio, { $double: 0.5 });
  t.deepEqual(web.tags, { t: ['sfLocal'] });
  t.deepEqual(Object.fromEntries(web.attributes).peer, { $ref: 'PARENT:db', lazy: true });
  const db = plan.root.children[1];
  t.deepEqual(db.children, []);
  t.deepEqual(Object.fromEntries(db.attributes).data, { $cd: [['rows', 3]], eager: false });
  t.true(plan.root.attributes.some(([n]) => n === 'settings'));
  t.regex(plan.id, /^[0-9a-f]{64}$/);
});

test('plans are deterministic and round-trip between JSON and msgpack', (t) => {
  const file = source(APP);
  const a = compileFile(file).plan!;
  const b = compileFile(file).plan!;
  t.deepEqual(Buffer.from(serialisePlan(a, 'msgpack')), Buffer.from(serialisePlan(b, 'msgpack')));
  t.deepEqual(Buffer.from(serialisePlan(a, 'json')), Buffer.from(serialisePlan(b, 'json')));
  const fromJson = readPlan(serialisePlan(a, 'json'));
  const fromMsgpack = readPlan(serialisePlan(a, 'msgpack'));
  t.deepEqual(fromJson, a);
  t.deepEqual(fromMsgpack, a);
  t.deepEqual(Buffer.from(serialisePlan(fromJson, 'msgpack')), Buffer.from(serialisePlan(a, 'msgpack')));
});

test('an eager description without sfClass is a compile error naming its path', (t) => {
  const r = compileFile(source('Prim extends { sfClass "Prim"; }\nsfConfig extends Prim { bad extends { x 1; } ok extends DATA { y 2; } }'));
  t.is(r.plan, undefined);
  t.deepEqual(r.diagnostics.map((d) => d.code), ['SF3201']);
  t.regex(r.diagnostics[0].message, /`sfConfig:bad`/);
  t.regex(r.diagnostics[0].hint ?? '', /DATA/);
});

test('a tampered or malformed plan is refused with a reason', (t) => {
  const plan = compileFile(source(APP)).plan!;
  const tampered = JSON.parse(Buffer.from(serialisePlan(plan, 'json')).toString());
  tampered.root.children[0].host = 'elsewhere';
  const e1 = t.throws(() => readPlan(Buffer.from(JSON.stringify(tampered))), { instanceOf: PlanFormatError });
  t.regex(e1!.message, /id does not match/);
  t.throws(() => readPlan(Buffer.from('{"format": 99}')), { instanceOf: PlanFormatError, message: /format/ });
  t.throws(() => readPlan(Buffer.from([0xc1, 0x00, 0xff])), { instanceOf: PlanFormatError });
  t.throws(() => readPlan(Buffer.from('{not json')), { instanceOf: PlanFormatError });
});

/** The plan with `edit` applied and its id made right again, as bytes a peer could receive. */
function edited(edit: (plan: any) => void, withId = true): Uint8Array {
  const plan = JSON.parse(Buffer.from(serialisePlan(compileFile(source(APP)).plan!, 'json')).toString());
  edit(plan);
  delete plan.id;
  plan.id = withId ? planId(plan) : '0'.repeat(64);
  return Buffer.from(JSON.stringify(plan));
}

test('every part of a plan is checked when it arrives: each malformation gets its reason, never an internal error', (t) => {
  const cases: [string, (plan: any) => void, RegExp][] = [
    ['a plan name that is not a string', (p) => (p.name = 5), /`name` is not a non-empty string/],
    ['an empty plan name', (p) => (p.name = ''), /`name` is not a non-empty string/],
    ['a source that is not a string', (p) => (p.source = null), /`source` is not a string/],
    ['an attribute entry that is not a pair', (p) => p.root.children[0].attributes.push(5), /sfConfig:web\.attributes\[\d+\] is not a \[name, value\] pair/],
    ['an attribute with an empty name', (p) => p.root.children[0].attributes.push(['', 1]), /is not a \[name, value\] pair/],
    ['an attribute twice', (p) => p.root.children[0].attributes.push(['port', 1]), /sfConfig:web has the attribute `port` twice/],
    ['two children of one name', (p) => p.root.children.push(structuredClone(p.root.children[0])), /sfConfig has two parts named `web`/],
    ['a child named like an attribute', (p) => (p.root.children[1].name = 'settings', p.root.children[1].path = 'sfConfig:settings'), /two parts named `settings`/],
    ['a child whose path is not its parent path and name', (p) => (p.root.children[0].path = 'sfConfig:other'), /not its parent's path and its name/],
    ['a value that is not canonical', (p) => p.root.children[0].attributes.push(['n', { $long: 'x' }]), /value of sfConfig:web:n is not a canonical value/],
    ['a number that is not an Integer', (p) => p.root.children[0].attributes.push(['n', 1.5]), /not a 32-bit Integer/],
    ['a lazy name that is no attribute', (p) => p.root.children[0].lazy.push('nothing'), /lazy\[1\] does not name an attribute/],
    ['tags of no attribute', (p) => (p.root.children[0].tags = { nothing: ['x'] }), /tags names `nothing`/],
    ['tags that are not strings', (p) => (p.root.children[0].tags = { t: [1] }), /tags\.t is not a list of strings/],
    ['children that are not a list', (p) => (p.root.children[0].children = 5), /lacks attributes, lazy or children/],
    ['a child that is not a node', (p) => p.root.children.push(7), /is not a node/],
    ['a node with an empty name', (p) => (p.root.children[0].name = '', p.root.children[0].path = 'sfConfig:'), /has an empty name/],
  ];
  for (const [what, edit, reason] of cases) {
    const e = t.throws(() => readPlan(edited(edit)), { instanceOf: PlanFormatError }, what);
    t.regex(e?.message ?? '', reason, what);
  }
});

test('a plan nested deeper than the limit is refused, not a stack overflow', (t) => {
  const bytes = edited((p) => {
    let node = p.root;
    for (let i = 0; i < 1100; i++) {
      const child = { name: 'c', path: `${node.path}:c`, type: 'Prim', host: '', attributes: [], lazy: [], children: [] };
      node.children = [child];
      node = child;
    }
  }, false);
  t.throws(() => readPlan(bytes), { instanceOf: PlanFormatError, message: /nested too deeply/ });
});
