/**
 * What a recovered component's restart writes (docs/design/recovery.md §2): nothing when its record
 * already says what the restart would write again, its record when anything differs. In process,
 * with an LMDB store (a "crash" as in semantics.test.ts: the checkpointer detached, the host's
 * components stopped, the store closed without the clean marker), and with a real peer process
 * killed with SIGKILL right after a recovery that wrote nothing.
 */
import test from 'ava';
import type { DeploymentPlan } from '../../core/plan-types.js';
import { Checkpointer } from '../../runtime/persistence/checkpointing.js';
import type { Prim } from '../../runtime/component/component.js';
import { ComponentHost } from '../../runtime/host/host.js';
import { recover } from '../../runtime/persistence/recovery.js';
import { LmdbCheckpointStore } from '../../runtime/persistence/store/index.js';
import { createStandardRegistry } from '../../stdlib/index.js';
import { c, plan } from '../support/runtime.js';
import { removeDir, tempDir, workloadPeer } from '../support/recovery.js';

async function peer(dir: string) {
  const store = new LmdbCheckpointStore(dir);
  const incarnation = await store.open();
  const checkpointer = new Checkpointer(store);
  const host = new ComponentHost({ registry: createStandardRegistry(), peer: 'p', liveness: { delay: 0 }, ...checkpointer.hooks() });
  checkpointer.attach(host);
  return {
    store,
    incarnation,
    checkpointer,
    host,
    async crash(): Promise<void> {
      await checkpointer.flushed();
      checkpointer.detach();
      await host.terminateAll();
      await store.close({ clean: false });
    },
  };
}

function named(p: DeploymentPlan, name: string): DeploymentPlan {
  return { ...p, name };
}

function paths(root: Prim): string[] {
  const out: string[] = [];
  const walk = (p: Prim): void => {
    out.push(`${p.path} ${p.state} ${String(p.rawAttribute('v') ?? '')}`);
    p.children.forEach(walk);
  };
  walk(root);
  return out;
}

const tree = () =>
  named(
    plan(
      c('Compound', { v: 'root' }, {
        a: c('Prim', { v: 'a' }),
        inner: c('Compound', { v: 'inner' }, { x: c('Prim', { v: 'x' }), y: c('Prim', { v: 'y' }) }),
        b: c('Prim', { v: 'b' }),
      }),
    ),
    'app',
  );

test('an unchanged tree is recovered and running again without one record rewritten; a second recovery gives the same tree', async (t) => {
  const dir = tempDir();
  t.teardown(() => removeDir(dir));
  const a = await peer(dir);
  const d = await a.checkpointer.deploy(tree());
  t.is(d.root?.state, 'running');
  const deployed = paths(d.root!);
  await a.crash();

  const b = await peer(dir);
  const before = await b.store.readAll();
  const commitsBefore = b.store.stats().commits;
  const report = await recover(b.host, b.checkpointer);
  t.is(report.rebuilt, 6);
  const root = report.applications[0]!.root;
  t.deepEqual(paths(root), deployed, 'every component running again, with its attributes');
  t.is(b.store.stats().commits, commitsBefore, 'no commit: the records already said all of it');
  t.deepEqual(await b.store.readAll(), before, 'the records are the ones recovery read, lifecycle and epoch included');

  // A change after the restart follows the ordinary rule: durable when acknowledged.
  await root.children[0]!.sfReplaceAttribute('v', 'a2');
  t.is((await b.store.get({ app: 'app', path: 'sfConfig:a' }))?.attributes.find(([n]) => n === 'v')?.[1], 'a2');
  await b.crash();

  const c2 = await peer(dir);
  const again = await recover(c2.host, c2.checkpointer);
  t.deepEqual(
    paths(again.applications[0]!.root),
    deployed.map((line) => (line.startsWith('sfConfig:a ') ? 'sfConfig:a running a2' : line)),
  );
  await c2.store.close();
});

test('a restart writes the record that differs: a parent listing a child with no record is written without it once running', async (t) => {
  const dir = tempDir();
  t.teardown(() => removeDir(dir));
  const a = await peer(dir);
  await a.checkpointer.deploy(tree());
  await a.crash();

  // Plant a child name with no record in the root's record (a part that was never checkpointed).
  const planted = new LmdbCheckpointStore(dir);
  await planted.open();
  const rootRecord = (await planted.get({ app: 'app', path: 'sfConfig' }))!;
  await planted.commit({ put: [{ ...rootRecord, children: [...rootRecord.children, 'ghost'] }] });
  await planted.close({ clean: false });

  const b = await peer(dir);
  const commitsBefore = b.store.stats().commits;
  const report = await recover(b.host, b.checkpointer);
  t.deepEqual(report.applications[0]!.root.children.map((x) => x.name), ['a', 'inner', 'b']);
  t.deepEqual((await b.store.get({ app: 'app', path: 'sfConfig' }))?.children, ['a', 'inner', 'b'], 'the live children, durable when recover() returned');
  t.is((await b.store.get({ app: 'app', path: 'sfConfig' }))?.lifecycle, 'running');
  t.true(b.store.stats().commits > commitsBefore);
  t.is((await b.store.get({ app: 'app', path: 'sfConfig:inner' }))?.epoch, a.incarnation.epoch, 'unchanged records are left as they were');
  await b.store.close();
});

test('kill -9 right after a recovery that wrote nothing, then again: the same components recovered each time, all running', async (t) => {
  const dir = tempDir();
  t.teardown(() => removeDir(dir));
  const first = workloadPeer(dir, 'big', '300');
  const running = await first.waitFor<{ components: number; running: boolean }>((l) => l.kind === 'running', 120_000);
  t.true(running.running);
  await first.kill('SIGKILL');
  // Bounded: three restarts, each killed as soon as it reports.
  for (let restart = 0; restart < 3; restart++) {
    const p = workloadPeer(dir, 'big', '300');
    const r = await p.waitFor<{ components: number; running: boolean; lastShutdown: string }>((l) => l.kind === 'recovered', 120_000);
    await p.kill('SIGKILL');
    t.is(r.components, running.components, `restart ${restart}`);
    t.true(r.running, `restart ${restart}`);
    t.is(r.lastShutdown, 'crash');
  }
});
