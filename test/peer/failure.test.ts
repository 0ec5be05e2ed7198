/**
 * Failures across peers on the memory network: a placed subtree's peer crashes (the parent
 * hears of it within the group's detection bound and Retry redeploys it when the peer is
 * back, fencing the recovered old copy: never two live copies), the parent's peer crashes
 * and recovers (it re-adopts the subtree, and references through it read live values), and
 * partitions during and after deployment.
 */
import test from 'ava';
import type { PlanNode } from '../../core/plan-types.js';
import type { Prim } from '../../runtime/component/component.js';
import { MemoryStorage } from '../../runtime/persistence/store/index.js';
import type { RemoteSubtree } from '../../runtime/peer/placement.js';
import { c, lazy, plan } from '../support/runtime.js';
import { Cluster, bounds, liveCopies, profile } from '../support/cluster.js';

type Spec = ReturnType<typeof c> & { host?: string };
const on = (spec: Spec, host: string): Spec => Object.assign(spec, { host });

function planWithHosts(root: Spec, name = 'app') {
  const p = plan(root, name);
  const visit = (node: PlanNode, spec: Spec) => {
    if (spec.host) {
      node.host = spec.host;
      node.attributes.push(['sfProcessHost', spec.host]);
    }
    spec.children.forEach(([, s], i) => visit(node.children[i]!, s as Spec));
  };
  visit(p.root, root);
  return p;
}

const running = (peer: Prim[]) => peer.filter((x) => x.state === 'running').length;

