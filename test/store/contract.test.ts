/**
 * The `CheckpointStore` contract, run against both implementations: what the memory store
 * promises to unit tests of other modules is what the LMDB store does on disk.
 */
import test from 'ava';
import {
  CheckpointRejectedError,
  LmdbCheckpointStore,
  MemoryCheckpointStore,
  MemoryStorage,
  StoreClosedError,
  StoreLockedError,
  type CheckpointStore,
} from '../../runtime/persistence/store/index.js';
import { plan, record, removeDir, tempDir } from './helpers.js';

interface Harness {
  /** A new store object over the same data (a restarted peer). */
  make(): CheckpointStore;
  cleanup(): void;
}

const implementations: [string, () => Harness][] = [
  [
    'lmdb',
    () => {
      const dir = tempDir();
      return { make: () => new LmdbCheckpointStore(dir), cleanup: () => removeDir(dir) };
    },
  ],
  [
    'memory',
    () => {
      const storage = new MemoryStorage('memory-test');
      return { make: () => new MemoryCheckpointStore(storage), cleanup: () => {} };
    },
  ],
];

for (const [kind, harness] of implementations) {
  const contract = (title: string, body: (t: import('ava').ExecutionContext, h: Harness) => Promise<void>) =>
    test(`${kind}: ${title}`, async (t) => {
      const h = harness();
      try {
        await body(t, h);
      } finally {
        h.cleanup();
      }
    });

  contract('incarnations count up and tell a clean stop from a crash', async (t, h) => {
    const first = h.make();
    const i1 = await first.open({ epoch: 1000 });
    t.like(i1, { epoch: 1000, incarnation: 1, previousEpoch: null, lastShutdown: 'none' });
    await first.close({ reason: 'SIGTERM' });

    const second = h.make();
    // An epoch below the stored one (clock went back) is raised above it.
    const i2 = await second.open({ epoch: 500 });
    t.like(i2, { epoch: 1001, incarnation: 2, previousEpoch: 1000, lastShutdown: 'clean', lastShutdownReason: 'SIGTERM' });
    t.is(typeof i2.lastShutdownTime, 'number');
    t.deepEqual(second.incarnation(), i2);
    await second.close({ clean: false });

    const third = h.make();
    const i3 = await third.open({ epoch: 2000 });
    t.like(i3, { epoch: 2000, incarnation: 3, previousEpoch: 1001, lastShutdown: 'crash' });
    t.is(i3.lastShutdownTime, undefined);
    await third.close();
  });

  contract('records round-trip, sorted by application and path', async (t, h) => {
    const store = h.make();
    await store.open();
    const rich = record('sfConfig:a', {
      attributes: [
        ['count', 3],
        ['ratio', { $double: 2.5 }],
        ['nan', { $double: 'NaN' }],
        ['long', { $long: '-9223372036854775808' }],
        ['list', [1, 'two', [true, null]]],
        ['data', { $cd: [['x', 1]], eager: false }],
        ['ref', { $ref: 'PARENT:x', lazy: true }],
        ['bytes', { $bytes: 'AAEC' }],
      ],
      tags: { count: ['sfCached'] },
      children: ['b', 'c'],
      lifecycle: 'starting',
      epoch: 42,
    });
    const records = [record('sfConfig:a:b'), rich, record('sfConfig', { children: ['a'] }), record('sfConfig', { app: 'other' })];
    await store.commit({ put: records });
    const all = await store.readAll();
    t.deepEqual(
      all.map((r) => `${r.app}/${r.path}`),
      ['app/sfConfig', 'app/sfConfig:a', 'app/sfConfig:a:b', 'other/sfConfig'],
    );
    t.deepEqual(all[1], rich);
    t.deepEqual(await store.get({ app: 'app', path: 'sfConfig:a' }), rich);
    t.is(await store.get({ app: 'app', path: 'sfConfig:zzz' }), undefined);
    await store.close();

    // A new store object (a restarted peer) reads the same.
    const again = h.make();
    await again.open();
    t.deepEqual(await again.readAll(), all);
    await again.close();
  });

  contract('one commit is ordered: deletes before puts; later commits replace earlier ones', async (t, h) => {
    const store = h.make();
    await store.open();
    const key = { app: 'app', path: 'sfConfig:x' };
    await store.commit({ put: [record('sfConfig:x', { attributes: [['v', 1]] })] });
    await store.commit({ delete: [key], put: [record('sfConfig:x', { attributes: [['v', 2]] })] });
    t.deepEqual((await store.get(key))?.attributes, [['v', 2]]);
    await Promise.all([
      store.commit({ put: [record('sfConfig:x', { attributes: [['v', 3]] })] }),
      store.commit({ put: [record('sfConfig:x', { attributes: [['v', 4]] })] }),
    ]);
    t.deepEqual((await store.get(key))?.attributes, [['v', 4]]);
    await store.commit({ delete: [key, { app: 'app', path: 'sfConfig:never' }] });
    t.is(await store.get(key), undefined);
    await store.close();
  });

  contract('the store keeps copies: callers may mutate what they committed or read', async (t, h) => {
    const store = h.make();
    await store.open();
    const r = record('sfConfig:m', { attributes: [['list', [1, 2]]] });
    const done = store.commit({ put: [r] });
    (r.attributes[0][1] as number[]).push(3);
    r.lifecycle = 'failed';
    await done;
    const read = (await store.get({ app: 'app', path: 'sfConfig:m' }))!;
    t.deepEqual(read.attributes, [['list', [1, 2]]]);
    t.is(read.lifecycle, 'running');
    read.children.push('junk');
    t.deepEqual((await store.get({ app: 'app', path: 'sfConfig:m' }))!.children, []);
    await store.close();
  });

  contract('a commit that cannot be encoded fails alone and leaves no trace', async (t, h) => {
    const store = h.make();
    await store.open();
    const good = store.commit({ put: [record('sfConfig:good')] });
    const bad = store.commit({
      put: [record('sfConfig:half'), record('sfConfig:bad', { attributes: [['f', (() => 1) as unknown as number]] })],
    });
    const also = store.commit({ put: [record('sfConfig:also')] });
    const error = await t.throwsAsync(bad, { instanceOf: CheckpointRejectedError });
    t.regex(error!.message, /app\/sfConfig:bad/);
    t.regex(error!.message, /`f` is a function/);
    t.is(error!.code, 'SF4807');
    await good;
    await also;
    t.deepEqual(
      (await store.readAll()).map((r) => r.path),
      ['sfConfig:also', 'sfConfig:good'],
    );
    for (const wrong of [
      { put: [record('sfConfig:n', { attributes: [['x', Number.NaN]] })] },
      { put: [record('sfConfig:n', { lifecycle: 'sleeping' as never })] },
      { put: [record('', {})] },
      { put: [record('sfConfig:c', { attributes: [['d', new Date(0) as never]] })] },
      { delete: [{ app: '', path: 'x' }] },
      { plans: [{ id: '' } as never] },
      { put: [record('sfConfig:' + 'x'.repeat(3000))] },
    ]) {
      await t.throwsAsync(store.commit(wrong), { instanceOf: CheckpointRejectedError });
    }
    t.is((await store.readAll()).length, 2);
    await store.close();
  });

  contract('plans are kept by id, immutable, and can be deleted', async (t, h) => {
    const store = h.make();
    await store.open();
    const p = plan('abc123');
    await store.commit({ plans: [p, plan('def456')] });
    t.deepEqual(await store.getPlan('abc123'), p);
    // Same id, other content: plans are content-addressed, so the first one stays.
    await store.commit({ plans: [{ ...plan('abc123'), name: 'changed' }] });
    t.is((await store.getPlan('abc123'))?.name, 'app');
    t.deepEqual(await store.listPlans(), ['abc123', 'def456']);
    await store.commit({ deletePlans: ['abc123'] });
    t.is(await store.getPlan('abc123'), undefined);
    t.deepEqual(await store.listPlans(), ['def456']);
    await store.close();
  });

  contract('applications map a name to a plan id', async (t, h) => {
    const store = h.make();
    await store.open();
    await store.commit({ applications: [{ name: 'web', planId: 'p1', registered: 5 }, { name: 'db', planId: 'p2', registered: 6 }] });
    t.deepEqual(await store.getApplication('web'), { name: 'web', planId: 'p1', registered: 5 });
    t.deepEqual((await store.listApplications()).map((a) => a.name), ['db', 'web']);
    await store.commit({ deleteApplications: ['web'], applications: [{ name: 'db', planId: 'p3', registered: 7 }] });
    t.is(await store.getApplication('web'), undefined);
    t.is((await store.getApplication('db'))?.planId, 'p3');
    await store.close();
  });

  contract('concurrent commits share transactions; awaited ones do not', async (t, h) => {
    const store = h.make();
    await store.open();
    const before = store.stats();
    const n = 200;
    await Promise.all(Array.from({ length: n }, (_, i) => store.commit({ put: [record(`sfConfig:c${i}`)] })));
    const afterBurst = store.stats();
    t.is(afterBurst.commits - before.commits, n);
    // All were made in one event turn: one group, or two if the first started before the rest arrived.
    t.true(afterBurst.transactions - before.transactions <= 2, `transactions: ${afterBurst.transactions - before.transactions}`);
    for (let i = 0; i < 5; i++) await store.commit({ put: [record(`sfConfig:s${i}`)] });
    t.is(store.stats().transactions - afterBurst.transactions, 5);
    t.is((await store.readAll()).length, n + 5);
    await store.close();
  });

  contract('one owner at a time; a closed store refuses work', async (t, h) => {
    const store = h.make();
    await store.open();
    const rival = h.make();
    const locked = await t.throwsAsync(rival.open(), { instanceOf: StoreLockedError });
    t.is(locked!.code, 'SF4801');
    const pending = store.commit({ put: [record('sfConfig:last')] });
    await store.close();
    await pending; // commits made before close are finished, not dropped
    await t.throwsAsync(store.commit({ put: [record('sfConfig:late')] }), { instanceOf: StoreClosedError });
    await t.throwsAsync(store.readAll(), { instanceOf: StoreClosedError });
    t.throws(() => store.incarnation(), { instanceOf: StoreClosedError });
    const next = h.make();
    const incarnation = await next.open();
    t.is(incarnation.incarnation, 2);
    t.truthy(await next.get({ app: 'app', path: 'sfConfig:last' }));
    await next.close();
  });

  contract('what a commit acknowledged survives a crash-like close', async (t, h) => {
    const store = h.make();
    await store.open();
    await store.commit({ put: [record('sfConfig', { children: ['a'] }), record('sfConfig:a')], plans: [plan('p')] });
    await store.close({ clean: false });
    const next = h.make();
    t.is((await next.open()).lastShutdown, 'crash');
    t.is((await next.readAll()).length, 2);
    t.truthy(await next.getPlan('p'));
    await next.close();
  });
}

