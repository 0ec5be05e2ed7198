/**
 * A change is acknowledged only once durable: a transition whose checkpoint cannot
 * be written does not go on, and an attribute change's promise resolves only after its commit
 * (and rejects when the commit failed). With a memory store whose commits can be held or made
 * to fail.
 */
import test from 'ava';
import { Checkpointer } from '../../runtime/persistence/checkpointing.js';
import { ComponentHost } from '../../runtime/host/host.js';
import type { CheckpointChanges } from '../../runtime/persistence/store/checkpoint-store.js';
import { MemoryCheckpointStore } from '../../runtime/persistence/store/memory-checkpoint-store.js';
import { createStandardRegistry } from '../../stdlib/index.js';
import { c, plan } from '../support/runtime.js';

/** Commits fail while `fail` says so, and wait while `hold` is set. */
class TroubledStore extends MemoryCheckpointStore {
  fail: (changes: CheckpointChanges) => boolean = () => false;
  hold?: Promise<void>;

  override async commit(changes: CheckpointChanges): Promise<void> {
    if (this.hold) await this.hold;
    if (this.fail(changes)) throw new Error('disk full');
    return super.commit(changes);
  }
}

async function setup() {
  const store = new TroubledStore();
  await store.open();
  const errors: string[] = [];
  const checkpointer = new Checkpointer(store, { onError: (e, comp) => errors.push(`${comp.path}: ${(e as Error).message}`) });
  const host = new ComponentHost({ registry: createStandardRegistry(), peer: 'p', liveness: { delay: 0 }, ...checkpointer.hooks() });
  checkpointer.attach(host);
  const events: string[] = [];
  host.events.subscribe((e) => events.push(`${e.event} ${e.subject}${e.record ? ` ${e.record.type} ${e.record.reason}` : ''}`));
  return { store, checkpointer, host, events, errors };
}

test('a start whose checkpoint cannot be written fails the component instead of running unrecorded', async (t) => {
  const { store, checkpointer, events, errors } = await setup();
  store.fail = (ch) => (ch.put ?? []).some((r) => r.path === 'sfConfig:worker' && r.lifecycle === 'running');
  const d = await checkpointer.deploy(plan(c('Compound', {}, { worker: c('Prim') }), 'app'));
  const record = await d.terminated;
  t.is(record.type, 'abnormal');
  t.regex(record.reason, /checkpoint could not be written: disk full/);
  t.false(events.includes('running sfConfig:worker'), 'the transition that was not recorded is not announced');
  t.false(events.includes('running sfConfig'));
  t.true(errors.some((e) => e.startsWith('sfConfig:worker: disk full')));
  await store.close();
});

test('an attribute change resolves once durable, and rejects when its commit fails', async (t) => {
  const { store, checkpointer, host } = await setup();
  const d = await checkpointer.deploy(plan(c('Prim', { x: 1 }), 'app'));
  const root = d.root!;
  t.is(root.state, 'running');
  await checkpointer.flushed();

  let release!: () => void;
  store.hold = new Promise<void>((r) => (release = r));
  let durable = false;
  const change = root.sfReplaceAttribute('x', 2).then(() => (durable = true));
  t.is(root.rawAttribute('x'), 2, 'the live value changes at once');
  await new Promise((r) => setTimeout(r, 50));
  t.false(durable, 'not acknowledged while the commit is held');
  store.hold = undefined;
  release();
  await change;
  t.true(durable);
  t.is((await store.get({ app: 'app', path: 'sfConfig' }))?.attributes.find(([n]) => n === 'x')?.[1], 2);

  store.fail = () => true;
  await t.throwsAsync(root.sfReplaceAttribute('x', 3), { message: 'disk full' });
  t.is((await store.get({ app: 'app', path: 'sfConfig' }))?.attributes.find(([n]) => n === 'x')?.[1], 2, 'the record keeps the last durable value');
  // Not awaiting a change is allowed: a failure is reported, never an unhandled rejection.
  void root.sfReplaceAttribute('x', 4);
  await checkpointer.flushed();
  store.fail = () => false;
  await host.terminateAll();
  await store.close();
});

test('a value with no stored form is left out of the record, not kept at an older value', async (t) => {
  const { store, checkpointer, host } = await setup();
  const d = await checkpointer.deploy(plan(c('Prim', { handle: 'initial' }), 'app'));
  const root = d.root!;
  await root.sfReplaceAttribute('handle', (() => 1) as never);
  const stored = await store.get({ app: 'app', path: 'sfConfig' });
  t.is(stored?.attributes.find(([n]) => n === 'handle'), undefined);
  await host.terminateAll();
  await store.close();
});

for (const state of ['deployed', 'starting', 'running'] as const) {
  test(`a workflow step whose ${state} checkpoint fails ends the step, and the workflow reacts, instead of hanging or running unrecorded`, async (t) => {
    const { store, checkpointer, events } = await setup();
    store.fail = (ch) => (ch.put ?? []).some((r) => r.path === 'sfConfig:a' && r.lifecycle === state);
    const d = await checkpointer.deploy(plan(c('Sequence', {}, { a: c('DoNothing', { time: 50 }), b: c('DoNothing', { time: 50 }) }), 'app'));
    const guard = new Promise<'hung'>((r) => setTimeout(() => r('hung'), 10_000));
    const record = await Promise.race([d.terminated, guard]);
    t.not(record, 'hung');
    if (record === 'hung') return;
    t.is(record.type, 'abnormal');
    t.regex(record.reason, /checkpoint could not be written: disk full/);
    t.is(record.path, 'sfConfig:a', 'the record names the component whose checkpoint failed');
    t.true(events.some((e) => e.startsWith('failed sfConfig:a')));
    t.false(events.some((e) => e.startsWith('deploying sfConfig:b')), 'the next step does not run');
    if (state !== 'running') t.false(events.includes('running sfConfig:a'));
    await store.close();
  });
}

test('a root whose first checkpoint fails is not deployed, and leaves no registration behind', async (t) => {
  const { store, checkpointer, host } = await setup();
  store.fail = (ch) => (ch.put ?? []).some((r) => r.path === 'sfConfig' && r.lifecycle === 'deploying');
  const d = await checkpointer.deploy(plan(c('Compound', {}, { a: c('Prim') }), 'app'));
  t.is(d.root, undefined);
  t.regex(d.diagnostics[0]?.message ?? '', /checkpoint could not be written: disk full/);
  t.deepEqual(host.applicationNames(), []);
  store.fail = () => false;
  t.deepEqual(await store.listApplications(), []);
  t.deepEqual(await store.listPlans(), []);
  await store.close();
});