test('a crashed peer: the parent hears within the detection bound, Retry redeploys, the recovered copy is fenced', async (t) => {
  const cluster = new Cluster(30_000);
  const storageB = new MemoryStorage('B');
  try {
    await cluster.add('A', 1);
    await cluster.add('B', 2, { storage: storageB });
    await cluster.add('C', 3);
    await cluster.stable(['A', 'B', 'C']);
    const p = planWithHosts(
      c('Compound', {}, {
        keep: c('Retry', { retry: 5 }, { svc: on(c('Backend'), 'B') }),
        front: c('Probe', { target: lazy('PARENT:keep:svc:address') }),
      }),
    );
    t.is((await cluster.deploy('A', p, 'app')).state, 'running');
    const A = cluster.get('A');
    const proxy1 = A.host.find('sfConfig:keep:svc') as RemoteSubtree;
    const front = A.host.find('sfConfig:front')!;
    const firstAddress = front.sfResolve('target');
    t.regex(String(firstAddress), /^B\//);

    // kill B: the failure reaches the parent within T + I (+ one ping period of slack).
    const killedAt = cluster.clock.now();
    await cluster.settled(cluster.get('B').crash());
    const reacted = await cluster.until(() => proxy1.isTerminating, bounds.detection + profile.interval + 1000);
    t.true(reacted >= 0, 'the proxy failed');
    t.log(`kill → parent reaction: ${reacted} ms simulated (bound T+I = ${bounds.detection} ms)`);
    t.is(proxy1.record?.type, 'abnormal');
    t.regex(`${proxy1.record!.cause?.code} ${proxy1.record!.reason}`, /SF4402|Cannot reach|liveness/);
    // Retry acts: a new proxy waits for B.
    t.true((await cluster.until(() => { const x = A.host.find('sfConfig:keep:svc'); return !!x && x !== proxy1; }, 2000)) >= 0);
    t.true(cluster.peers.get('A')!.recorder.events.some((e) => e.event === 'log' && /retrying \(attempt 2\)/.test(String(e.text))));
    t.true(killedAt < cluster.clock.now());

    // B restarts from its store: it recovers the old copy, the parent deploys a new one; one survives.
    await cluster.run(2000);
    const restartedAt = cluster.clock.now();
    const B2 = (await cluster.add('B', 2, { storage: storageB })).peer;
    let maxRunning = 0;
    const proxy2 = () => A.host.find('sfConfig:keep:svc') as RemoteSubtree | undefined;
    const rebound = await cluster.until(() => {
      maxRunning = Math.max(maxRunning, running(liveCopies(B2, 'app', 'sfConfig:keep:svc')));
      const px = proxy2();
      const target = (() => { try { return front.sfResolve('target'); } catch { return undefined; } })();
      return !!px && px.state === 'running' && target !== firstAddress && String(target).startsWith('B/');
    }, bounds.join + bounds.discovery + 10_000);
    t.true(rebound >= 0, 'redeployed and the reference reads the new address');
    t.log(`restart → recovered-and-rebound: ${rebound} ms simulated`);
    await cluster.run(3000);
    const copies = liveCopies(B2, 'app', 'sfConfig:keep:svc');
    t.is(copies.length, 1, 'one live copy');
    t.is(maxRunning, 1, 'never two running copies');
    t.is(B2.publicLocation(copies[0]!)?.instance, proxy2()!.instance, 'the copy is the parent’s current instance');
    t.true(restartedAt > killedAt);
    // The recorded old copy waited for its parent's word and was discarded, never restarted.
    t.true(cluster.peers.get('B')!.recorder.events.some((e) => e.event === 'log' && /SF4404|discarded, never restarted/.test(String(e.text)) || /was replaced or terminated/.test(String(e.text))));
    t.false(cluster.peers.get('B')!.recorder.events.some((e) => e.event === 'recovering'), 'the old copy was not rebuilt');
  } finally {
    await cluster.close();
  }
});

test('the parent’s peer crashes and recovers: it re-adopts the running subtree and references rebind', async (t) => {
  const cluster = new Cluster(30_000);
  const storageA = new MemoryStorage('A');
  try {
    await cluster.add('A', 1, { storage: storageA });
    await cluster.add('B', 2);
    await cluster.stable(['A', 'B']);
    const p = planWithHosts(
      c('Compound', {}, {
        svc: on(c('Backend', { sfLivenessDelay: 10 }), 'B'),
        front: c('Probe', { target: lazy('PARENT:svc:address') }),
      }),
    );
    t.is((await cluster.deploy('A', p, 'app')).state, 'running');
    const instance = (cluster.get('A').host.find('sfConfig:svc') as RemoteSubtree).instance;
    const address = cluster.get('A').host.find('sfConfig:front')!.sfResolve('target');

    await cluster.settled(cluster.get('A').crash());
    await cluster.run(500);
    const restartedAt = cluster.clock.now();
    const A2 = (await cluster.add('A', 1, { storage: storageA })).peer;
    const B = cluster.get('B');
    const rebound = await cluster.until(() => {
      const px = A2.host.find('sfConfig:svc') as RemoteSubtree | undefined;
      const front = A2.host.find('sfConfig:front');
      let target: unknown;
      try { target = front?.sfResolve('target'); } catch { target = undefined; }
      return px?.state === 'running' && front?.state === 'running' && target === address;
    }, 20_000);
    t.true(rebound >= 0, 'recovered and rebound');
    t.log(`parent restart → recovered-and-rebound: ${cluster.clock.now() - restartedAt} ms simulated`);
    t.is((A2.host.find('sfConfig:svc') as RemoteSubtree).instance, instance, 're-adopted the same instance');
    await cluster.run(12_000); // past the subtree's watchdog: pings from the recovered proxy keep it
    const copies = liveCopies(B, 'app', 'sfConfig:svc');
    t.is(copies.length, 1);
    t.is(B.publicLocation(copies[0]!)?.instance, instance);
    t.is(A2.host.find('sfConfig:svc')?.state, 'running');
  } finally {
    await cluster.close();
  }
});

test('a partition during deployment: it waits, and completes after the heal', async (t) => {
  const cluster = new Cluster(20_000);
  try {
    await cluster.add('A', 1);
    await cluster.add('B', 2);
    await cluster.stable(['A', 'B']);
    cluster.net.partition([[1], [2]]);
    t.true((await cluster.until(() => !cluster.get('A').directory.get('B'), bounds.detection + 1000)) >= 0);
    const p = planWithHosts(c('Compound', {}, { svc: on(c('Backend'), 'B') }));
    const answer = cluster.deploy('A', p, 'app', 60_000);
    await cluster.run(3000);
    t.is(cluster.get('A').host.application('app')?.state, 'starting');
    t.is(liveCopies(cluster.get('B'), 'app', 'sfConfig:svc').length, 0);
    cluster.net.heal();
    t.is((await answer).state, 'running');
    t.is(liveCopies(cluster.get('B'), 'app', 'sfConfig:svc').length, 1);
  } finally {
    await cluster.close();
  }
});

test('a partition after deployment: the parent fails it; after the heal the orphan learns so and terminates', async (t) => {
  const cluster = new Cluster(20_000);
  try {
    await cluster.add('A', 1);
    await cluster.add('B', 2);
    await cluster.stable(['A', 'B']);
    // A long watchdog: the subtree outlives the partition, so only fencing can end it.
    const p = planWithHosts(c('Compound', {}, { svc: on(c('Backend', { sfLivenessDelay: 60 }), 'B'), other: c('Probe') }));
    t.is((await cluster.deploy('A', p, 'app')).state, 'running');
    const A = cluster.get('A'), B = cluster.get('B');
    const root = A.host.application('app')!;
    cluster.net.partition([[1], [2]]);
    const reacted = await cluster.until(() => root.isTerminating, bounds.detection + profile.interval + 1000);
    t.true(reacted >= 0, 'the parent failed within the bound');
    t.regex(`${root.record!.cause?.code} ${root.record!.reason}`, /SF4402 Peer `B` running `sfConfig:svc` is no longer in the group|Cannot reach/);
    await cluster.run(3000);
    t.is(liveCopies(B, 'app', 'sfConfig:svc').length, 1, 'the orphan still runs while partitioned');
    cluster.net.heal();
    const fenced = await cluster.until(() => liveCopies(B, 'app', 'sfConfig:svc').length === 0, bounds.merge + bounds.discovery + 5000);
    t.true(fenced >= 0, 'the orphan terminated after the heal');
    t.true(cluster.peers.get('B')!.recorder.events.some((e) => e.event === 'log' && /SF4404|was terminated by its parent|replaced/.test(String(e.text))));
  } finally {
    await cluster.close();
  }
});
