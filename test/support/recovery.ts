/** Child processes for the recovery tests: the workload peer fixture and the `frog` binary, followed line by line. */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '../..');

export function tempDir(prefix = 'frog-recovery-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** A child process whose stdout is JSON lines (other lines are kept as text). */
export class LineProcess {
  readonly child: ChildProcess;
  readonly lines: unknown[] = [];
  stderr = '';
  stdout = '';
  readonly exited: Promise<number | null>;
  private buffer = '';
  private waiters: (() => void)[] = [];

  constructor(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
    this.child = spawn(process.execPath, args, { cwd: options.cwd ?? root, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    // 'close' rather than 'exit': it comes after the last of stdout has been read.
    this.exited = new Promise((resolve) => this.child.once('close', (code) => resolve(code)));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.child.stdout!.on('data', (chunk: Buffer) => {
      this.stdout += chunk.toString();
      this.buffer += chunk.toString();
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        try {
          this.lines.push(JSON.parse(line));
        } catch {
          this.lines.push(line);
        }
      }
      this.waiters.splice(0).forEach((f) => f());
    });
    this.exited.then(() => this.waiters.splice(0).forEach((f) => f()));
  }

  /** The first line that matches, waiting up to `ms`; rejects if the process exits first. */
  async waitFor<T = Record<string, unknown>>(match: (line: Record<string, unknown>) => boolean, ms = 30_000): Promise<T> {
    const deadline = Date.now() + ms;
    let exited = false;
    void this.exited.then(() => (exited = true));
    // Bounded by the deadline.
    for (;;) {
      const found = this.lines.find((l) => typeof l === 'object' && l !== null && match(l as Record<string, unknown>));
      if (found) return found as T;
      if (exited) throw new Error(`process exited before the expected line; stderr: ${this.stderr.slice(-2000)}; stdout: ${this.stdout.slice(-2000)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no expected line within ${ms} ms; stderr: ${this.stderr.slice(-2000)}; stdout: ${this.stdout.slice(-1000)}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 500));
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    this.child.kill(signal);
    return this.exited;
  }
}

export function workloadPeer(dir: string, mode: string, arg = '1', workers = '4'): LineProcess {
  return new LineProcess(['--import', 'tsx', path.join(here, '../recovery/fixtures/workload-peer.ts'), dir, mode, arg, workers]);
}

export function frog(args: string[], cwd: string): LineProcess {
  return new LineProcess([path.join(root, 'bin/frog.js'), ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } });
}

/** Whether a process with this pid exists (and is not a zombie). */
export function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}
