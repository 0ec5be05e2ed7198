/** Unknown types, user modules and bad attributes give diagnostics or records with codes, never crashes. */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { c, harness, plan } from '../support/runtime.js';

const fixtures = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures');

test('an unknown component type is a diagnostic naming the component path; nothing is deployed', async (t) => {
  const h = harness();
  const r = await h.host.deploy(plan(c('Compound', {}, { a: c('Probe'), b: c('NoSuchThing') })));
  t.is(r.root, undefined);
  t.is(r.diagnostics.length, 1);
  t.like(r.diagnostics[0], { code: 'SF4001', severity: 'error', path: 'sfConfig:b' });
  t.is(r.diagnostics[0].message, 'Unknown component type `NoSuchThing` for `sfConfig:b`.');
  t.is(h.recorder.events.length, 0);
  t.is((await r.terminated).type, 'abnormal');
});

test('SmartFrog identifiers name the standard components', async (t) => {
  const h = harness();
  const r = await h.host.deploy(plan(c('org.smartfrog.sfcore.workflow.combinators.Sequence', {}, {
    a: c('org.smartfrog.sfcore.workflow.components.DoNothing', { time: 5 }),
  })));
  await h.clock.advance(10);
  t.is((await r.terminated).type, 'normal');
});

test('a user module component is loaded relative to the plan source', async (t) => {
  const h = harness();
  const source = join(fixtures, 'app.sf');
  const r = await h.host.deploy(plan(c('Compound', {}, { g: c('./user-component.ts#Greeter', { who: 'tests' }) }), 'test', source));
  t.deepEqual(r.diagnostics, []);
  t.true(h.trace(true).includes('output sfConfig:g stdout "greetings from tests"'));
  await r.root!.sfTerminate();
});

test('a missing module or export is a diagnostic', async (t) => {
  const h = harness();
  const source = join(fixtures, 'app.sf');
  const r = await h.host.deploy(plan(c('Compound', {}, {
    a: c('./missing.js#X'),
    b: c('./user-component.ts#notAComponent'),
  }), 'test', source));
  t.deepEqual(r.diagnostics.map((d) => [d.code, d.path]), [['SF4002', 'sfConfig:a'], ['SF4003', 'sfConfig:b']]);
});

test('a bad attribute fails the component with a coded reason', async (t) => {
  const h = harness();
  const r = await h.host.deploy(plan(c('Sequence', {}, { run: c('Exec', { command: 42 }) })));
  const record = await r.terminated;
  t.is(record.type, 'abnormal');
  t.is(record.path, 'sfConfig:run');
  t.is(record.cause?.code, 'SF4004');
  t.is(record.reason, 'deploy failed: SF4004: Attribute `command` of `sfConfig:run` must be a String, found Integer 42.');
});

test('a missing attribute fails the component with SF4005', async (t) => {
  const h = harness();
  const r = await h.host.deploy(plan(c('File', {})));
  const record = await r.terminated;
  t.is(record.cause?.code, 'SF4005');
  t.is(record.reason, 'deploy failed: SF4005: Attribute `path` is missing in `sfConfig`.');
});

test('an unknown restart policy is rejected', async (t) => {
  const h = harness();
  const r = await h.host.deploy(plan(c('Exec', { command: 'true', restart: 'sometimes' })));
  t.regex((await r.terminated).reason, /`restart` of `sfConfig` must be "never", "on-failure" or "always"/);
});

test('a root component that cannot be constructed is a diagnostic, not an exception', async (t) => {
  const { ComponentHost } = await import('../../runtime/host/host.js');
  const { Prim } = await import('../../runtime/component/component.js');
  const { createStandardRegistry } = await import('../../stdlib/index.js');
  class Broken extends Prim {
    constructor() {
      super();
      throw new Error('cannot build');
    }
  }
  const host = new ComponentHost({ registry: createStandardRegistry().register('Broken', Broken), peer: 'test', liveness: { delay: 0 } });
  const r = await host.deploy(plan(c('Broken')));
  t.is(r.root, undefined);
  t.is(r.diagnostics.length, 1);
  t.like(r.diagnostics[0], { code: 'SF4012', severity: 'error', path: 'sfConfig' });
  t.regex(r.diagnostics[0].message, /cannot build/);
  t.is((await r.terminated).type, 'abnormal');
});
