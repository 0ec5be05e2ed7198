/**
 * Bad data directories: each gives a clear `StoreError` naming the directory and saying what
 * to do, never a crash (lmdb-js would take the process down on a garbage file) nor a reset.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  LmdbCheckpointStore,
  StoreCorruptError,
  StoreLockedError,
  StoreUnavailableError,
  StoreVersionError,
  type StoreError,
} from '../../runtime/persistence/store/index.js';
import { LOCK_FILE_NAME, processStartTime, currentBootId } from '../../runtime/persistence/store/lock-file.js';
import { STORE_MARKER_NAME } from '../../runtime/persistence/store/lmdb-checkpoint-store.js';
import { record, removeDir, tempDir } from './helpers.js';
import { encodeMeta } from '../../runtime/persistence/store/codec.js';
import { open } from 'lmdb';
import { pack } from 'msgpackr';

const lmdbFile = (dir: string) => path.join(dir, 'woodfrog.lmdb');

/** A store with a few records, closed. */
async function populated(): Promise<string> {
  const dir = tempDir('frog-bad-');
  const store = new LmdbCheckpointStore(dir);
  await store.open();
  await store.commit({ put: [record('sfConfig', { children: ['a'] }), record('sfConfig:a', { lifecycle: 'running' })] });
  await store.close();
  return dir;
}

/** Replaces every occurrence of `from` in the file by `to` (same length); returns how many. */
function patch(file: string, from: Buffer, to: Buffer): number {
  const bytes = fs.readFileSync(file);
  let count = 0;
  for (let at = bytes.indexOf(from); at >= 0; at = bytes.indexOf(from, at + 1)) {
    to.copy(bytes, at);
    count++;
  }
  fs.writeFileSync(file, bytes);
  return count;
}

/** Writes `value` under `key` of one of the store's tables as another program would (the store closed). */
function putRaw(dir: string, table: string, key: string | [string, string], value: Buffer): void {
  const root = open({ path: lmdbFile(dir), maxDbs: 8, encoding: 'binary', compression: false, cache: false });
  try {
    root.openDB({ name: table, encoding: 'binary' }).putSync(key, value);
  } finally {
    void root.close();
  }
}

async function expectOpenError<T extends StoreError>(
  t: import('ava').ExecutionContext,
  dir: string,
  type: abstract new (...args: never[]) => T,
  message: RegExp,
): Promise<void> {
  const error = await t.throwsAsync(new LmdbCheckpointStore(dir).open());
  t.true(error instanceof type, `got ${error?.name}: ${error?.message}`);
  t.true(error!.message.includes(path.resolve(dir)), error!.message);
  t.regex(error!.message, message);
  t.truthy((error as StoreError).hint);
  // The failed open released the lock: trying again gives the same error, not "in use".
  const again = await t.throwsAsync(new LmdbCheckpointStore(dir).open());
  t.is(again!.name, error!.name);
  t.false(fs.existsSync(path.join(dir, LOCK_FILE_NAME)));
}

test('a data directory that is a file cannot be used', async (t) => {
  const dir = tempDir('frog-bad-');
  try {
    const file = path.join(dir, 'not-a-dir');
    fs.writeFileSync(file, 'x');
    const error = await t.throwsAsync(new LmdbCheckpointStore(file).open(), { instanceOf: StoreUnavailableError });
    t.regex(error!.message, /not-a-dir.*cannot be used/);
    t.is(error!.code, 'SF4804');
  } finally {
    removeDir(dir);
  }
});

test('a missing data directory is created', async (t) => {
  const dir = tempDir('frog-bad-');
  try {
    const store = new LmdbCheckpointStore(path.join(dir, 'a', 'b'));
    t.is((await store.open()).lastShutdown, 'none');
    await store.close();
    t.true(fs.existsSync(path.join(dir, 'a', 'b', 'woodfrog.lmdb')));
  } finally {
    removeDir(dir);
  }
});

test('a garbage store file is corrupt, not a crash', async (t) => {
  const dir = tempDir('frog-bad-');
  try {
    fs.writeFileSync(lmdbFile(dir), Buffer.alloc(64 * 1024, 7));
    await expectOpenError(t, dir, StoreCorruptError, /no valid first meta page/);
  } finally {
    removeDir(dir);
  }
});

