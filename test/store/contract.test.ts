/**
 * The `CheckpointStore` contract, run against both implementations: what the memory store
 * promises to unit tests of other modules is what the LMDB store does on disk.
 */
import test from 'ava';
import * as path from 'node:path';
import { open } from 'lmdb';
import {
  CheckpointRejectedError,
  HISTORY_LIMIT,
  LmdbCheckpointStore,
  MemoryCheckpointStore,
  MemoryStorage,
  StoreClosedError,
  StoreCorruptError,
  StoreLockedError,
  type CheckpointStore,
  type HistoryEntry,
} from '../../runtime/persistence/store/index.js';
import { encodeMeta } from '../../runtime/persistence/store/codec.js';
import { plan, record, removeDir, tempDir } from './helpers.js';

interface Harness {
  /** A new store object over the same data (a restarted peer). */
  make(): CheckpointStore;
  /** The stored bytes of a meta value, read as another program would (the store closed). */
  readMeta(key: string): Buffer | undefined;
  /** Writes the bytes of a meta value as another program would (the store closed). */
  writeMeta(key: string, value: Buffer): void;
  /** The stored bytes of a value of `table` (a record key is [app, path]), read or written as another program would (the store closed). */
  readRaw(table: 'records' | 'apps', key: string | [string, string]): Buffer | undefined;
  writeRaw(table: 'records' | 'apps', key: string | [string, string], value: Buffer): void;
  cleanup(): void;
}

/** The LMDB environment of a store directory, opened directly (only while the store is closed). */
function withLmdb<T>(dir: string, use: (meta: { getBinary(key: string): Buffer | undefined; putSync(key: string, value: Buffer): void }) => T): T {
  const root = open({ path: path.join(dir, 'woodfrog.lmdb'), maxDbs: 8, encoding: 'binary', compression: false, cache: false });
  try {
    const meta = root.openDB<Buffer, string>({ name: 'meta', encoding: 'binary' });
    return use({ getBinary: (key) => meta.getBinary(key) ?? undefined, putSync: (key, value) => void meta.putSync(key, value) });
  } finally {
    void root.close();
  }
}

/** One table of a store directory's LMDB environment, opened directly (only while the store is closed). */
function withTable<T>(dir: string, table: string, use: (db: { getBinary(key: unknown): Buffer | undefined; putSync(key: unknown, value: Buffer): void }) => T): T {
  const root = open({ path: path.join(dir, 'woodfrog.lmdb'), maxDbs: 8, encoding: 'binary', compression: false, cache: false });
  try {
    const db = root.openDB<Buffer, string | string[]>({ name: table, encoding: 'binary' });
    return use({ getBinary: (key) => (db.getBinary(key as string) ? Buffer.from(db.getBinary(key as string)!) : undefined), putSync: (key, value) => void db.putSync(key as string, value) });
  } finally {
    void root.close();
  }
}

function ended(i: number, fields: Partial<HistoryEntry> = {}): HistoryEntry {
  return { app: `app${i}`, outcome: i % 2 ? 'failed' : 'terminated', reason: `reason ${i}`, path: `sfConfig:c${i}`, time: 1_800_000_000_000 + i * 1000, peer: 'a', ...fields };
}

