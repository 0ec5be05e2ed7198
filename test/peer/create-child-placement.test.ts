/**
 * A child created at run time (`createChild`) whose description's `host` names another peer is
 * placed there, as `sfProcessHost` places a subtree of a plan (docs/design/components.md §5.2).
 * Found by the render farm (examples/render-farm/): a service manager deploys a worker on each
 * node it is given; before, the worker ran on the manager's own peer whatever its `host` said.
 */
import test from 'ava';
import { Cluster, liveCopies } from '../support/cluster.js';
import { c, plan } from '../support/runtime.js';
import type { PlanNode } from '../../core/plan-types.js';

test('createChild with a host of another peer deploys the child there, behind a proxy', async (t) => {
  const cluster = new Cluster();
  t.teardown(() => cluster.close());
  for (const [n, id] of [['A', 1], ['B', 2]] as const) await cluster.add(n, id);
  await cluster.stable(['A', 'B']);
  const answer = await cluster.deploy('A', plan(c('Keeper'), 'app'), 'app');
  t.is(answer.state, 'running');
  const A = cluster.get('A');
  const B = cluster.get('B');
  const root = A.host.application('app')!;
  const node: PlanNode = { name: 'w', path: 'sfConfig:w', type: 'Backend', host: 'B', attributes: [['sfProcessHost', 'B']], lazy: [], children: [] };
  let child: Awaited<ReturnType<typeof root.createChild>>;
  void root.createChild(node, 'w').then((x) => (child = x));
  t.true((await cluster.until(() => child !== undefined, 10_000)) >= 0, 'the child runs');
  t.is(child!.type, 'frog:RemoteSubtree', 'a proxy on A');
  t.is(liveCopies(B, 'app', 'sfConfig:w').length, 1, 'the component itself on B');
  t.is(liveCopies(A, 'app', 'sfConfig:w').length, 0);
  t.true((await cluster.until(() => typeof child!.rawAttribute('address') === 'string', 5000)) >= 0);
  t.regex(String(child!.rawAttribute('address')), /^B\//, 'started on B; its attributes are mirrored');
  // A child with no host, or this peer's own, stays here.
  let local: Awaited<ReturnType<typeof root.createChild>>;
  void root.createChild({ ...node, name: 'l', path: 'sfConfig:l', host: 'A', attributes: [] }, 'l').then((x) => (local = x));
  t.true((await cluster.until(() => local !== undefined, 5000)) >= 0);
  t.is(local!.type, 'Backend');
  // Terminating the proxy terminates the placed part.
  void root.terminateChild(child!);
  t.true((await cluster.until(() => liveCopies(B, 'app', 'sfConfig:w').length === 0, 5000)) >= 0);
});
