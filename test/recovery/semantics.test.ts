/**
 * Recovery semantics with the library and an LMDB store in this process. A "crash" is
 * played by detaching the checkpointer (nothing more is written, as if the process had
 * died), stopping the old host's components, and closing the store without the clean marker.
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
import { removeDir, tempDir } from '../support/recovery.js';

async function peer(dir: string) {
  const store = new LmdbCheckpointStore(dir);
  const incarnation = await store.open();
  const checkpointer = new Checkpointer(store);
  const host = new ComponentHost({ registry: createStandardRegistry(), peer: 'p', liveness: { delay: 0 }, ...checkpointer.hooks() });
  checkpointer.attach(host);
  const events: string[] = [];
  host.events.subscribe((e) => events.push(`${e.event} ${e.subject}`));
  return {
    store,
    incarnation,
    checkpointer,
    host,
    events,
    async crash(): Promise<void> {
      await checkpointer.flushed();
      checkpointer.detach();
      await host.terminateAll();
      await store.close({ clean: false });
    },
  };
}

const until = async (check: () => boolean, ms = 10_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

function named(p: DeploymentPlan, name: string): DeploymentPlan {
  return { ...p, name };
}

test('Repeat resumes at its recorded run and does not repeat finished runs', async (t) => {
  const dir = tempDir();
  t.teardown(() => removeDir(dir));
  const a = await peer(dir);
  const p = named(plan(c('Repeat', { repeat: 4 }, { action: c('DoNothing', { time: 150 }) })), 'rep');
  const d = await a.checkpointer.deploy(p);
  await until(() => d.root!.rawAttribute('count') === 2 && d.root!.children[0]?.state === 'running');
  await a.crash();
  const b = await peer(dir);
  const report = await recover(b.host, b.checkpointer);
  t.is(report.applications.length, 1);
  const root = report.applications[0]!.root;
  t.true(root.recovered);
  t.is(root.rawAttribute('count'), 2);
  t.is(root.children.length, 1, 'the current run is rebuilt, not created anew');
  t.true(root.children[0]!.recovered);
  await root.whenTerminated();
  t.is(b.events.filter((e) => e === 'deploying rep').length, 0);
  t.is(b.events.filter((e) => e === 'deploying sfConfig:action').length, 2, 'runs 3 and 4 only');
  t.is(root.rawAttribute('count'), 4);
  await b.store.close();
});

test('Retry resumes with its attempt count; Parallel does not run finished actions again', async (t) => {
  const dir = tempDir();
  t.teardown(() => removeDir(dir));
  const a = await peer(dir);
  const par = named(
    plan(c('Parallel', {}, { quick: c('DoNothing', { time: 10 }), slow: c('DoNothing', { time: 400 }), retried: c('Retry', { retry: 3 }, { action: c('DoNothing', { time: 400 }) }) })),
    'par',
  );
  const d = await a.checkpointer.deploy(par);
  await until(() => d.root!.children.length === 2);
  await a.crash();
  const b = await peer(dir);
  const report = await recover(b.host, b.checkpointer);
  const root = report.applications[0]!.root;
  t.deepEqual(root.children.map((x) => x.name).sort(), ['retried', 'slow']);
  t.deepEqual(root.rawAttribute('done'), ['quick']);
  const retried = root.children.find((x) => x.name === 'retried')!;
  t.is(retried.rawAttribute('count'), 1);
  t.is(retried.children.length, 1);
  const record = await root.whenTerminated();
  t.is(record.type, 'normal');
  t.false(b.events.includes('deploying sfConfig:quick'), 'a finished action is not run again');
  await b.store.close();
});

test('a terminated component does not come back; orphans and finished records are removed', async (t) => {
  const dir = tempDir();
  t.teardown(() => removeDir(dir));
  const a = await peer(dir);
  const d = await a.checkpointer.deploy(named(plan(c('Compound', {}, { keep: c('Prim'), gone: c('Prim'), inner: c('Compound', {}, { x: c('Prim') }) })), 'tree'));
  const gone = d.root!.children.find((x) => x.name === 'gone')!;
  await d.root!.terminateChild(gone);
  d.root!.children.find((x) => x.name === 'keep')!.sfReplaceAttribute('note', 'changed');
  // An orphan: a record whose parent does not list it (a detach committed, the crash came before the delete).
  await a.checkpointer.flushed();
  const keep = (await a.store.get({ app: 'tree', path: 'sfConfig:keep' }))!;
  await a.store.commit({ put: [{ ...keep, path: 'sfConfig:inner:lost', parent: 'sfConfig:inner' }, { ...keep, path: 'sfConfig:ghost:child', parent: 'sfConfig:ghost' }] });
  await a.crash();

  const b = await peer(dir);
  t.is(b.incarnation.lastShutdown, 'crash');
  const report = await recover(b.host, b.checkpointer);
  const root = report.applications[0]!.root;
  const paths: string[] = [];
  const walk = (p: Prim) => {
    paths.push(p.path);
    p.children.forEach(walk);
  };
  walk(root);
  t.deepEqual(paths, ['sfConfig', 'sfConfig:keep', 'sfConfig:inner', 'sfConfig:inner:x']);
  t.is(root.children[0]!.rawAttribute('note'), 'changed', 'checkpointed attributes, not the description');
  // Two planted orphans, and the record of `gone`, kept (terminated) for its parent until the parent's next checkpoint.
  t.is(report.orphans, 3);
  t.is(await b.store.get({ app: 'tree', path: 'sfConfig:gone' }), undefined);
  t.is(await b.store.get({ app: 'tree', path: 'sfConfig:inner:lost' }), undefined);
  t.is(await b.store.get({ app: 'tree', path: 'sfConfig:ghost:child' }), undefined);
  t.true(b.events.includes('recovered sfConfig:keep'));
  t.true(b.events.includes('running sfConfig'));
  // Once the application terminates, its records and registration are gone.
  await root.sfTerminate();
  await b.checkpointer.flushed();
  t.deepEqual(await b.store.readAll(), []);
  t.deepEqual(await b.store.listApplications(), []);
  await b.store.close();
});

test('every transition is durable before its event is emitted', async (t) => {
  const dir = tempDir();
  t.teardown(() => removeDir(dir));
  const a = await peer(dir);
  const seen: Promise<void>[] = [];
  a.host.events.subscribe((e) => {
    if (e.event !== 'running' && e.event !== 'deployed') return;
    seen.push(
      a.store.get({ app: 'd', path: e.subject }).then((r) => {
        t.is(r?.lifecycle as string | undefined, e.event, `${e.subject} ${e.event}`);
      }),
    );
  });
  await a.checkpointer.deploy(named(plan(c('Compound', {}, { p: c('Prim'), q: c('Prim') })), 'd'));
  await Promise.all(seen);
  t.is(seen.length, 6);
  await a.store.close();
});
