/**
 * The operating system's lock on a data directory, held for the whole life of the process
 * that opened the store (docs/design/recovery.md §6.1). The lock file beside it
 * (lock-file.ts) says who the owner is; this lock is what makes ownership hold even when
 * somebody deletes that file while the peer runs.
 *
 * Node has no flock(2), so a small helper process takes it: `flock(1)` locks the directory
 * itself (not a file in it, which could be deleted and recreated) and then waits on a pipe
 * from this process. When this process closes the store, or dies in any way (kill -9
 * included), the pipe closes, the helper exits and the kernel drops the lock; nothing is
 * left to clean up. Where flock(1) is not installed, only the lock file protects the
 * directory, as before.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** The exit code the helper gives when another process holds the lock. */
const CONFLICT = 75;
/** How long taking the lock may take before it counts as failed (spawning a process included). */
const START_TIMEOUT_MS = 10_000;

export type FlockResult = { held: DirectoryFlock } | { conflict: true } | { unavailable: string };

export class DirectoryFlock {
  private exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
  }

  /** Tries once to take the lock of `directory`, without waiting for another holder. */
  static tryAcquire(directory: string): Promise<FlockResult> {
    return new Promise((resolve) => {
      let child: ChildProcess;
      try {
        child = spawn('flock', ['--exclusive', '--nonblock', '--conflict-exit-code', String(CONFLICT), directory, 'sh', '-c', 'echo held; exec cat >/dev/null'], {
          stdio: ['pipe', 'pipe', 'pipe'],
        });
      } catch (error) {
        resolve({ unavailable: (error as Error).message });
        return;
      }
      let settled = false;
      let stderr = '';
      const done = (result: FlockResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        done({ unavailable: `flock(1) did not answer within ${START_TIMEOUT_MS / 1000} s` });
      }, START_TIMEOUT_MS);
      child.on('error', (error) => done({ unavailable: error.message }));
      child.stderr!.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
      child.stdout!.once('data', () => {
        // Held. The helper must not keep this process alive, nor outlive it.
        child.unref();
        for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as unknown as { unref?: () => void }).unref?.();
        done({ held: new DirectoryFlock(child) });
      });
      child.once('exit', (code) => {
        if (code === CONFLICT) done({ conflict: true });
        else done({ unavailable: `flock(1) exited with ${code}${stderr ? `: ${stderr.trim()}` : ''}` });
      });
    });
  }

  /** Releases the lock and waits until the kernel has dropped it. Idempotent. */
  async release(): Promise<void> {
    this.child.stdin?.end();
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 2000);
    await this.exited;
    clearTimeout(killer);
  }

  /** The pid of the helper holding the lock. */
  get helperPid(): number | undefined {
    return this.child.pid;
  }
}

/**
 * The process that holds a flock on `directory` through a helper like ours: the helper's
 * parent, read from /proc/locks and /proc/<pid>/stat. Undefined when it cannot be told.
 */
export function flockHolder(directory: string, inode: number): number | undefined {
  try {
    for (const line of readFileSync('/proc/locks', 'utf8').split('\n')) {
      // "1: FLOCK  ADVISORY  WRITE 4242 08:01:1234567 0 EOF"
      const f = line.trim().split(/\s+/);
      if (f[1] !== 'FLOCK' || !f[5]?.endsWith(`:${inode}`)) continue;
      const helper = Number(f[4]);
      const stat = readFileSync(`/proc/${helper}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      return Number.isInteger(ppid) && ppid > 1 ? ppid : helper;
    }
  } catch {
    // No /proc, or the holder went away meanwhile.
  }
  void directory;
  return undefined;
}
