import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileFile } from '../../compiler/plan.js';
import { readPlan, serialisePlan, PlanFormatError } from '../../core/plan-format.js';
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
