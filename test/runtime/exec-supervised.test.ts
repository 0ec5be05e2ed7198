/**
 * Exec on a host with a data directory (a store on disk): every launch runs under the
 * `frog-exec` supervisor, with its output in files that the component follows and its exit
 * status recorded in a status file. Seen from the description, it behaves as the piped Exec
 * (stdlib.test.ts): same output events, same reasons, same restarts, same termination.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { ComponentHost, EventRecorder } from '../../runtime/index.js';
import { c, plan, testRegistry } from '../support/runtime.js';

function supervisedHost(dir: string) {
  const data = join(dir, 'data');
  const host = new ComponentHost({ registry: testRegistry(), peer: 'test', workingDirectory: dir, liveness: { delay: 0 }, dataDirectory: data });
  return { host, data, recorder: new EventRecorder(host.events) };
}

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'frog-exec-supervised-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2)[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

async function pidFrom(dir: string, name: string): Promise<number> {
  // Bounded: 5 s.
  for (let i = 0; i < 250; i++) {
    const file = join(dir, name);
    if (existsSync(file)) {
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (pid > 0) return pid;
    }
    await new Promise((res) => setTimeout(res, 20));
  }
  return 0;
}

function killLater(t: { teardown(fn: () => void): void }, dir: string, name: string): void {
  t.teardown(() => {
    try {
      process.kill(Number(readFileSync(join(dir, name), 'utf8').trim()), 'SIGKILL');
    } catch {
      // Gone already, as it should be.
    }
  });
}

/** The record, or 'hung' after `ms` (a hang guard). */
function within<T>(p: Promise<T>, ms = 30_000): Promise<T | 'hung'> {
  return Promise.race([p, new Promise<'hung'>((res) => setTimeout(() => res('hung'), ms))]);
}

const execFiles = (data: string) => (existsSync(join(data, 'exec')) ? readdirSync(join(data, 'exec')) : []);

test('supervised Exec: output events, environment, working directory and the exit code as with pipes; its files are removed', async (t) => {
  t.timeout(60_000);
  const dir = tempDir(t);
  const { host, data, recorder } = supervisedHost(dir);
  const r = await host.deploy(plan(c('Exec', {
    command: 'printf "%s|%s|%s\\n" "$1" "$GREETING" "$PWD"; echo oops >&2; printf partial; exit 3',
    shell: true,
    arguments: ['first'],
    environment: { $cd: [['GREETING', 'hi']] },
    directory: '.',
  })));
  const started = recorder.events.find((e) => e.event === 'log' && /started/.test(String(e.text)));
  t.regex(String(started?.text), /^started `\/bin\/sh` \(pid \d+\)$/);
  const record = await within(r.terminated);
  if (record === 'hung') return t.fail('the Exec did not end');
  t.deepEqual([record.type, record.reason], ['abnormal', '`/bin/sh` exited with code 3']);
  t.true(recorder.trace().includes(`output sfConfig stdout ${JSON.stringify(`first|hi|${dir}`)}`));
  t.true(recorder.trace().includes('output sfConfig stderr "oops"'));
  t.true(recorder.trace().includes('output sfConfig stdout "partial"'));
  t.deepEqual(execFiles(data), [], 'the launch files are removed');
});

test('supervised Exec: a log file, "ignore", and a missing program that fails at start', async (t) => {
  t.timeout(60_000);
  const dir = tempDir(t);
  const { host, recorder } = supervisedHost(dir);
  const r = await host.deploy(plan(c('Exec', { command: 'echo', arguments: ['to the log'], stdout: 'logs/out.log', stderr: 'ignore' })));
  t.is((await r.terminated).type, 'normal');
  t.is(readFileSync(join(dir, 'logs/out.log'), 'utf8'), 'to the log\n');
  t.false(recorder.events.some((e) => e.event === 'output'));
  const missing = await host.deploy(plan(c('Exec', { command: 'no-such-program-frog' })));
  t.regex((await missing.terminated).reason, /start failed: cannot run `no-such-program-frog`: spawn no-such-program-frog ENOENT/);
});

