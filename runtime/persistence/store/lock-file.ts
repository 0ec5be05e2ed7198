/**
 * The data directory's lock file: one live peer per directory.
 *
 * LMDB lets several processes open one environment, so it cannot say "another peer is
 * using this". Our lock file holds the owner's pid, its start time as the kernel reports it
 * (/proc/<pid>/stat, field 22) and the boot id. An existing lock is live only when that pid
 * exists *and* has the same start time on the same boot; so a lock left by kill -9 is stale
 * even when the pid has since been given to another process, and it is taken over.
 *
 * Creation is atomic (O_EXCL). Taking over a stale lock renames it to a name private to
 * this process first and checks that what it moved is the stale lock it judged, so that of
 * two processes racing for one stale lock only one wins the rename; the loser finds the
 * winner's fresh lock and is refused. (A three-way race within the few microseconds between
 * a rename and its check could still slip through; peers are not started that way.)
 *
 * Under the file, the operating system's lock on the directory (os-lock.ts) is taken first
 * and held for as long as the store is open: deleting the file while a peer runs does not
 * let a second process in, and no race between starting peers can either.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StoreLockedError, StoreUnavailableError, reasonOf } from './errors.js';
import { DirectoryFlock, flockHolder } from './os-lock.js';

export const LOCK_FILE_NAME = 'peer.lock';

export interface LockOwner {
  pid: number;
  /** The process start time in clock ticks since boot (Linux), or null where /proc is absent. */
  startTime: number | null;
  bootId: string | null;
  /** When the lock was taken (epoch ms), for people reading the file. */
  since: number;
}

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** The start time of a process in clock ticks since boot, or null if unknown (no such process, no /proc). */
function statFields(pid: number): string[] | null {
  const stat = readText(`/proc/${pid}/stat`);
  if (stat === null) return null;
  // The command name (field 2) is in parentheses and may contain spaces or parentheses: split after the last ')'.
  // fields[0] is then field 3 (state), and field 22 (starttime) is fields[19].
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

export function processStartTime(pid: number): number | null {
  const fields = statFields(pid);
  const value = Number(fields?.[19]);
  return fields && Number.isFinite(value) ? value : null;
}

/** A process that has exited but not been reaped yet (a zombie) holds no files or maps: it is gone. */
function hasExited(pid: number): boolean {
  const state = statFields(pid)?.[0];
  return state === 'Z' || state === 'X' || state === 'x';
}

export function currentBootId(): string | null {
  return readText('/proc/sys/kernel/random/boot_id')?.trim() ?? null;
}

/** True when the process that wrote `owner` is still running. */
export function isOwnerAlive(owner: LockOwner): boolean {
  const bootId = currentBootId();
  if (owner.bootId !== null && bootId !== null && owner.bootId !== bootId) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to someone else; it is alive.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (hasExited(owner.pid)) return false;
  if (owner.startTime === null) return true;
  const startTime = processStartTime(owner.pid);
  // Without /proc we cannot tell a recycled pid apart, so a live pid counts as the owner.
  return startTime === null || startTime === owner.startTime;
}

function parseOwner(text: string | null): LockOwner | null {
  if (!text) return null;
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    if (typeof value.pid !== 'number' || !Number.isInteger(value.pid) || value.pid <= 0) return null;
    return {
      pid: value.pid,
      startTime: typeof value.startTime === 'number' ? value.startTime : null,
      bootId: typeof value.bootId === 'string' ? value.bootId : null,
      since: typeof value.since === 'number' ? value.since : 0,
    };
  } catch {
    return null;
  }
}

/** How long a lock file that is still empty or partly written is given before it counts as stale. */
const UNREADABLE_GRACE_MS = 2000;

/** A held lock on a data directory. */
export class DataDirectoryLock {
  private released = false;

  private constructor(
    readonly directory: string,
    readonly file: string,
    private readonly owner: LockOwner,
    private readonly flock: DirectoryFlock | null,
  ) {}