test('memory: a foreign or newer format is refused with a clear error', async (t) => {
  const { encodeMeta } = await import('../../runtime/persistence/store/codec.js');
  const newer = new MemoryStorage('mem-newer');
  newer.setRaw('meta', 'format', encodeMeta({ store: 'frogpond-checkpoints', version: 99 }));
  const error = await t.throwsAsync(new MemoryCheckpointStore(newer).open());
  t.is(error!.name, 'StoreVersionError');
  t.regex(error!.message, /mem-newer.*version 99/);
  // The failed open released the storage.
  t.is(newer.owner, null);

  const broken = new MemoryStorage('mem-broken');
  broken.setRaw('records', ['app', 'sfConfig'], Buffer.from([0xc1]));
  const missing = await t.throwsAsync(new MemoryCheckpointStore(broken).open());
  t.is(missing!.name, 'StoreCorruptError');
  t.regex(missing!.message, /format record is missing/);
});

test('memory: a record that does not decode is reported as corruption with its key', async (t) => {
  const storage = new MemoryStorage('mem');
  const store = new MemoryCheckpointStore(storage);
  await store.open();
  await store.commit({ put: [record('sfConfig')] });
  storage.setRaw('records', ['app', 'sfConfig:bad'], Buffer.from([0x93, 1, 2]));
  const error = await t.throwsAsync(store.readAll());
  t.is(error!.name, 'StoreCorruptError');
  t.regex(error!.message, /`app\/sfConfig:bad` cannot be decoded/);
  const hint = (error as unknown as { hint: string }).hint;
  t.regex(hint, /move it aside/);
  await store.close();
});
