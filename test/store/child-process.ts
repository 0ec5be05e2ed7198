/** Runs the crash-writer fixture as a child process and follows its acknowledgements. */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

export class CrashWriter {
  readonly child: ChildProcess;
  /** The highest acknowledged counter per writer. */
  readonly acked: number[] = [];
  ready: number[] | null = null;
  stderr = '';
  private buffer = '';
  private readonly exited: Promise<void>;
  private readyWaiters: (() => void)[] = [];

  constructor(dir: string, writers: number) {
    this.child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'fixtures/crash-writer.ts'), dir, String(writers)], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // 'close' rather than 'exit': it comes after the last of stdout has been read.
    this.exited = new Promise((resolve) => this.child.once('close', () => resolve()));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.child.stdout!.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString();
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        const [kind, ...rest] = line.split(' ');
        if (kind === 'ack') {
          const [w, n] = rest.map(Number);
          this.acked[w!] = Math.max(this.acked[w!] ?? 0, n!);
        } else if (kind === 'ready') {
          this.ready = rest.map(Number);
          this.readyWaiters.splice(0).forEach((f) => f());
        }
      }
    });
  }

  /** Resolves once the child has opened its store, or rejects if it exits first or takes longer than `ms`. */
  waitReady(ms = 20_000): Promise<number[]> {
    return new Promise((resolve, reject) => {
      if (this.ready) return resolve(this.ready);
      const timer = setTimeout(() => reject(new Error(`crash-writer not ready after ${ms} ms: ${this.stderr}`)), ms);
      this.exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`crash-writer exited before it was ready: ${this.stderr}`));
      });
      this.readyWaiters.push(() => {
        clearTimeout(timer);
        resolve(this.ready!);
      });
    });
  }

  /** SIGKILL, then wait until the process is gone (and its last output has been read). */
  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }
}