const implementations: [string, () => Harness][] = [
  [
    'lmdb',
    () => {
      const dir = tempDir();
      return {
        make: () => new LmdbCheckpointStore(dir),
        readMeta: (key) => withLmdb(dir, (meta) => meta.getBinary(key)),
        writeMeta: (key, value) => withLmdb(dir, (meta) => meta.putSync(key, value)),
        readRaw: (table, key) => withTable(dir, table, (db) => db.getBinary(key)),
        writeRaw: (table, key, value) => withTable(dir, table, (db) => db.putSync(key, value)),
        cleanup: () => removeDir(dir),
      };
    },
  ],
  [
    'memory',
    () => {
      const storage = new MemoryStorage('memory-test');
      return {
        make: () => new MemoryCheckpointStore(storage),
        readMeta: (key) => storage.tables.meta.get(key),
        writeMeta: (key, value) => storage.setRaw('meta', key, value),
        readRaw: (table, key) => storage.tables[table].get(Array.isArray(key) ? key.join('\u0000') : key),
        writeRaw: (table, key, value) => storage.setRaw(table, key, value),
        cleanup: () => {},
      };
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

  contract('the history round-trips whole: each commit of it replaces the stored one, atomically with the rest', async (t, h) => {
    const store = h.make();
    await store.open();
    t.deepEqual(await store.getHistory(), []);
    const first = [ended(1), ended(2, { path: '', reason: '' })];
    await store.commit({ history: first });
    t.deepEqual(await store.getHistory(), first);
    // One commit: the record goes and the history changes together.
    await store.commit({ put: [record('sfConfig')] });
    const second = [ended(2), ended(3)];
    await store.commit({ delete: [{ app: 'app', path: 'sfConfig' }], history: second });
    t.deepEqual(await store.getHistory(), second);
    t.deepEqual(await store.readAll(), []);
    // Commits without a history leave it as it is; reads are copies.
    await store.commit({ put: [record('sfConfig:x')] });
    const read = await store.getHistory();
    read[0]!.reason = 'changed';
    read.push(ended(9));
    t.deepEqual(await store.getHistory(), second);
    await store.close({ clean: false });

    const again = h.make();
    await again.open();
    t.deepEqual(await again.getHistory(), second);
    await again.commit({ history: [] });
    t.deepEqual(await again.getHistory(), []);
    await again.close();
  });

  contract('the history is bounded: its writer keeps HISTORY_LIMIT entries, a longer or malformed one is refused', async (t, h) => {
    const store = h.make();
    await store.open();
    // A writer that keeps the newest HISTORY_LIMIT of more entries than that.
    let kept: HistoryEntry[] = [];
    for (let i = 0; i < HISTORY_LIMIT + 25; i++) {
      kept = [...kept, ended(i)].slice(-HISTORY_LIMIT);
      if (i % 20 === 0 || i === HISTORY_LIMIT + 24) await store.commit({ history: kept });
    }
    const stored = await store.getHistory();
    t.is(stored.length, HISTORY_LIMIT);
    t.is(stored[0]!.app, 'app25');
    t.is(stored.at(-1)!.app, `app${HISTORY_LIMIT + 24}`);

    const tooLong = store.commit({ put: [record('sfConfig:half')], history: Array.from({ length: HISTORY_LIMIT + 1 }, (_, i) => ended(i)) });
    const error = await t.throwsAsync(tooLong, { instanceOf: CheckpointRejectedError });
    t.regex(error!.message, /the history/);
    t.regex(error!.message, new RegExp(`at most ${HISTORY_LIMIT}`));
    for (const wrong of [
      { history: [ended(1, { outcome: 'sleeping' as never })] },
      { history: [ended(1, { app: '' })] },
      { history: [ended(1, { time: Number.NaN })] },
      { history: [ended(1, { reason: undefined as never })] },
      { history: [null as never] },
      { history: 'none' as never },
    ]) {
      await t.throwsAsync(store.commit(wrong), { instanceOf: CheckpointRejectedError });
    }
    // Nothing of a refused commit was written.
    t.is(await store.get({ app: 'app', path: 'sfConfig:half' }), undefined);
    t.deepEqual(await store.getHistory(), stored);
    await store.close();
  });

  contract('a damaged history is refused as corrupt, never read with another meaning', async (t, h) => {
    const store = h.make();
    await store.open();
    await store.commit({ history: [ended(1), ended(2)] });
    await store.close();
    const bytes = Buffer.from(h.readMeta('history')!);
    bytes[bytes.length - 3] ^= 0x01;
    h.writeMeta('history', bytes);
    const damaged = h.make();
    await damaged.open();
    const error = await t.throwsAsync(damaged.getHistory(), { instanceOf: StoreCorruptError });
    t.regex(error!.message, /the history cannot be decoded: its checksum does not match its bytes/);
    await damaged.close();

    // Well sealed, but not the shape of a history (a buggy or foreign writer).
    h.writeMeta('history', encodeMeta({ entries: [{ app: 'x', outcome: 'exploded', reason: '', path: '', time: 1, peer: 'a' }] }));
    const foreign = h.make();
    await foreign.open();
    const wrong = await t.throwsAsync(foreign.getHistory(), { instanceOf: StoreCorruptError });
    t.regex(wrong!.message, /the history cannot be decoded: it is not a history/);
    // The rest of the store is still read.
    t.deepEqual(await foreign.readAll(), []);
    await foreign.close();
  });

  contract('a record or registration that does not decode is its application\'s damage: readAllChecked and listApplicationsChecked name it, and read the rest', async (t, h) => {
    const store = h.make();
    await store.open();
    const records = [record('sfConfig', { children: ['a'] }), record('sfConfig:a'), { ...record('sfConfig'), app: 'other' }];
    await store.commit({ put: records, applications: [{ name: 'app', planId: 'p', registered: 1 }, { name: 'other', planId: 'p', registered: 2 }] });
    await store.close();
    const bytes = h.readRaw('records', ['app', 'sfConfig:a'])!;
    bytes[bytes.length - 1] ^= 0xff;
    h.writeRaw('records', ['app', 'sfConfig:a'], bytes);
    h.writeRaw('apps', 'app', Buffer.from([0xc1, 0, 0, 0, 0, 0x90]));
    const damaged = h.make();
    await damaged.open();
    // The strict reads refuse, as before; the checked ones name the damage and read the rest.
    await t.throwsAsync(damaged.readAll(), { instanceOf: StoreCorruptError });
    const read = await damaged.readAllChecked();
    t.deepEqual(read.records.map((r) => `${r.app}/${r.path}`), ['app/sfConfig', 'other/sfConfig']);
    t.is(read.damaged.length, 1);
    t.like(read.damaged[0], { app: 'app', path: 'sfConfig:a' });
    t.regex(read.damaged[0]!.reason, /^the record `app\/sfConfig:a` cannot be decoded: its checksum does not match its bytes/);
    const apps = await damaged.listApplicationsChecked();
    t.deepEqual(apps.applications.map((a) => a.name), ['other']);
    t.like(apps.damaged[0], { app: 'app' });
    t.regex(apps.damaged[0]!.reason, /the registration of `app` cannot be decoded: its checksum does not match/);
    // Deleting by key needs no decoding.
    await damaged.commit({ delete: [{ app: 'app', path: 'sfConfig:a' }], deleteApplications: ['app'] });
    t.deepEqual((await damaged.readAllChecked()).damaged, []);
    t.deepEqual((await damaged.listApplicationsChecked()).damaged, []);
    await damaged.close();
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