test('a truncated store file is corrupt', async (t) => {
  const dir = await populated();
  try {
    fs.truncateSync(lmdbFile(dir), 700);
    await expectOpenError(t, dir, StoreCorruptError, /truncated/);
  } finally {
    removeDir(dir);
  }
});

test('a store file whose second meta page was overwritten is corrupt', async (t) => {
  const dir = await populated();
  try {
    const bytes = fs.readFileSync(lmdbFile(dir));
    bytes.fill(0, 4096, 8192);
    fs.writeFileSync(lmdbFile(dir), bytes);
    await expectOpenError(t, dir, StoreCorruptError, /second meta page/);
  } finally {
    removeDir(dir);
  }
});

test('a store of another format version is refused, and kept as it is', async (t) => {
  const dir = await populated();
  try {
    // What a later frogpond would write: a well-formed format record of another version.
    putRaw(dir, 'meta', 'format', encodeMeta({ store: 'frogpond-checkpoints', version: 7 }));
    const before = fs.readFileSync(lmdbFile(dir));
    await expectOpenError(t, dir, StoreVersionError, /format is version 7, this frogpond reads version 1/);
    t.true(fs.readFileSync(lmdbFile(dir)).equals(before), 'a refused store is not modified');
  } finally {
    removeDir(dir);
  }
});

test('an LMDB file that is not a frogpond store is refused', async (t) => {
  const dir = await populated();
  try {
    putRaw(dir, 'meta', 'format', encodeMeta({ store: 'somebody-elses-store', version: 1 }));
    await expectOpenError(t, dir, StoreVersionError, /not a frogpond checkpoint store/);
  } finally {
    removeDir(dir);
  }
});

test('an LMDB file of another LMDB data version is refused', async (t) => {
  const dir = await populated();
  try {
    const bytes = fs.readFileSync(lmdbFile(dir));
    bytes.writeUInt32LE(1, 0x1c);
    bytes.writeUInt32LE(1, 4096 + 0x1c);
    fs.writeFileSync(lmdbFile(dir), bytes);
    await expectOpenError(t, dir, StoreVersionError, /LMDB data version 1/);
  } finally {
    removeDir(dir);
  }
});

test('a record whose bytes were changed on disk is refused with its key, never recovered with another meaning', async (t) => {
  const dir = tempDir('frog-bad-');
  try {
    const first = new LmdbCheckpointStore(dir);
    await first.open();
    const command = { description: { type: 'Exec', host: '', attributes: [['command', 'sleep 300001']] as [string, string][], lazy: [] } };
    await first.commit({ put: [record('sfConfig', { ...command, attributes: [['command', 'sleep 300001']] })] });
    await first.close();
    // One digit of the command, in the record's description and its attributes.
    t.true(patch(lmdbFile(dir), Buffer.from('sleep 300001'), Buffer.from('sleep 300009')) > 0);
    const store = new LmdbCheckpointStore(dir);
    await store.open();
    const error = await t.throwsAsync(store.readAll(), { instanceOf: StoreCorruptError });
    t.regex(error!.message, /`app\/sfConfig` cannot be decoded: its checksum does not match its bytes/);
    t.true(error!.message.includes(dir));
    await t.throwsAsync(store.get({ app: 'app', path: 'sfConfig' }), { instanceOf: StoreCorruptError });
    await store.close();
  } finally {
    removeDir(dir);
  }
});

test('a record that no longer decodes is reported with its key', async (t) => {
  const dir = await populated();
  try {
    // A well-sealed value that is not a record (as a buggy or foreign writer would leave it).
    putRaw(dir, 'records', ['app', 'sfConfig'], encodeMeta({ app: 'app', path: 'sfConfig', lifecycle: 'rubbish' }));
    const store = new LmdbCheckpointStore(dir);
    await store.open();
    const error = await t.throwsAsync(store.readAll(), { instanceOf: StoreCorruptError });
    t.regex(error!.message, /`app\/sfConfig` cannot be decoded: it lacks fields of a component record/);
    t.true(error!.message.includes(dir));
    await t.throwsAsync(store.get({ app: 'app', path: 'sfConfig' }), { instanceOf: StoreCorruptError });
    await store.close();
  } finally {
    removeDir(dir);
  }
});

