/**
 * LAZY references across peers on the memory network (runtime/references.ts with
 * runtime/peer-references.ts): down into the children of a subtree placed on another peer,
 * up from a placed subtree to its parent, its ancestors and their other children; values are
 * the current ones; a redeployed or recovered component is read, never the dead copy; and a
 * component that is gone gives SF4410 naming the reference and why.
 */
import test from 'ava';
import type { PlanNode } from '../../core/plan-types.js';
import type { Prim } from '../../runtime/component/component.js';
import type { RemoteSubtree } from '../../runtime/peer/placement.js';
import { MemoryStorage } from '../../runtime/persistence/store/index.js';
import { c, lazy, plan } from '../support/runtime.js';
import { Cluster, bounds, liveCopies } from '../support/cluster.js';

const F = 'org.smartfrog.sfcore.languages.sf.functions.';

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

/** The value of an attribute, or the error's text (references must fail cleanly, never crash). */
function read(c: Prim, name: string): { value?: unknown; error?: string } {
  try {
    return { value: c.sfResolve(name) };
  } catch (e) {
    return { error: `${(e as { code?: string }).code ?? '?'} ${(e as Error).message}` };
  }
}

/** The component of the subtree placed on `peer` at `path` (its path there). */
function placed(cluster: Cluster, peer: string, path: string): Prim {
  const c = cluster.get(peer).host.find(path);
  if (!c) throw new Error(`no ${path} on ${peer}`);
  return c;
}

