/**
 * The history of ended applications (runtime/peer/history.ts): an application that fails and
 * one that finishes both stay visible in `status` with their outcome and reason, across a crash
 * and restart of their peer; a part placed on another peer is recorded by its application's
 * peer only; the list keeps the newest HISTORY_LIMIT entries; a store that refuses the write
 * does not break the peer.
 */
import test from 'ava';
import type { EndedApplication, GroupStatus, PeerStatus } from '../../runtime/control/protocol.js';
import { HISTORY_LIMIT, MemoryStorage } from '../../runtime/persistence/store/index.js';
import { c, plan } from '../support/runtime.js';
import { Cluster } from '../support/cluster.js';

const status = async (cluster: Cluster, peer: string) => (await cluster.settled(cluster.get(peer).handle('status', {}))) as PeerStatus;
const summary = (h: EndedApplication[]) => h.map((e) => `${e.app} ${e.outcome} on ${e.peer}: ${e.reason}`);

test('failed and finished applications stay in status, with outcome and reason, across a crash and restart', async (t) => {
  const cluster = new Cluster();
  const storage = new MemoryStorage('A');
  try {
    await cluster.add('A', 1, { storage });
    await cluster.add('B', 2);
    await cluster.stable(['A', 'B']);

    const failing = plan(c('Compound', {}, { job: c('Probe', { failIn: 'start' }) }), 'broken');
    await cluster.deploy('A', failing, 'broken');
    const finishing = plan(c('Probe', { finishAfter: 300 }), 'batch');
    t.is((await cluster.deploy('A', finishing, 'batch')).state, 'running');
    // A part placed on B that fails: B does not record it, A records its application.
    const placed = plan(c('Compound', {}, { there: c('Probe', { failIn: 'start' }) }), 'spread');
    placed.root.children[0]!.host = 'B';
    placed.root.children[0]!.attributes.push(['sfProcessHost', 'B']);
    await cluster.deploy('A', placed, 'spread');
    t.true((await cluster.until(() => cluster.get('A').host.applicationNames().length === 0, 5000)) >= 0, 'everything on A ended');
    await cluster.settled(cluster.get('A').history.flushed());

    const expected = [
      'broken failed on A: start failed: job refuses to start',
      'spread failed on A: start failed: there refuses to start',
      'batch terminated on A: sfConfig finished',
    ];
    const before = await status(cluster, 'A');
    t.deepEqual(summary(before.history), expected);
    // The path the termination record names (a placed part's record names its path on its own peer).
    t.is(before.history[0]!.path, 'sfConfig:job');
    t.regex(before.history[1]!.path, /(^|:)there$/);
    t.is(before.history[2]!.path, 'sfConfig');
    t.true(before.history.every((e, i, all) => typeof e.time === 'number' && (i === 0 || all[i - 1]!.time <= e.time)));
    t.deepEqual((await status(cluster, 'B')).history, [], 'a part placed here is not an application of this peer');
    const group = (await cluster.settled(cluster.get('B').handle('status', { all: true }))) as GroupStatus;
    t.deepEqual(summary(group.history), expected, 'status with `all` merges every peer’s entries');

    // kill -9 and start again on the same storage: the history is still there.
    await cluster.settled(cluster.get('A').crash());
    await cluster.add('A', 1, { storage });
    const after = await status(cluster, 'A');
    t.deepEqual(after.history, before.history);
    // A crash itself is not an application ending.
    t.false(after.history.some((e) => /crashed/.test(e.reason)));

    // frog terminate ends an application normally.
    t.is((await cluster.deploy('A', plan(c('Probe'), 'svc'), 'svc')).state, 'running');
    await cluster.settled(cluster.get('A').handle('terminate', { app: 'svc' }));
    await cluster.settled(cluster.get('A').history.flushed());
    const last = (await status(cluster, 'A')).history.at(-1)!;
    t.like(last, { app: 'svc', outcome: 'terminated', peer: 'A', reason: 'terminated by request (frog terminate svc)' });
  } finally {
    await cluster.close();
  }
});

test('the history keeps the newest entries, in memory without a store and in the store with one', async (t) => {
  const cluster = new Cluster();
  const storage = new MemoryStorage('A');
  try {
    await cluster.add('A', 1, { storage });
    await cluster.add('B', 2);
    const store = cluster.get('A').checkpointer!.store;
    const commit = store.commit.bind(store);
    let historyWrites = 0;
    store.commit = (changes) => ((historyWrites += changes.history ? 1 : 0), commit(changes));
    const extra = 7;
    for (const peer of ['A', 'B']) {
      const answers = await cluster.settled(
        Promise.all(
          Array.from({ length: HISTORY_LIMIT + extra }, (_, i) => {
            const p = plan(c('Probe', { failIn: 'deploy' }), `app${i}`);
            return cluster.deploy(peer, p, `app${i}`);
          }),
        ),
      );
      t.true(answers.every((a) => a.state === 'failed'));
    }
    await cluster.settled(cluster.get('A').history.flushed());
    for (const peer of ['A', 'B']) {
      const h = (await status(cluster, peer)).history;
      t.is(h.length, HISTORY_LIMIT, peer);
      t.deepEqual(new Set(h.map((e) => e.app)).size, HISTORY_LIMIT);
      t.true(h.every((e) => e.outcome === 'failed' && e.reason === `deploy failed: sfConfig refuses to deploy`));
    }
    // The store holds the bounded list, and the writes were coalesced rather than one per entry.
    t.log(`${HISTORY_LIMIT + extra} entries, ${historyWrites} history writes`);
    t.true(historyWrites < HISTORY_LIMIT + extra);
    const stored = await cluster.settled(store.getHistory());
    t.deepEqual(stored, (await status(cluster, 'A')).history);
    await cluster.settled(cluster.get('A').crash());
    await cluster.add('A', 1, { storage });
    t.is((await status(cluster, 'A')).history.length, HISTORY_LIMIT);
  } finally {
    await cluster.close();
  }
});

test('a history that cannot be written is reported as a log event, and the peer goes on', async (t) => {
  const cluster = new Cluster();
  const storage = new MemoryStorage('A');
  try {
    const { peer: A, recorder } = await cluster.add('A', 1, { storage });
    const store = A.checkpointer!.store;
    const commit = store.commit.bind(store);
    // The store refuses every history write (as a full disk would), and only those.
    store.commit = (changes) => (changes.history ? Promise.reject(new Error('the disk is full')) : commit(changes));
    t.is((await cluster.deploy('A', plan(c('Probe', { failIn: 'start' }), 'broken'), 'broken')).state, 'failed');
    await cluster.settled(A.history.flushed());
    t.is(A.history.failures, 1);
    t.regex(recorder.trace((e) => e.event === 'log' && e.subject === 'A'), /could not be recorded in the history: the disk is full/);
    // Still in memory, and the peer still deploys.
    t.deepEqual((await status(cluster, 'A')).history.map((e) => e.app), ['broken']);
    t.is((await cluster.deploy('A', plan(c('Probe'), 'svc'), 'svc')).state, 'running');
  } finally {
    await cluster.close();
  }
});