test('a lock held by a live process with the same start time is respected', async (t) => {
  const dir = tempDir('frog-lock-');
  try {
    // The test runner's parent process is alive; write its true start time.
    const pid = process.ppid;
    const startTime = processStartTime(pid);
    fs.writeFileSync(path.join(dir, LOCK_FILE_NAME), JSON.stringify({ pid, startTime, bootId: currentBootId(), since: 1 }));
    const error = await t.throwsAsync(new LmdbCheckpointStore(dir).open(), { instanceOf: StoreLockedError });
    t.is(error!.pid, pid);
    t.regex(error!.message, new RegExp(`in use by another peer \\(process ${pid}\\)`));
    t.true(fs.existsSync(path.join(dir, LOCK_FILE_NAME)), 'a live lock is left alone');
  } finally {
    removeDir(dir);
  }
});

test('a lock held by a process that was killed but not yet reaped (a zombie) is taken over', async (t) => {
  if (!fs.existsSync('/proc/self/stat')) return t.pass('no /proc here: zombies cannot be told apart');
  const dir = tempDir('frog-lock-');
  // `sleep 0.1` ends at once and stays a zombie: its parent became `sleep 5`, which never reaps it.
  const parent = spawn('sh', ['-c', 'sleep 0.1 & echo $!; exec sleep 5'], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const pid = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (d) => resolve(String(d)))));
    const startTime = processStartTime(pid);
    const deadline = Date.now() + 5_000;
    while (!/^\S+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    fs.writeFileSync(path.join(dir, LOCK_FILE_NAME), JSON.stringify({ pid, startTime, bootId: currentBootId(), since: 1 }));
    const store = new LmdbCheckpointStore(dir);
    await store.open();
    t.is(JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE_NAME), 'utf8')).pid, process.pid);
    await store.close();
  } finally {
    parent.kill('SIGKILL');
    removeDir(dir);
  }
});

test('a lock whose pid was recycled (other start time), or from another boot, or torn, is taken over', async (t) => {
  const dir = tempDir('frog-lock-');
  try {
    const lock = path.join(dir, LOCK_FILE_NAME);
    const stale = [
      { pid: process.ppid, startTime: (processStartTime(process.ppid) ?? 0) + 12345, bootId: currentBootId(), since: 1 },
      { pid: process.ppid, startTime: processStartTime(process.ppid), bootId: 'another-boot', since: 1 },
      { pid: 2 ** 22 + 17, startTime: 1, bootId: currentBootId(), since: 1 },
    ];
    for (const owner of stale) {
      fs.writeFileSync(lock, JSON.stringify(owner));
      const store = new LmdbCheckpointStore(dir);
      await store.open();
      const held = JSON.parse(fs.readFileSync(lock, 'utf8'));
      t.is(held.pid, process.pid);
      await store.close();
      t.false(fs.existsSync(lock), 'close removes our lock');
    }
    // A torn lock (the writer died between creating and writing it) is taken over after a grace period.
    fs.writeFileSync(lock, '{"pid": 12');
    const store = new LmdbCheckpointStore(dir);
    await store.open();
    t.is(JSON.parse(fs.readFileSync(lock, 'utf8')).pid, process.pid);
    await store.close();
    t.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith(LOCK_FILE_NAME)), [], 'no stale lock copies left behind');
  } finally {
    removeDir(dir);
  }
});

/**
 * Opens the store on `dir` as an unprivileged user (root ignores permission bits, so as root
 * the check runs in a child process that drops to `nobody`); the error's class and message.
 * The child loads the store's modules as root and only then drops its privileges, so the
 * check works wherever the checkout is, also under a folder `nobody` cannot enter.
 */
