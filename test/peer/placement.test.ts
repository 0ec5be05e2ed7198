/**
 * Placement on the memory network: subtrees go to the peers their `sfProcessHost` names, each
 * part runs where it is placed, its state is published as `app/<app>/<path>`, status shows the
 * whole tree across peers, terminate reaches every part, and an absent peer makes deployment
 * wait with progress, then fail with SF4401.
 */
import test from 'ava';
import { Cluster, liveCopies } from '../support/cluster.js';
import { c, plan } from '../support/runtime.js';
import type { PlanNode } from '../../core/plan-types.js';

function placed(spec: ReturnType<typeof c>, host: string): ReturnType<typeof c> & { host?: string } {
  return Object.assign(spec, { host });
}

/** plan() with hosts: a child spec may carry `host`. */
function planWithHosts(root: ReturnType<typeof c>, name = 'app') {
  const p = plan(root, name);
  const visit = (node: PlanNode, spec: ReturnType<typeof c> & { host?: string }) => {
    if (spec.host) {
      node.host = spec.host;
      node.attributes.push(['sfProcessHost', spec.host]);
    }
    spec.children.forEach(([, s], i) => visit(node.children[i]!, s));
  };
  visit(p.root, root);
  return p;
}

test('subtrees run on the peers they are placed on; state, status and terminate span the peers', async (t) => {
  const cluster = new Cluster();
  try {
    for (const [n, id] of [['A', 1], ['B', 2], ['C', 3]] as const) await cluster.add(n, id);
    await cluster.stable(['A', 'B', 'C']);
    const p = planWithHosts(
      c('Compound', {}, {
        local: c('Probe'),
        onB: placed(c('Backend', { port: 8080 }), 'B'),
        onC: placed(c('ProbeCompound', {}, { inner: c('Probe'), back: placed(c('Probe'), 'A') }), 'C'),
      }),
    );
    const answer = await cluster.deploy('A', p, 'app');
    if (answer.state !== 'running') for (const [n, sp] of cluster.peers) t.log(n, sp.recorder.trace());
    t.is(answer.state, 'running');
    const A = cluster.get('A'), B = cluster.get('B'), C = cluster.get('C');
    // Events carry the application, and a placed part's events its path in that application.
    const eventsOnC: Record<string, unknown>[] = [];
    const off = C.host.events.subscribe((e) => eventsOnC.push(e));
    t.is(liveCopies(A, 'app', 'sfConfig:local').length, 1);
    t.is(liveCopies(B, 'app', 'sfConfig:onB').length, 1);
    t.is(liveCopies(C, 'app', 'sfConfig:onC:inner').length, 1);
    // Placed back on A from a subtree on C.
    t.is(liveCopies(A, 'app', 'sfConfig:onC:back').length, 1);
    for (const peer of [B, C]) t.is(liveCopies(peer, 'app', 'sfConfig:local').length, 0);

    // Every component's state is observable through the state space, from any peer.
    const seen = new Map<string, unknown>();
    const o = C.state.observe('app/app/sfConfig:onB', { added: (e) => seen.set(e.id, e.value), changed: (e) => seen.set(e.id, e.value) });
    t.true((await cluster.until(() => seen.size === 1, 5000)) >= 0);
    const v = [...seen.values()][0] as { state: string; peer: string; attributes: { address: string } };
    t.is(v.state, 'running');
    t.is(v.peer, 'B');
    t.regex(v.attributes.address, /^B\//);
    o.close();

    // The proxy on A mirrors the remote root's live attributes.
    const proxy = A.host.find('sfConfig:onB')!;
    t.is(proxy.type, 'frog:RemoteSubtree');
    t.true((await cluster.until(() => proxy.rawAttribute('address') === v.attributes.address, 5000)) >= 0);

    // Status from any peer: one tree, each part on its peer.
    const status = (await cluster.settled(B.handle('status', { all: true }))) as { applications: { name: string; peer: string; root: any }[] };
    const app = status.applications.find((a) => a.name === 'app')!;
    t.is(app.peer, 'A');
    const byPath = new Map<string, { peer: string; state: string }>();
    const walk = (n: any) => (byPath.set(n.path, n), n.children.forEach(walk));
    walk(app.root);
    t.is(byPath.get('sfConfig:onB')?.peer, 'B');
    t.is(byPath.get('sfConfig:onC:inner')?.peer, 'C');
    t.is(byPath.get('sfConfig:onC:back')?.peer, 'A');
    t.true([...byPath.values()].every((n) => n.state === 'running'), JSON.stringify([...byPath.entries()]));

    // Terminate through another peer: every part on every peer goes.

    const done = (await cluster.settled(C.handle('terminate', { app: 'app' }))) as { peer: string; terminated: boolean };
    t.deepEqual([done.peer, done.terminated], ['A', true]);
    await cluster.run(500);
    for (const peer of [A, B, C]) t.deepEqual(peer.host.applicationNames(), []);
    off();
    const inner = eventsOnC.filter((e) => e.path === 'sfConfig:onC:inner');
    t.deepEqual(inner.map((e) => e.event), ['terminating', 'terminated'], 'a placed part names its path in the application');
    t.true(inner.every((e) => e.app === 'app' && e.subject !== e.path));
  } finally {
    await cluster.close();
  }
});

test('deployment waits for an absent peer with progress, and fails with SF4401 after the timeout', async (t) => {
  const cluster = new Cluster(3000);
  try {
    await cluster.add('A', 1);
    await cluster.stable(['A']);
    const p = planWithHosts(c('Compound', {}, { far: placed(c('Probe'), 'Z') }));
    const answer = await cluster.deploy('A', p, 'app', 10_000);
    t.is(answer.state, 'failed');
    t.regex(answer.record!.reason, /SF4401.*Peer `Z` for `sfConfig:far` did not appear in the group within 3 s/);
    const logs = cluster.peers.get('A')!.recorder.events.filter((e) => e.event === 'log' && /waiting for peer `Z`/.test(String(e.text)));
    t.true(logs.length >= 1, 'progress while waiting');
  } finally {
    await cluster.close();
  }
});
