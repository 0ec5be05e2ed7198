/**
 * Deployments that race: two deploys of one name, and a terminate that arrives while its
 * deploy is still being set up. Exactly one deploy wins and the other is refused with
 * SF4407; a terminate finds an application from the moment its deploy was accepted.
 */
import test from 'ava';
import { planId, serialisePlan } from '../../core/plan-format.js';
import type { DeploymentPlan } from '../../core/plan-types.js';
import { MemoryStorage } from '../../runtime/persistence/store/index.js';
import { Cluster, liveCopies } from '../support/cluster.js';
import { c, plan } from '../support/runtime.js';

function body(p: DeploymentPlan, name: string, wait: number) {
  p.id = '';
  p.id = planId(p);
  return { plan: Buffer.from(serialisePlan(p, 'msgpack')).toString('base64'), name, wait };
}

const app = () => plan(c('Compound', {}, Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`p${i}`, c('Probe')]))), 'app');

for (const withStore of [false, true]) {
  const label = withStore ? 'with a store' : 'without a store';

  test(`two concurrent deploys of one name: one runs, the other is refused (${label})`, async (t) => {
    const cluster = new Cluster();
    try {
      await cluster.add('A', 1, withStore ? { storage: new MemoryStorage() } : {});
      const A = cluster.get('A');
      const first = A.handle('deploy', body(app(), 'app', 10_000));
      const second = A.handle('deploy', body(app(), 'app', 10_000));
      const results = await cluster.settled(Promise.allSettled([first, second]));
      const ok = results.filter((r) => r.status === 'fulfilled');
      const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      t.is(ok.length, 1, JSON.stringify(results));
      t.is(refused.length, 1);
      t.is((refused[0]!.reason as { code?: string }).code, 'SF4407');
      t.is(((ok[0] as PromiseFulfilledResult<{ state: string }>).value).state, 'running');
      t.is(A.host.applicationNames().length, 1);
      t.is(liveCopies(A, 'app', 'sfConfig:p3').length, 1, 'one copy of each part');
      await cluster.settled(A.handle('terminate', { app: 'app' }));
      t.deepEqual(A.host.applicationNames(), []);
    } finally {
      await cluster.close();
    }
  });

  test(`a terminate sent right after its deploy finds the application and ends it (${label})`, async (t) => {
    const cluster = new Cluster();
    try {
      await cluster.add('A', 1, withStore ? { storage: new MemoryStorage() } : {});
      const A = cluster.get('A');
      const deploying = A.handle('deploy', body(app(), 'app', 10_000));
      const terminating = A.handle('terminate', { app: 'app' });
      const [deployed, terminated] = await cluster.settled(Promise.allSettled([deploying, terminating]));
      t.is(terminated.status, 'fulfilled', JSON.stringify(terminated));
      t.deepEqual((terminated as PromiseFulfilledResult<unknown>).value, { app: 'app', peer: 'A', terminated: true });
      // The deploy either reports the application terminated or is refused because it was: never running.
      if (deployed.status === 'fulfilled') t.not((deployed.value as { state: string }).state, 'running');
      await cluster.run(500);
      t.deepEqual(A.host.applicationNames(), [], 'nothing left running');
      t.is(liveCopies(A, 'app', 'sfConfig:p3').length, 0);
    } finally {
      await cluster.close();
    }
  });
}

test('a peer stopped with an application mid-deployment stops within its bound', async (t) => {
  const cluster = new Cluster(60_000);
  try {
    await cluster.add('A', 1, { storage: new MemoryStorage() });
    const A = cluster.get('A');
    // A part placed on a peer that never comes: the deployment waits for it (up to 60 s).
    const p = plan(c('Compound', {}, { here: c('Probe'), there: c('Probe') }), 'app');
    p.root.children[1]!.host = 'Z';
    p.root.children[1]!.attributes.push(['sfProcessHost', 'Z']);
    const answer = await cluster.settled(A.handle('deploy', body(p, 'app', 0)) as Promise<{ state: string }>);
    t.not(answer.state, 'running');
    await cluster.run(1000);
    let stopped = false;
    const started = cluster.clock.now();
    void A.stop('SIGTERM').then(() => (stopped = true));
    const waited = await cluster.until(() => stopped, 30_000);
    t.true(waited >= 0, 'stop() returned');
    t.true(cluster.clock.now() - started <= 10_500, `stopped after ${cluster.clock.now() - started} ms`);
  } finally {
    await cluster.close();
  }
});

test('a peer whose component never finishes terminating still stops within its bound', async (t) => {
  const cluster = new Cluster();
  try {
    await cluster.add('A', 1, { storage: new MemoryStorage() });
    const A = cluster.get('A');
    const answer = await cluster.settled(A.handle('deploy', body(plan(c('Compound', {}, { stuck: c('Probe', { hangTerminate: true }) }), 'app'), 'app', 10_000)) as Promise<{ state: string }>);
    t.is(answer.state, 'running');
    let stopped = false;
    const started = cluster.clock.now();
    void A.stop('SIGTERM').then(() => (stopped = true));
    t.true((await cluster.until(() => stopped, 60_000)) >= 0, 'stop() returned');
    const took = cluster.clock.now() - started;
    t.true(took >= 10_000 && took <= 10_500, `stopped after ${took} ms: the components had 10 s`);
  } finally {
    await cluster.close();
  }
});

/** Every component of the application on a peer, live. */
function liveParts(cluster: Cluster, name: string): string[] {
  const root = cluster.get(name).host.application('app');
  const out: string[] = [];
  const visit = (p: { path: string; isTerminating: boolean; children: readonly any[] }) => {
    if (!p.isTerminating) out.push(p.path);
    for (const c of p.children) visit(c);
  };
  if (root) visit(root);
  return out.sort();
}

