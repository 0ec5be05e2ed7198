import test from 'ava';
import { c, harness, lines, plan } from '../support/runtime.js';

test('a compound of two prims: all created, then all deployed, then all started, in order', async (t) => {
  const h = harness();
  const r = await h.host.deploy(plan(c('Compound', {}, { a: c('Probe'), b: c('Probe') })));
  t.deepEqual(r.diagnostics, []);
  t.is(h.trace(), lines(
    'deploying sfConfig',
    'deploying sfConfig:a',
    'deploying sfConfig:b',
    'deployed sfConfig:a',
    'deployed sfConfig:b',
    'deployed sfConfig',
    'starting sfConfig',
    'starting sfConfig:a',
    'running sfConfig:a',
    'starting sfConfig:b',
    'running sfConfig:b',
    'running sfConfig',
  ));
  await r.root!.sfTerminate();
  t.is((await r.terminated).type, 'normal');
});

test('a child failing to deploy terminates its siblings and the parent with the same record', async (t) => {
  const h = harness();
  const r = await h.host.deploy(plan(c('Compound', {}, { a: c('Probe'), b: c('Probe', { failIn: 'deploy' }), c: c('Probe') })));
  const record = await r.terminated;
  t.is(record.type, 'abnormal');
  t.is(record.path, 'sfConfig:b');
  t.is(record.reason, 'deploy failed: b refuses to deploy');
  t.false(h.trace().includes('starting'));
  for (const p of ['sfConfig:a', 'sfConfig:c', 'sfConfig']) t.true(h.trace().includes(`failed ${p} abnormal "deploy failed: b refuses to deploy" at sfConfig:b`));
});

test('a running child terminating abnormally takes down its siblings and parent (all or nothing)', async (t) => {
  const h = harness();
  const r = await h.host.deploy(plan(c('Compound', {}, {
    a: c('Probe'),
    sub: c('ProbeCompound', {}, { x: c('Probe'), y: c('Probe', { finishAfter: 10, finishType: 'abnormal' }) }),
  })));
  await h.clock.advance(10);
  const record = await r.terminated;
  t.deepEqual(record, { type: 'abnormal', reason: 'y finished', path: 'sfConfig:sub:y' });
  t.is(h.trace().split('\n').slice(-10).join('\n'), lines(
    'terminating sfConfig:sub:y abnormal "y finished"',
    'failed sfConfig:sub:y abnormal "y finished"',
    'terminating sfConfig:sub abnormal "y finished" at sfConfig:sub:y',
    'terminating sfConfig:sub:x abnormal "y finished" at sfConfig:sub:y',
    'failed sfConfig:sub:x abnormal "y finished" at sfConfig:sub:y',
    'failed sfConfig:sub abnormal "y finished" at sfConfig:sub:y',
    'terminating sfConfig abnormal "y finished" at sfConfig:sub:y',
    'terminating sfConfig:a abnormal "y finished" at sfConfig:sub:y',
    'failed sfConfig:a abnormal "y finished" at sfConfig:sub:y',
    'failed sfConfig abnormal "y finished" at sfConfig:sub:y',
  ));
});

test('sfSyncTerminate true: children terminate last-to-first, one at a time', async (t) => {
  const h = harness();
  const r = await h.host.deploy(plan(c('Compound', { sfSyncTerminate: true }, { a: c('Probe'), b: c('Probe'), c: c('Probe') })));
  h.recorder.events.length = 0;
  await r.root!.sfTerminate();
  t.is(h.trace(), lines(
    'terminating sfConfig normal "terminated"',
    'terminating sfConfig:c normal "terminated" at sfConfig',
    'terminated sfConfig:c normal "terminated" at sfConfig',
    'terminating sfConfig:b normal "terminated" at sfConfig',
    'terminated sfConfig:b normal "terminated" at sfConfig',
    'terminating sfConfig:a normal "terminated" at sfConfig',
    'terminated sfConfig:a normal "terminated" at sfConfig',
    'terminated sfConfig normal "terminated"',
  ));
});

test('sfSyncTerminate false: children are terminated together, last created first, before the parent', async (t) => {
  const h = harness();
  const r = await h.host.deploy(plan(c('Compound', {}, { a: c('Probe'), b: c('Probe'), c: c('Probe') })));
  h.recorder.events.length = 0;
  await r.root!.sfTerminate();
  t.is(h.trace(), lines(
    'terminating sfConfig normal "terminated"',
    'terminating sfConfig:c normal "terminated" at sfConfig',
    'terminating sfConfig:b normal "terminated" at sfConfig',
    'terminating sfConfig:a normal "terminated" at sfConfig',
    'terminated sfConfig:c normal "terminated" at sfConfig',
    'terminated sfConfig:b normal "terminated" at sfConfig',
    'terminated sfConfig:a normal "terminated" at sfConfig',
    'terminated sfConfig normal "terminated"',
  ));
});

test('sfTerminate is idempotent and a terminated component refuses pings', async (t) => {
  const h = harness();
  const r = await h.host.deploy(plan(c('Probe')));
  await Promise.all([r.root!.sfTerminate(), r.root!.sfTerminate({ type: 'abnormal', reason: 'late', path: '' })]);
  t.is((await r.terminated).type, 'normal');
  t.is(h.trace().split('\n').filter((l) => l.startsWith('terminat')).length, 2);
  await t.throwsAsync(() => r.root!.sfPing(null), { message: 'component terminated' });
});

test('a DATA or LAZY description under a Compound is not deployed', async (t) => {
  const h = harness();
  const r = await h.host.deploy(plan(c('Compound', { template: { $cd: [['sfClass', 'Probe']], eager: false } }, { a: c('Probe') })));
  t.deepEqual(r.root!.children.map((x) => x.name), ['a']);
  await r.root!.sfTerminate();
});

test('onTransition is awaited before each event is emitted', async (t) => {
  const { ComponentHost, EventRecorder } = await import('../../runtime/index.js');
  const { testRegistry } = await import('../support/runtime.js');
  const acknowledged: string[] = [];
  const host = new ComponentHost({
    registry: testRegistry(),
    peer: 'test',
    liveness: { delay: 0 },
    onTransition: async (e) => {
      await new Promise((r) => setTimeout(r, 1));
      acknowledged.push(`${e.event} ${e.subject}`);
    },
  });
  const recorder = new EventRecorder(host.events);
  host.events.subscribe((e) => t.true(acknowledged.includes(`${e.event} ${e.subject}`), `${e.event} emitted before its acknowledgement`));
  const r = await host.deploy(plan(c('Compound', {}, { a: c('Probe') })));
  await r.root!.sfTerminate();
  t.is(recorder.events.length, acknowledged.length);
  t.is(recorder.events[0].peer, 'test');
  t.is(recorder.events[0].type, 'Compound');
  t.is(typeof recorder.events[0].time, 'number');
});
