/**
 * Crash safety for real: a child process commits to an LMDB store and prints each
 * acknowledgement; it is killed with SIGKILL at a random moment, and the store must then open
 * cleanly (the stale lock taken over) and hold every acknowledged commit, whole.
 */
import test from 'ava';
import { LmdbCheckpointStore, StoreLockedError } from '../../runtime/persistence/store/index.js';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { LOCK_FILE_NAME } from '../../runtime/persistence/store/lock-file.js';
import { CrashWriter } from './child-process.js';
import { removeDir, tempDir } from './helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('kill -9 at random moments never loses an acknowledged commit nor keeps half of one', async (t) => {
  const dir = tempDir('frog-crash-');
  const writers = 4;
  const kills = 20;
  const acked: number[] = new Array(writers).fill(0);
  let checked = 0;
  try {
    for (let round = 0; round < kills; round++) {
      const child = new CrashWriter(dir, writers);
      const ready = await child.waitReady();
      ready.forEach((n, w) => t.true(n >= acked[w]!, `round ${round}: writer ${w} restarted at ${n}, below its acknowledged ${acked[w]}`));
      await sleep(10 + Math.floor(Math.random() * 300));
      await child.kill();
      child.acked.forEach((n, w) => (acked[w] = Math.max(acked[w]!, n ?? 0)));

      const store = new LmdbCheckpointStore(dir);
      const incarnation = await store.open();
      t.is(incarnation.lastShutdown, 'crash');
      const byPath = new Map((await store.readAll()).map((r) => [r.path, r]));
      const expected = new Set<string>();
      for (let w = 0; w < writers; w++) {
        const main = byPath.get(`sfConfig:w${w}`);
        const n = main ? (main.attributes[0]![1] as number) : 0;
        // Every acknowledged commit is there; at most the one in flight beyond it (stdout on a pipe is synchronous on Linux).
        t.true(n >= acked[w]!, `round ${round}: writer ${w} has ${n}, acknowledged ${acked[w]}`);
        t.true(n <= acked[w]! + 1, `round ${round}: writer ${w} has ${n}, only ${acked[w]} acknowledged and one in flight`);
        if (n === 0) continue;
        // The four writes of a commit are all there, with one value.
        for (const path of [`sfConfig:w${w}`, `sfConfig:pair${w}:a`, `sfConfig:pair${w}:b`, `sfConfig:tmp${w}-${n}`]) {
          expected.add(path);
          t.is(byPath.get(path)?.attributes[0]![1], n, `round ${round}: ${path}`);
        }
        acked[w] = n; // what is stored now counts as acknowledged for the next round
        checked++;
      }
      // Nothing that was never written or was deleted: no stale tmp records.
      t.deepEqual([...byPath.keys()].sort(), [...expected].sort(), `round ${round}`);
      await store.close({ clean: false });
    }
    t.true(checked > 0);
    t.log(`after ${kills} kills: writers at ${acked.join(', ')}`);
  } finally {
    removeDir(dir);
  }
});

test('a live peer keeps its data directory; after kill -9 its lock is taken over', async (t) => {
  const dir = tempDir('frog-lock-');
  try {
    const child = new CrashWriter(dir, 1);
    await child.waitReady();
    const error = await t.throwsAsync(new LmdbCheckpointStore(dir).open(), { instanceOf: StoreLockedError });
    t.is(error!.pid, child.child.pid!);
    t.true(error!.message.includes(dir));
    await child.kill();
    const store = new LmdbCheckpointStore(dir);
    const incarnation = await store.open();
    t.is(incarnation.lastShutdown, 'crash');
    t.is(incarnation.incarnation, 2);
    await store.close();
  } finally {
    removeDir(dir);
  }
});

test('deleting the lock file of a live peer does not let a second process in; its kill -9 does', async (t) => {
  const dir = tempDir('frog-lock-');
  try {
    const child = new CrashWriter(dir, 1);
    await child.waitReady();
    rmSync(join(dir, LOCK_FILE_NAME));
    const started = Date.now();
    const error = await t.throwsAsync(new LmdbCheckpointStore(dir).open(), { instanceOf: StoreLockedError });
    t.is(error!.pid, child.child.pid!, 'the holder is named even without its lock file');
    t.true(Date.now() - started < 10_000);
    t.false(existsSync(join(dir, LOCK_FILE_NAME)), 'the refused process leaves no lock file of its own');
    await child.kill();
    const store = new LmdbCheckpointStore(dir);
    const incarnation = await store.open();
    t.is(incarnation.lastShutdown, 'crash');
    await store.close();
    // Closed, the directory is free at once for another opener.
    const again = new LmdbCheckpointStore(dir);
    await again.open();
    await again.close();
  } finally {
    removeDir(dir);
  }
});