test('a peer crashed at any step of a deployment comes back with the whole application or none of it, never part', async (t) => {
  const cuts = [0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48];
  const outcomes: string[] = [];
  for (const cut of cuts) {
    const cluster = new Cluster();
    try {
      const storage = new MemoryStorage();
      await cluster.add('A', 1, { storage });
      const deploying = cluster.get('A').handle('deploy', body(app(), 'app', 10_000));
      deploying.catch(() => undefined);
      for (let i = 0; i < cut; i++) await Promise.resolve().then(() => new Promise((r) => setImmediate(r)));
      await cluster.settled(cluster.get('A').crash());
      await cluster.add('A', 1, { storage });
      await cluster.run(2000);
      const parts = liveParts(cluster, 'A');
      const root = cluster.get('A').host.application('app');
      // Whole (all 11, running) or nothing; and a redeploy is then refused only if it runs.
      t.true(parts.length === 11 || parts.length === 0, `cut ${cut}: ${parts.length} parts live`);
      if (root) t.is(root.state, 'running', `cut ${cut}`);
      outcomes.push(`${cut}:${parts.length}`);
      if (!root) {
        const again = await cluster.settled(cluster.get('A').handle('deploy', body(app(), 'app', 10_000)) as Promise<{ state: string }>);
        t.is(again.state, 'running', `cut ${cut}: redeploying after a rollback`);
      }
    } finally {
      await cluster.close();
    }
  }
  t.log(outcomes.join(' '));
});

test('an application name is the group\'s: a deploy of a name that runs on another peer, or that another peer is deploying, is refused', async (t) => {
  const cluster = new Cluster();
  try {
    for (const [n, id] of [['A', 1], ['B', 2], ['C', 3]] as const) await cluster.add(n, id);
    await cluster.stable(['A', 'B', 'C']);
    t.is((await cluster.settled(cluster.get('A').handle('deploy', body(app(), 'app', 10_000)) as Promise<{ state: string }>)).state, 'running');
    const e = await cluster.settled(cluster.get('B').handle('deploy', body(app(), 'app', 10_000))).catch((x: unknown) => x);
    t.is((e as { code?: string }).code, 'SF4407');
    t.regex((e as Error).message, /peer `A`/);
    // Concurrent deploys of one new name through two peers: exactly one runs.
    const results = await cluster.settled(Promise.allSettled([cluster.get('B').handle('deploy', body(app(), 'other', 10_000)), cluster.get('C').handle('deploy', body(app(), 'other', 10_000))]));
    t.is(results.filter((r) => r.status === 'fulfilled').length, 1, JSON.stringify(results));
    const roots = ['A', 'B', 'C'].filter((n) => cluster.get(n).host.application('other'));
    t.is(roots.length, 1, roots.join(', '));
  } finally {
    await cluster.close();
  }
});

test('a peer that comes back with an application deployed elsewhere meanwhile ends its older copy', async (t) => {
  const cluster = new Cluster();
  try {
    const storage = new MemoryStorage('A');
    await cluster.add('A', 1, { storage });
    for (const [n, id] of [['B', 2], ['C', 3]] as const) await cluster.add(n, id);
    await cluster.stable(['A', 'B', 'C']);
    t.is((await cluster.settled(cluster.get('A').handle('deploy', body(app(), 'app', 10_000)) as Promise<{ state: string }>)).state, 'running');
    await cluster.settled(cluster.get('A').crash());
    await cluster.run(3000);
    // With A away, the name is free: it is deployed on B.
    t.is((await cluster.settled(cluster.get('B').handle('deploy', body(app(), 'app', 10_000)) as Promise<{ state: string }>)).state, 'running');
    await cluster.add('A', 1, { storage });
    const one = await cluster.until(() => ['A', 'B', 'C'].filter((n) => cluster.get(n).host.application('app') && !cluster.get(n).host.application('app')!.isTerminating).length === 1, 10_000);
    t.true(one >= 0, 'one copy again');
    t.truthy(cluster.get('B').host.application('app'), 'the later deployment stays');
    t.true((await cluster.until(() => !cluster.get('A').host.application('app'), 10_000)) >= 0, "A's copy has ended");
    const s = (await cluster.settled(cluster.get('A').handle('status', {}))) as { history: { app: string; reason: string }[] };
    t.regex(s.history.find((h) => h.app === 'app')?.reason ?? '', /also runs on peer `B`, deployed after this copy/);
  } finally {
    await cluster.close();
  }
});

test('parts left on a peer by a root that is gone are ended by the application name', async (t) => {
  const cluster = new Cluster();
  try {
    for (const [n, id] of [['A', 1], ['B', 2]] as const) await cluster.add(n, id);
    await cluster.stable(['A', 'B']);
    const p = plan(c('Compound', {}, { far: c('Probe'), here: c('Probe') }), 'app');
    p.root.children[0]!.host = 'B';
    p.root.children[0]!.attributes.push(['sfProcessHost', 'B']);
    t.is((await cluster.deploy('A', p, 'app')).state, 'running');
    const B = cluster.get('B');
    t.is(B.host.applicationNames().length, 1, 'the part on B');
    await cluster.settled(cluster.get('A').crash());
    // Its root is gone: asked by name on B, the part ends now, not when a watchdog notices.
    const answer = await cluster.settled(B.handle('terminate', { app: 'app' }), 500);
    t.deepEqual(answer, { app: 'app', peer: 'B', terminated: true });
    t.true((await cluster.until(() => B.host.applicationNames().length === 0, 200)) >= 0);
    await t.throwsAsync(cluster.settled(B.handle('terminate', { app: 'app' })), { message: /No application named `app`/ });
  } finally {
    await cluster.close();
  }
});