test('supervised Exec: restarts on failure, each run told its number; a program killed by a signal is reported as such', async (t) => {
  t.timeout(60_000);
  const dir = tempDir(t);
  const { host, recorder } = supervisedHost(dir);
  const r = await host.deploy(plan(c('Exec', { command: 'echo run $FROG_EXEC_RUN; exit 1', shell: true, restart: 'on-failure', maxRestarts: 2, restartDelay: 10 })));
  const record = await within(r.terminated);
  if (record === 'hung') return t.fail('the Exec did not end');
  t.deepEqual([record.type, record.reason], ['abnormal', '`/bin/sh` exited with code 1']);
  t.deepEqual(recorder.events.filter((e) => e.event === 'output').map((e) => e.text), ['run 0', 'run 1', 'run 2']);
  const killed = await host.deploy(plan(c('Exec', { command: 'kill -9 $$', shell: true })));
  const k = await within(killed.terminated);
  if (k === 'hung') return t.fail('the Exec did not end');
  t.deepEqual([k.type, k.reason], ['abnormal', '`/bin/sh` was killed by SIGKILL']);
});

test('supervised Exec: termination sends SIGTERM to the whole group, lets the program finish, and stops the rest', async (t) => {
  t.timeout(60_000);
  const dir = tempDir(t);
  const { host, data, recorder } = supervisedHost(dir);
  killLater(t, dir, 'child.pid');
  const r = await host.deploy(plan(c('Exec', {
    command: 'trap "echo got TERM; exit 0" TERM; sleep 60 & echo $! > child.pid; echo ready; wait',
    shell: true,
    killTimeout: 5000,
  })));
  const supervisor = r.root!.rawAttribute('sfExecPid') as number;
  const child = await pidFrom(dir, 'child.pid');
  t.true(child > 0 && alive(child) && alive(supervisor));
  const ended = Date.now();
  await within(r.root!.sfTerminate());
  t.true(Date.now() - ended < 4000, 'the program ended on SIGTERM, not on SIGKILL after killTimeout');
  for (let i = 0; i < 50 && (alive(child) || alive(supervisor)); i++) await new Promise((res) => setTimeout(res, 20));
  t.false(alive(child), 'the grandchild survived');
  t.false(alive(supervisor), 'the supervisor survived');
  t.is((await r.terminated).type, 'normal');
  t.deepEqual(recorder.events.filter((e) => e.event === 'output').map((e) => e.text), ['ready', 'got TERM']);
  t.deepEqual(execFiles(data), []);
});

test('supervised Exec: ends when its program exits even though a background process is left in its group; that process is stopped', async (t) => {
  t.timeout(60_000);
  const dir = tempDir(t);
  const { host, recorder } = supervisedHost(dir);
  killLater(t, dir, 'bg.pid');
  const r = await host.deploy(plan(c('Exec', { command: 'sleep 300 & echo $! > bg.pid; echo started; exit 0', shell: true, killTimeout: 2000 })));
  const outcome = await within(r.terminated);
  if (outcome === 'hung') return t.fail('Exec waited for the background process');
  t.deepEqual([outcome.type, outcome.reason], ['normal', '`/bin/sh` exited with code 0']);
  t.deepEqual(recorder.events.filter((e) => e.event === 'output').map((e) => e.text), ['started']);
  const bg = await pidFrom(dir, 'bg.pid');
  for (let i = 0; i < 100 && alive(bg); i++) await new Promise((res) => setTimeout(res, 20));
  t.false(alive(bg), 'the background process outlived the component');
});

test('supervised Exec: a program killed by SIGTERM at termination adds nothing of the supervisor to its output', async (t) => {
  t.timeout(60_000);
  const dir = tempDir(t);
  const { host, data, recorder } = supervisedHost(dir);
  const r = await host.deploy(plan(c('Exec', { command: 'sleep', arguments: ['60'], killTimeout: 5000 })));
  const supervisor = r.root!.rawAttribute('sfExecPid') as number;
  t.true(alive(supervisor));
  await new Promise((res) => setTimeout(res, 200));
  const ended = Date.now();
  await within(r.root!.sfTerminate());
  t.true(Date.now() - ended < 4000, 'the program ended on SIGTERM');
  t.is((await r.terminated).type, 'normal');
  t.deepEqual(recorder.events.filter((e) => e.event === 'output').map((e) => e.text), [], 'no "Terminated" from the shell');
  t.false(alive(supervisor));
  t.deepEqual(execFiles(data), []);
});