  /**
   * Takes the lock of `directory` (which must exist) for this process. Throws
   * `StoreLockedError` when a live process holds it, `StoreUnavailableError` when the file
   * cannot be written.
   */
  static async acquire(directory: string): Promise<DataDirectoryLock> {
    const flock = await DataDirectoryLock.takeFlock(directory);
    try {
      return await DataDirectoryLock.takeFile(directory, flock);
    } catch (error) {
      await flock?.release();
      throw error;
    }
  }

  /**
   * The OS lock, or null where flock(1) is missing. Held by another process: refused at once
   * when the lock file names a live owner; otherwise retried for a moment, since the helper of
   * a peer that was just killed is still exiting, and then refused naming the holder.
   */
  private static async takeFlock(directory: string): Promise<DirectoryFlock | null> {
    const file = path.join(directory, LOCK_FILE_NAME);
    const deadline = Date.now() + 3000;
    for (let attempt = 0; ; attempt++) {
      const result = await DirectoryFlock.tryAcquire(directory);
      if ('held' in result) return result.held;
      if ('unavailable' in result) return null;
      const owner = parseOwner(readText(file));
      if (owner && isOwnerAlive(owner)) throw new StoreLockedError(directory, owner.pid);
      if (Date.now() >= deadline || attempt >= 100) {
        let inode = -1;
        try {
          inode = fs.statSync(directory).ino;
        } catch {
          // gone: the holder is unknown
        }
        throw new StoreLockedError(directory, flockHolder(directory, inode) ?? owner?.pid ?? 0);
      }
      await new Promise((r) => setTimeout(r, 30));
    }
  }

  private static async takeFile(directory: string, flock: DirectoryFlock | null): Promise<DataDirectoryLock> {
    const file = path.join(directory, LOCK_FILE_NAME);
    const owner: LockOwner = {
      pid: process.pid,
      startTime: processStartTime(process.pid),
      bootId: currentBootId(),
      since: Date.now(),
    };
    const text = JSON.stringify(owner) + '\n';
    const deadline = Date.now() + 2 * UNREADABLE_GRACE_MS;
    let firstUnreadable: number | null = null;
    // Bounded in time: each pass either creates the lock, refuses, or removes a stale one.
    for (let attempt = 0; attempt < 50 && Date.now() < deadline + 1000; attempt++) {
      try {
        const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o644);
        try {
          fs.writeSync(fd, text);
          fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
        return new DataDirectoryLock(directory, file, owner, flock);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new StoreUnavailableError(directory, `its lock file cannot be created (${reasonOf(error)})`, error);
        }
      }
      const existingText = readText(file);
      if (existingText === null) continue; // removed meanwhile: try again
      const existing = parseOwner(existingText);
      if (existing === null) {
        // Empty or torn: either a writer is between create and write, or it died there.
        firstUnreadable ??= Date.now();
        if (Date.now() - firstUnreadable < UNREADABLE_GRACE_MS) {
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
      } else if (isOwnerAlive(existing)) {
        // This includes our own process holding it through another store object: one owner per directory.
        throw new StoreLockedError(directory, existing.pid);
      }
      DataDirectoryLock.removeStale(file, existingText);
    }
    throw new StoreUnavailableError(directory, 'its lock file keeps changing; another process may be starting on it');
  }

  /** Moves a stale lock aside, unless it changed since it was judged stale. */
  private static removeStale(file: string, staleText: string): void {
    const aside = `${file}.stale-${process.pid}-${Date.now()}`;
    try {
      fs.renameSync(file, aside);
    } catch {
      return; // someone else moved it: the next pass sees what is there now
    }
    if (readText(aside) !== staleText) {
      // We moved a lock someone else had just created: put it back unless yet another exists.
      try {
        fs.linkSync(aside, file);
      } catch {
        // A newer lock exists; the one we moved lost its race anyway.
      }
    }
    fs.rmSync(aside, { force: true });
  }

  /** Removes the lock file if it is still ours, then drops the OS lock. Idempotent. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    const current = parseOwner(readText(this.file));
    if (current && current.pid === this.owner.pid && current.since === this.owner.since) {
      fs.rmSync(this.file, { force: true });
    }
    await this.flock?.release();
  }
}