async function openAsUnprivileged(dir: string): Promise<{ name: string; message: string }> {
  if (process.getuid?.() !== 0) {
    try {
      await new LmdbCheckpointStore(dir).open();
      return { name: 'opened', message: '' };
    } catch (e) {
      return { name: (e as Error).constructor.name, message: (e as Error).message };
    }
  }
  const storeModule = new URL('../../runtime/persistence/store/index.ts', import.meta.url).href;
  const nobody = 65534;
  const script = `
    const { LmdbCheckpointStore } = await import(${JSON.stringify(storeModule)});
    process.setgroups([${nobody}]); process.setgid(${nobody}); process.setuid(${nobody});
    try { await new LmdbCheckpointStore(${JSON.stringify(dir)}).open(); console.log(JSON.stringify({ name: 'opened', message: '' })); }
    catch (e) { console.log(JSON.stringify({ name: e.constructor.name, message: e.message })); }`;
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: new URL('../..', import.meta.url).pathname,
    env: { ...process.env, HOME: '/tmp' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (!line.startsWith('{')) throw new Error(`the unprivileged child gave no answer (status ${r.status}): ${r.stderr}`);
  return JSON.parse(line);
}

test('an unreadable data directory cannot be used', async (t) => {
  const dir = tempDir('frog-bad-');
  try {
    fs.chmodSync(dir, 0o000);
    const error = await openAsUnprivileged(dir);
    t.is(error.name, 'StoreUnavailableError');
    t.true(error.message.includes(dir), error.message);
  } finally {
    fs.chmodSync(dir, 0o700);
    removeDir(dir);
  }
});

test('a record written before checksums existed is still read', async (t) => {
  const dir = await populated();
  try {
    putRaw(dir, 'records', ['app', 'sfConfig'], Buffer.from(pack(record('sfConfig', { children: ['a'], epoch: 9 }))));
    const store = new LmdbCheckpointStore(dir);
    await store.open();
    t.is((await store.get({ app: 'app', path: 'sfConfig' }))?.epoch, 9);
    await store.close();
  } finally {
    removeDir(dir);
  }
});

/** A store big enough to span many pages, closed. */
async function largePopulated(): Promise<string> {
  const dir = tempDir('frog-bad-');
  const store = new LmdbCheckpointStore(dir);
  await store.open();
  const put = Array.from({ length: 500 }, (_, i) => record(`sfConfig:c${i}`, { attributes: [['pad', 'x'.repeat(300)]] }));
  await store.commit({ put: [record('sfConfig', { children: put.map((r) => r.path.slice(9)) }), ...put] });
  await store.close();
  return dir;
}

test('a store file cut short is refused before it is mapped, at every length (no SIGBUS)', async (t) => {
  const dir = await largePopulated();
  try {
    const whole = fs.readFileSync(lmdbFile(dir));
    t.true(whole.length > 64 * 1024, `${whole.length} bytes`);
    for (const kb of [8, 16, 24, 32, 48]) {
      fs.writeFileSync(lmdbFile(dir), whole.subarray(0, kb * 1024));
      await expectOpenError(t, dir, StoreCorruptError, /is truncated/);
    }
    fs.writeFileSync(lmdbFile(dir), whole.subarray(0, whole.length - 4096));
    await expectOpenError(t, dir, StoreCorruptError, /is truncated/);
    fs.writeFileSync(lmdbFile(dir), whole);
    const store = new LmdbCheckpointStore(dir);
    await store.open();
    t.is((await store.readAll()).length, 501);
    await store.close();
  } finally {
    removeDir(dir);
  }
});

test('a store whose file was deleted or emptied is refused, never started afresh over its records', async (t) => {
  const dir = await populated();
  try {
    t.true(fs.existsSync(path.join(dir, STORE_MARKER_NAME)), 'a new store leaves its marker');
    const whole = fs.readFileSync(lmdbFile(dir));
    fs.writeFileSync(lmdbFile(dir), Buffer.alloc(0));
    await expectOpenError(t, dir, StoreCorruptError, /is empty, but a store was created here/);
    t.is(fs.statSync(lmdbFile(dir)).size, 0, 'the refused file is left as it was');
    fs.rmSync(lmdbFile(dir));
    await expectOpenError(t, dir, StoreCorruptError, /is missing, but a store was created here/);
    t.false(fs.existsSync(lmdbFile(dir)), 'no new file is made');
    // Restored from a backup, it opens with its records.
    fs.writeFileSync(lmdbFile(dir), whole);
    const store = new LmdbCheckpointStore(dir);
    await store.open();
    t.is((await store.readAll()).length, 2);
    await store.close();
  } finally {
    removeDir(dir);
  }
});

test('a store made before the marker existed gets one when it is opened', async (t) => {
  const dir = await populated();
  try {
    fs.rmSync(path.join(dir, STORE_MARKER_NAME));
    const store = new LmdbCheckpointStore(dir);
    await store.open();
    t.is((await store.readAll()).length, 2);
    await store.close();
    t.true(fs.existsSync(path.join(dir, STORE_MARKER_NAME)));
  } finally {
    removeDir(dir);
  }
});
