/**
 * A number given to sfReplaceAttribute is held as the value model has it, so that its
 * checkpoint can be read back: whole numbers beyond 32 bits (a time stamp, `Date.now()`) as a
 * Long, fractions as a Double. Found by the render farm (examples/render-farm/): its manager
 * recorded the time its job started, and its peer, killed with kill -9, could not start again
 * ("the number ... is not a 32-bit Integer").
 */
import test from 'ava';
import { SfDouble } from '../../core/values.js';
import { Checkpointer } from '../../runtime/persistence/checkpointing.js';
import { ComponentHost } from '../../runtime/host/host.js';
import { recover } from '../../runtime/persistence/recovery.js';
import { LmdbCheckpointStore } from '../../runtime/persistence/store/index.js';
import { createStandardRegistry } from '../../stdlib/index.js';
import { c, plan } from '../support/runtime.js';
import { removeDir, tempDir } from '../support/recovery.js';

async function peer(dir: string) {
  const store = new LmdbCheckpointStore(dir);
  await store.open();
  const checkpointer = new Checkpointer(store);
  const host = new ComponentHost({ registry: createStandardRegistry(), peer: 'p', liveness: { delay: 0 }, ...checkpointer.hooks() });
  checkpointer.attach(host);
  return { store, checkpointer, host };
}

test('numbers beyond a 32-bit Integer are replaced as a Long or a Double, and recover', async (t) => {
  const dir = tempDir();
  t.teardown(() => removeDir(dir));
  const a = await peer(dir);
  const d = await a.checkpointer.deploy({ ...plan(c('DoNothing', { time: 1_000_000 })), name: 'n' });
  const root = d.root!;
  const stamp = 1_796_593_277_788;
  await root.sfReplaceAttribute('startedAt', stamp);
  await root.sfReplaceAttribute('ratio', 0.25);
  await root.sfReplaceAttribute('small', 7);
  await root.sfReplaceAttribute('list', [stamp, 1, 0.5]);
  t.is(root.rawAttribute('startedAt'), BigInt(stamp));
  t.true(root.rawAttribute('ratio') instanceof SfDouble);
  t.is(root.rawAttribute('small'), 7);
  t.is(root.resolveNumber('startedAt'), stamp, 'read back as the same number');
  t.is(root.resolveNumber('ratio'), 0.25);
  // A crash: nothing more is written, and the store is closed without its clean marker.
  await a.checkpointer.flushed();
  a.checkpointer.detach();
  await a.host.terminateAll();
  await a.store.close({ clean: false });
  const b = await peer(dir);
  const report = await recover(b.host, b.checkpointer);
  t.is(report.applications.length, 1, 'the application recovers');
  const again = report.applications[0]!.root;
  t.is(again.resolveNumber('startedAt'), stamp);
  t.is(again.resolveNumber('ratio'), 0.25);
  t.is(again.resolveInteger('small'), 7);
  t.deepEqual((again.rawAttribute('list') as unknown[]).map((x) => (x instanceof SfDouble ? x.value : Number(x))), [stamp, 1, 0.5]);
  await b.host.terminateAll();
  await b.store.close();
});
