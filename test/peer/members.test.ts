/**
 * What `members` and `status` say while a peer is frozen or gone: a quiet peer is listed as
 * suspected, then as failed (with since when) for a while after it leaves the view, never just
 * dropped; and `status` across the group answers within the time it was given, whatever a
 * frozen peer does.
 */
import test from 'ava';
import type { GroupStatus, MembersAnswer } from '../../runtime/control/protocol.js';
import { Cluster } from '../support/cluster.js';
import { c, plan } from '../support/runtime.js';
import { renderStatus } from '../../cli/commands/status/action.js';

test('a peer that stops answering is listed as suspected, then failed with since when, not dropped', async (t) => {
  const cluster = new Cluster();
  try {
    for (const [n, id] of [['A', 1], ['B', 2], ['C', 3]] as const) await cluster.add(n, id);
    await cluster.stable(['A', 'B', 'C']);
    const A = cluster.get('A');
    const stateOf = async (name: string) => ((await cluster.settled(A.handle('members', {}))) as MembersAnswer).members.find((m) => m.name === name);
    t.is((await stateOf('C'))?.state, 'connected');
    const stopped = cluster.clock.now();
    await cluster.settled(cluster.get('C').crash());
    const states = new Set<string>();
    // Watched for longer than the detection bound and the quiescence after it.
    for (let i = 0; i < 100; i++) {
      await cluster.run(100);
      states.add((await stateOf('C'))?.state ?? 'absent');
    }
    t.true(states.has('suspected') || states.has('failed'), [...states].join(', '));
    t.false(states.has('absent'), `C was never dropped from the list: ${[...states].join(', ')}`);
    const c = await stateOf('C');
    t.is(c?.state, 'failed');
    t.true((c?.since ?? 0) >= stopped);
  } finally {
    await cluster.close();
  }
});

test('status across the group answers within its time when a peer never answers', async (t) => {
  const cluster = new Cluster();
  try {
    for (const [n, id] of [['A', 1], ['B', 2], ['C', 3]] as const) await cluster.add(n, id);
    await cluster.stable(['A', 'B', 'C']);
    // C is frozen: reachable, but its control API never answers.
    cluster.links.register('mem:C', { id: 3, handle: () => new Promise(() => undefined) });
    const started = cluster.clock.now();
    const s = (await cluster.settled(cluster.get('A').handle('status', { all: true, timeoutMs: 1000 }))) as GroupStatus;
    const took = cluster.clock.now() - started;
    t.true(took <= 1200, `answered after ${took} ms`);
    t.truthy(s.peers.find((p) => p.peer === 'C' && 'error' in p), JSON.stringify(s.peers.map((p) => p.peer)));
    t.truthy(s.peers.find((p) => p.peer === 'B' && 'applications' in p));
  } finally {
    await cluster.close();
  }
});

test('status with attributes gives each component its attributes, also for a part on another peer', async (t) => {
  const cluster = new Cluster();
  try {
    for (const [n, id] of [['A', 1], ['B', 2]] as const) await cluster.add(n, id);
    await cluster.stable(['A', 'B']);
    const p = plan(c('Compound', { label: 'demo' }, { far: c('Backend', { port: 8080 }) }), 'app');
    p.root.children[0]!.host = 'B';
    p.root.children[0]!.attributes.push(['sfProcessHost', 'B']);
    t.is((await cluster.deploy('A', p, 'app')).state, 'running');
    const s = (await cluster.settled(cluster.get('A').handle('status', { all: true, attributes: true }))) as GroupStatus;
    const root = s.applications.find((a) => a.name === 'app')!.root;
    t.is(root.attributes?.label, 'demo');
    const far = root.children.find((x) => x.name === 'far')!;
    t.is(far.peer, 'B');
    t.is(far.attributes?.port, 8080);
    t.regex(String(far.attributes?.address), /^B\//, 'what the component set at run time is there too');
    const plain = (await cluster.settled(cluster.get('A').handle('status', { all: true }))) as GroupStatus;
    t.is(plain.applications[0]!.root.attributes, undefined, 'only when asked');
    const text = renderStatus(s);
    t.regex(text, /\n +port = 8080\n/);
  } finally {
    await cluster.close();
  }
});
