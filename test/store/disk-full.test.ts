/**
 * The store on a full disk, for real: a small tmpfs (mounting needs root; elsewhere the tests
 * say why they are skipped). Opening on a full file system is a clear error that leaves no
 * half-made store behind (it used to be a SIGBUS); a store that fills its disk while running
 * fails the commit that did not fit with StoreWriteError and keeps the process alive (it used
 * to end it with an unhandled rejection); every commit acknowledged before is still there.
 */
import test from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LmdbCheckpointStore, StoreUnavailableError } from '../../runtime/persistence/store/index.js';
import { removeDir, tempDir } from './helpers.js';

const isRoot = process.getuid?.() === 0;

/** A tmpfs of `megabytes` mounted on a new folder; `fill` leaves `leaveBytes` free. */
function smallDisk(megabytes: number): { dir: string; fill: (leaveBytes: number) => void; unfill: () => void; remove: () => void } {
  const dir = tempDir('frog-full-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m`, 'tmpfs', dir]);
  const filler = path.join(dir, 'filler');
  return {
    dir,
    fill(leaveBytes) {
      const stats = fs.statfsSync(dir);
      const free = stats.bavail * stats.bsize;
      fs.writeFileSync(filler, Buffer.alloc(Math.max(0, free - leaveBytes)));
    },
    unfill: () => fs.rmSync(filler, { force: true }),
    remove() {
      // A process that still holds a file there (a helper exiting) makes the mount busy for a
      // moment: detached lazily then, so that no test leaves a mount behind.
      try {
        execFileSync('umount', [dir], { stdio: 'ignore' });
      } catch {
        execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
      }
      removeDir(dir);
    },
  };
}

const maybe = isRoot ? test.serial : test.skip;

maybe('a store is not opened on a full file system, and nothing half-made is left', async (t) => {
  const disk = smallDisk(2);
  try {
    disk.fill(64 * 1024);
    const data = path.join(disk.dir, 'data');
    const error = await t.throwsAsync(new LmdbCheckpointStore(data).open(), { instanceOf: StoreUnavailableError });
    t.regex(error!.message, /file system is full/);
    t.deepEqual(fs.existsSync(data) ? fs.readdirSync(data) : [], [], 'no lock, no empty store');
    // With room again, the same directory opens as a new store.
    disk.unfill();
    const store = new LmdbCheckpointStore(data);
    await store.open();
    await store.close();
  } finally {
    disk.remove();
  }
});

maybe('a store that fills its disk fails the commit that does not fit, stays up, and keeps what it acknowledged', async (t) => {
  const disk = smallDisk(4);
  const data = path.join(disk.dir, 'data');
  try {
    disk.fill(1536 * 1024);
    const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'fill-disk.ts');
    const run = spawnSync(process.execPath, ['--import', 'tsx', fixture, data], { encoding: 'utf8', timeout: 60_000 });
    t.is(run.status, 0, `the writer process ended with ${run.status ?? run.signal}: ${run.stderr}`);
    const result = JSON.parse(run.stdout.trim().split('\n').pop()!) as {
      acknowledged: number;
      failure?: { name: string; message: string };
      readable: number;
      after?: string;
      closeMs: number;
    };
    t.is(result.failure?.name, 'StoreWriteError');
    t.regex(result.failure!.message, /disk may be full|disk is full/);
    t.true(result.acknowledged > 0);
    t.is(result.readable, result.acknowledged * 50, 'reads still work');
    // The store stays usable: a small commit after the failure is stored if it fits, and refused with the same error if not.
    t.true(result.after === undefined || result.after === 'StoreWriteError', String(result.after));
    t.true(result.closeMs < 10_000, `close took ${result.closeMs} ms`);
    disk.unfill();
    const again = new LmdbCheckpointStore(data);
    await again.open();
    const paths = new Set((await again.readAll()).map((r) => r.path));
    for (let i = 0; i < result.acknowledged; i++) t.true(paths.has(`sfConfig:c${i}-49`), `commit ${i} was acknowledged`);
    t.is(paths.size, result.acknowledged * 50 + (result.after === undefined ? 1 : 0), 'nothing of the commit that failed');
    await again.close();
  } finally {
    disk.remove();
  }
});

if (!isRoot) test('disk-full tests need root to mount a tmpfs', (t) => t.pass());

test('an unhandled rejection that is not the store\'s still ends the process with its reason once a store is open', (t) => {
  const dir = tempDir('frog-reject-');
  try {
    const storeModule = new URL('../../runtime/persistence/store/index.ts', import.meta.url).href;
    const script = `
      const { LmdbCheckpointStore } = await import(${JSON.stringify(storeModule)});
      const store = new LmdbCheckpointStore(${JSON.stringify(path.join(dir, 'data'))});
      await store.open();
      await store.close();
      Promise.reject(new Error('not the store: boom'));
      setTimeout(() => console.log('still running'), 500);`;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000, cwd: new URL('../..', import.meta.url).pathname });
    t.not(run.status, 0);
    t.regex(run.stderr, /not the store: boom/);
    t.false(run.stdout.includes('still running'));
  } finally {
    removeDir(dir);
  }
});