test('references from the parent side reach the children of a placed subtree, with current values', async (t) => {
  const cluster = new Cluster(30_000);
  try {
    await cluster.add('A', 1);
    await cluster.add('B', 2);
    await cluster.stable(['A', 'B']);
    const p = planWithHosts(
      c('Compound', {}, {
        svc: on(
          c('Keeper', {}, {
            inner: c('Backend', {
              port: 8080,
              url: lazy('PARENT:deep:leaf:address'),
              label: { $apply: { $cd: [['sfFunctionClass', `${F}Concatenate`], ['a', lazy('ATTRIB address')], ['b', ':'], ['c', lazy('ATTRIB port')]], eager: false }, lazy: true },
              pair: [lazy('ATTRIB port'), 'fixed'],
            }),
            gone: c('Backend'),
            deep: c('Keeper', {}, { leaf: c('Backend') }),
          }),
          'B',
        ),
        front: c('Probe', {
          addr: lazy('PARENT:svc:inner:address'),
          port: lazy('PARENT:svc:inner:port'),
          leaf: lazy('PARENT:svc:deep:leaf:address'),
          url: lazy('PARENT:svc:inner:url'),
          label: lazy('PARENT:svc:inner:label'),
          pair: lazy('PARENT:svc:inner:pair'),
          gone: lazy('PARENT:svc:gone:address'),
          nothing: lazy('PARENT:svc:nosuch:address'),
          whole: lazy('PARENT:svc:inner'),
          fallback: { $ref: 'PARENT:svc:nosuch:address', lazy: true, optional: true, default: 'none' },
        }),
      }),
    );
    t.is((await cluster.deploy('A', p, 'app')).state, 'running');
    const front = cluster.get('A').host.find('sfConfig:front')!;
    const inner = placed(cluster, 'B', 'svc:inner');
    const leaf = placed(cluster, 'B', 'svc:deep:leaf');

    // Read at once: the places were looked up before `front` started.
    t.is(read(front, 'addr').value, inner.rawAttribute('address'));
    t.regex(String(read(front, 'addr').value), /^B\//);
    t.is(read(front, 'port').value, 8080);
    t.is(read(front, 'leaf').value, leaf.rawAttribute('address'));
    // A reference held by the remote component is resolved there (PARENT of `inner` is `svc`).
    t.is(read(front, 'url').value, leaf.rawAttribute('address'));
    // A lazy function and a vector holding a LAZY reference: their values where they are.
    t.is(read(front, 'label').value, `${String(inner.rawAttribute('address'))}:8080`);
    t.deepEqual(read(front, 'pair').value, [8080, 'fixed']);

    // Current values: B changes them, A reads the new ones once they are published.
    inner.sfReplaceAttribute('address', 'B/changed');
    leaf.sfReplaceAttribute('address', 'B/leaf-changed');
    t.true((await cluster.until(() => read(front, 'addr').value === 'B/changed' && read(front, 'url').value === 'B/leaf-changed', 5000)) >= 0);
    t.is(read(front, 'label').value, 'B/changed:8080');

    // A component on another peer is not a value; a place nobody publishes says so.
    t.regex(read(front, 'whole').error!, /^SF4410 Reference `PARENT:svc:inner` in `sfConfig:front` reaches `sfConfig:svc:inner` of application `app` on another peer, which is a component on peer `B`, not a value/);
    await cluster.run(3500);
    t.regex(read(front, 'nothing').error!, /^SF4410 .*`sfConfig:svc:nosuch` of application `app` on another peer, which is not published by any peer in this partition/);
    t.is(read(front, 'fallback').value, 'none');

    // A removed component: the read fails with how it ended, and nothing else breaks.
    t.regex(String(read(front, 'gone').value), /^B\//);
    await cluster.settled(placed(cluster, 'B', 'svc:gone').sfTerminate({ type: 'normal', reason: 'removed by the test', path: 'svc:gone' }));
    t.true((await cluster.until(() => read(front, 'gone').error !== undefined, 5000)) >= 0);
    t.regex(read(front, 'gone').error!, /^SF4410 Reference `PARENT:svc:gone:address` in `sfConfig:front` reaches `sfConfig:svc:gone` .*, which (has terminated on peer `B` \(removed by the test\)|is gone: it was withdrawn)/);
    t.is(read(front, 'addr').value, 'B/changed');
    t.is(cluster.get('A').host.application('app')?.state, 'running');
  } finally {
    await cluster.close();
  }
});

test('references from a placed subtree go up to its parent, ROOT and their children; they rebind after the parent’s peer recovers', async (t) => {
  const cluster = new Cluster(30_000);
  const storageA = new MemoryStorage('A');
  try {
    await cluster.add('A', 1, { storage: storageA });
    await cluster.add('B', 2);
    await cluster.stable(['A', 'B']);
    const p = planWithHosts(
      c('Compound', { rootPort: 8080 }, {
        cfg: c('Backend'),
        mid: c('Compound', { midName: 'middle', alias: lazy('ROOT:cfg:address') }, {
          svc: on(
            c('Keeper', { sfLivenessDelay: 10 }, {
              user: c('Probe', {
                up: lazy('PARENT:PARENT:midName'),
                root: lazy('ROOT:rootPort'),
                attrib: lazy('ATTRIB rootPort'),
                sibling: lazy('ROOT:cfg:address'),
                alias: lazy('PARENT:PARENT:alias'),
                missing: lazy('ATTRIB noSuchAttribute'),
              }),
            }),
            'B',
          ),
        }),
      }),
    );
    const answer = await cluster.deploy('A', p, 'app');
    t.is(answer.state, 'running', JSON.stringify(answer));
    const A = cluster.get('A');
    const user = placed(cluster, 'B', 'svc:user');
    const cfgAddress = A.host.find('sfConfig:cfg')!.rawAttribute('address');
    t.regex(String(cfgAddress), /^A\//);

    // At once after deployment: the subtree looked its references up before it started.
    t.is(read(user, 'up').value, 'middle');
    t.is(read(user, 'root').value, 8080);
    t.is(read(user, 'attrib').value, 8080);
    t.is(read(user, 'sibling').value, cfgAddress);
    // `alias` is a LAZY reference held on A, resolved where it is held (its ROOT is A's root).
    t.is(read(user, 'alias').value, cfgAddress);
    t.regex(read(user, 'missing').error!, /^SF4006 Reference `noSuchAttribute` in `svc:user` cannot be resolved at run time: `noSuchAttribute` not found/);

    // Current values.
    A.host.application('app')!.sfReplaceAttribute('rootPort', 9090);
    A.host.find('sfConfig:cfg')!.sfReplaceAttribute('address', 'A/changed');
    t.true((await cluster.until(() => read(user, 'root').value === 9090 && read(user, 'attrib').value === 9090 && read(user, 'sibling').value === 'A/changed', 5000)) >= 0);
    t.is(read(user, 'alias').value, 'A/changed');

    // A crashes: reads fail with the reason (its providers left with it), they never return old values.
    await cluster.settled(A.crash());
    t.true((await cluster.until(() => read(user, 'sibling').error !== undefined, bounds.detection + 2000)) >= 0);
    t.regex(read(user, 'sibling').error!, /^SF4410 Reference `ROOT:cfg:address` in `svc:user` reaches `sfConfig(:cfg)?` of application `app` on another peer, which (is gone|is not published)/);

    // A restarts from its store and re-adopts the subtree: the references read the recovered components.
    await cluster.run(500);
    const oldAddress = 'A/changed';
    const restartedAt = cluster.clock.now();
    const A2 = (await cluster.add('A', 1, { storage: storageA })).peer;
    const rebound = await cluster.until(() => {
      const cfg = A2.host.find('sfConfig:cfg');
      return cfg?.state === 'running' && read(user, 'sibling').value === cfg.rawAttribute('address') && read(user, 'root').value === 9090;
    }, 20_000);
    t.true(rebound >= 0, 'rebound to the recovered components');
    t.log(`parent restart → upward references rebound: ${cluster.clock.now() - restartedAt} ms simulated (recovered address ${String(read(user, 'sibling').value)}, before the crash ${oldAddress})`);
    A2.host.find('sfConfig:cfg')!.sfReplaceAttribute('address', 'A/after-recovery');
    t.true((await cluster.until(() => read(user, 'sibling').value === 'A/after-recovery', 5000)) >= 0);
    t.is(liveCopies(cluster.get('B'), 'app', 'sfConfig:mid:svc:user').length, 1);
  } finally {
    await cluster.close();
  }
});

test('after the subtree’s peer restarts and Retry redeploys it, references read the new instance, never the old copy', async (t) => {
  const cluster = new Cluster(30_000);
  const storageB = new MemoryStorage('B');
  try {
    await cluster.add('A', 1);
    await cluster.add('B', 2, { storage: storageB });
    await cluster.stable(['A', 'B']);
    const p = planWithHosts(
      c('Compound', {}, {
        keep: c('Retry', { retry: 5 }, { svc: on(c('Keeper', {}, { inner: c('Backend') }), 'B') }),
        front: c('Probe', { target: lazy('PARENT:keep:svc:inner:address') }),
      }),
    );
    t.is((await cluster.deploy('A', p, 'app')).state, 'running');
    const A = cluster.get('A');
    const front = A.host.find('sfConfig:front')!;
    const first = read(front, 'target').value;
    t.regex(String(first), /^B\//);
    const proxy1 = A.host.find('sfConfig:keep:svc') as RemoteSubtree;

    await cluster.settled(cluster.get('B').crash());
    t.true((await cluster.until(() => proxy1.isTerminating && read(front, 'target').error !== undefined, bounds.detection + 2000)) >= 0);
    t.regex(read(front, 'target').error!, /^SF4410 Reference `PARENT:keep:svc:inner:address` in `sfConfig:front` reaches `sfConfig:keep:svc:inner` of application `app` on another peer, which /);

    await cluster.run(2000);
    const B2 = (await cluster.add('B', 2, { storage: storageB })).peer;
    const proxy = () => A.host.find('sfConfig:keep:svc') as RemoteSubtree | undefined;
    const current = () => liveCopies(B2, 'app', 'sfConfig:keep:svc:inner').find((x) => B2.publicLocation(x.root())?.instance === proxy()?.instance);
    let stale = 0;
    const rebound = await cluster.until(() => {
      const v = read(front, 'target').value;
      // Whatever is read is the first address (before the crash) only if it came from the dead copy.
      if (v !== undefined && v === first) stale++;
      const now = current();
      return proxy()?.state === 'running' && !!now && v === now.rawAttribute('address');
    }, bounds.join + bounds.discovery + 10_000);
    t.true(rebound >= 0, 'the reference reads the new instance');
    t.is(stale, 0, 'never the old copy');
    t.not(read(front, 'target').value, first);
    t.log(`subtree peer restart → reference rebound to the new instance: ${rebound} ms simulated`);
  } finally {
    await cluster.close();
  }
});
