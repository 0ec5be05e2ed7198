/** Liveness (docs/design/components.md §4): hung components are noticed and failed; a child notices a silent parent. */
import test from 'ava';
import { c, harness, plan } from '../support/runtime.js';

test('a hung component is failed by its parent after sfLivenessDelay × sfLivenessFactor', async (t) => {
  const h = harness();
  const r = await h.host.deploy(plan(c('Compound', { sfLivenessDelay: 1, sfLivenessFactor: 2 }, { ok: c('Probe'), stuck: c('Probe', { hangPing: true }) })));
  await h.clock.advance(2_999); // first ping at 1 s; the stuck child has until 3 s
  t.is(r.root!.state, 'running');
  await h.clock.advance(2);
  const record = await r.terminated;
  t.is(record.type, 'abnormal');
  t.is(record.path, 'sfConfig:stuck');
  t.is(record.cause?.code, 'SF4009');
  t.is(record.reason, 'Component `sfConfig:stuck` did not answer a liveness ping within 2 s.');
  t.true(h.trace().includes('failed sfConfig:ok abnormal'));
});

test('healthy components stay running through many liveness rounds', async (t) => {
  const h = harness();
  const r = await h.host.deploy(plan(c('Compound', { sfLivenessDelay: 1 }, { a: c('Probe'), b: c('ProbeCompound', {}, { x: c('Probe') }) })));
  await h.clock.advance(60_000);
  t.is(r.root!.state, 'running');
  t.true(h.host.find('sfConfig:b:x')!.lastPinged >= h.clock.now() - 1_000);
  await r.root!.sfTerminate();
});

test('sfLivenessDelay 0 disables checking for a subtree', async (t) => {
  const h = harness();
  const r = await h.host.deploy(plan(c('Compound', { sfLivenessDelay: 1 }, { quiet: c('ProbeCompound', { sfLivenessDelay: 0 }, { stuck: c('Probe', { hangPing: true }) }) })));
  await h.clock.advance(10_000);
  t.is(r.root!.state, 'running');
  t.is(h.host.find('sfConfig:quiet:stuck')!.liveness.delay, 0);
  await r.root!.sfTerminate();
});

test('a component whose remote parent stops pinging terminates itself', async (t) => {
  const h = harness();
  const r = await h.host.deploy(plan(c('Probe', { sfLivenessDelay: 1, sfLivenessFactor: 2 })), { remoteParent: true });
  // The parent pings for a while...
  for (let i = 0; i < 5; i++) {
    await r.root!.sfPing('remote parent');
    await h.clock.advance(1_000);
  }
  t.is(r.root!.state, 'running');
  // ...then goes silent: after more than delay × factor the parent is presumed dead.
  await h.clock.advance(3_000);
  const record = await r.terminated;
  t.is(record.cause?.code, 'SF4010');
  t.is(record.path, 'sfConfig');
});

test('a ping that throws fails the component at once', async (t) => {
  const h = harness();
  const { Prim } = await import('../../runtime/index.js');
  class Sick extends Prim {
    protected override async ping(): Promise<void> {
      throw new Error('disk full');
    }
  }
  h.host.registry.register('Sick', Sick);
  const r = await h.host.deploy(plan(c('Compound', { sfLivenessDelay: 1 }, { s: c('Sick') })));
  await h.clock.advance(1_000);
  const record = await r.terminated;
  t.deepEqual([record.path, record.reason], ['sfConfig:s', 'liveness ping failed: disk full']);
});

test('the liveness settings in force, the host and the process are runtime attributes of every component', async (t) => {
  const { hostname } = await import('node:os');
  const h = harness();
  const r = await h.host.deploy(plan(c('Compound', { sfLivenessDelay: 3 }, { a: c('Probe'), b: c('ProbeCompound', { sfLivenessFactor: 4 }, { x: c('Probe') }) })));
  const x = h.host.find('sfConfig:b:x')!;
  t.is(x.rawAttribute('sfLivenessDelay'), 3n, 'inherited, stored back as a Long');
  t.is(x.rawAttribute('sfLivenessFactor'), 4, 'an Integer');
  t.is(h.host.find('sfConfig:a')!.rawAttribute('sfLivenessFactor'), 2, 'the process default');
  t.is(x.rawAttribute('sfHost'), hostname());
  t.is(x.rawAttribute('sfProcess'), 'test');
  await r.root!.sfTerminate();
});
