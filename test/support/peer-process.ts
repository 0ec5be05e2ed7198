/**
 * A real `frog peer` process for the tests that need one (profile `lan`, a data directory of its
 * own, `--events json`): its events as they come, its control address and HTTP address once
 * it says them, and a stop that waits for its exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface PeerProcess {
  name: string;
  child: ChildProcess;
  events: Record<string, unknown>[];
  control?: string;
  http?: string;
}

/**
 * Calls `onValue` with each line of `stream` parsed as JSON, and `onOther` (default: nothing)
 * with each line that is not JSON: how the tests read `frog peer --events json`.
 */
export function onJsonLines(stream: NodeJS.ReadableStream, onValue: (value: unknown) => void, onOther: (line: string) => void = () => undefined): void {
  let buffer = '';
  stream.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let i: number;
    while ((i = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        onOther(line);
        continue;
      }
      onValue(value);
    }
  });
}

/** Starts peer `name` in group `group`, working in `dir` with its data in `dir/data-<name>`. */
export function startPeerProcess(name: string, dir: string, keyFile: string, group: string, extra: string[] = []): PeerProcess {
  const args = [join(root, 'bin/frog.js'), 'peer', '--name', name, '--key-file', keyFile, '--group', group, '--profile', 'lan', '--listen', '127.0.0.1:0', '--data', join(dir, `data-${name}`), '--events', 'json', '--placement-timeout', '60', ...extra];
  const child = spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const p: PeerProcess = { name, child, events: [] };
  onJsonLines(child.stdout!, (v) => {
    const e = v as Record<string, unknown>;
    p.events.push(e);
    if (e.event === 'listening') p.control = String(e.control);
    if (e.event === 'http') p.http = String(e.http);
  });
  child.stderr!.on('data', () => undefined);
  return p;
}

/** Sends `signal` (default SIGKILL) and waits for the exit; at once when it has exited already. */
export function stopPeerProcess(p: PeerProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    p.child.once('exit', () => resolve());
    p.child.kill(signal);
  });
}
