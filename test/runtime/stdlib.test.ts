/** The real standard components: File, Directory, Exec, HttpProbe and the conditions, with the real clock. */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { ComponentHost, EventRecorder } from '../../runtime/index.js';
import { c, lazy, plan, testRegistry } from '../support/runtime.js';

function realHost(dir: string) {
  const host = new ComponentHost({ registry: testRegistry(), peer: 'test', workingDirectory: dir, liveness: { delay: 0 } });
  return { host, recorder: new EventRecorder(host.events) };
}

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'frog-stdlib-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Running (a zombie left for an init that does not reap counts as dead). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true;
  }
}

test('File writes atomically with its mode and fills a template from attributes', async (t) => {
  const dir = tempDir(t);
  const { host } = realHost(dir);
  const r = await host.deploy(plan(c('Sequence', { name: 'frog', port: 80 }, {
    dirs: c('Directory', { path: 'out/deep' }),
    file: c('File', { path: 'out/deep/conf.txt', content: 'name=${name} port=${PARENT:port} mode=${mode}\n', template: true, mode: '0600' }),
  })));
  t.is((await r.terminated).type, 'normal');
  const file = join(dir, 'out/deep/conf.txt');
  t.is(readFileSync(file, 'utf8'), 'name=frog port=80 mode=0600\n');
  t.is(statSync(file).mode & 0o777, 0o600);
  t.deepEqual(readdirSync(join(dir, 'out/deep')), ['conf.txt']);
});

test('File rejects a bad mode with SF4004 and leaves nothing behind', async (t) => {
  const dir = tempDir(t);
  const { host } = realHost(dir);
  const r = await host.deploy(plan(c('File', { path: 'x.txt', mode: 'rw-r--r--' })));
  const record = await r.terminated;
  t.is(record.cause?.code, 'SF4004');
  t.false(existsSync(join(dir, 'x.txt')));
});

test('Exec passes arguments and environment, streams output as events, and maps the exit code', async (t) => {
  const dir = tempDir(t);
  const { host, recorder } = realHost(dir);
  const r = await host.deploy(plan(c('Exec', {
    command: 'printf "%s|%s|%s\\n" "$1" "$GREETING" "$PWD"; echo oops >&2; exit 3',
    shell: true,
    arguments: ['first'],
    environment: { $cd: [['GREETING', 'hi']] },
    directory: '.',
  })));
  const record = await r.terminated;
  t.deepEqual([record.type, record.reason], ['abnormal', '`/bin/sh` exited with code 3']);
  t.true(recorder.trace().includes(`output sfConfig stdout ${JSON.stringify(`first|hi|${dir}`)}`));
  t.true(recorder.trace().includes('output sfConfig stderr "oops"'));
});

test('Exec writes to a log file when asked, and a missing program fails at start', async (t) => {
  const dir = tempDir(t);
  const { host } = realHost(dir);
  const r = await host.deploy(plan(c('Exec', { command: 'echo', arguments: ['to the log'], stdout: 'logs/out.log' })));
  t.is((await r.terminated).type, 'normal');
  t.is(readFileSync(join(dir, 'logs/out.log'), 'utf8'), 'to the log\n');
  const missing = await host.deploy(plan(c('Exec', { command: 'no-such-program-frog' })));
  t.regex((await missing.terminated).reason, /start failed: cannot run `no-such-program-frog`: spawn no-such-program-frog ENOENT/);
});

test('Exec restarts a failing program up to maxRestarts, each run told its number', async (t) => {
  const dir = tempDir(t);
  const { host, recorder } = realHost(dir);
  const r = await host.deploy(plan(c('Exec', { command: 'echo run $FROG_EXEC_RUN; exit 1', shell: true, restart: 'on-failure', maxRestarts: 2, restartDelay: 10 })));
  const record = await r.terminated;
  t.is(record.type, 'abnormal');
  t.deepEqual(recorder.events.filter((e) => e.event === 'output').map((e) => e.text), ['run 0', 'run 1', 'run 2']);
});

test('terminating Exec kills its whole process tree', async (t) => {
  const dir = tempDir(t);
  const { host } = realHost(dir);
  // The shell starts a grandchild that ignores nothing and would outlive a plain kill of the shell.
  const r = await host.deploy(plan(c('Exec', { command: 'sleep 60 & echo $! > child.pid; wait', shell: true, killTimeout: 2000 })));
  let pid = 0;
  for (let i = 0; i < 100 && !pid; i++) {
    await new Promise((res) => setTimeout(res, 20));
    if (existsSync(join(dir, 'child.pid'))) pid = Number(readFileSync(join(dir, 'child.pid'), 'utf8').trim());
  }
  t.true(pid > 0 && alive(pid));
  await r.root!.sfTerminate();
  for (let i = 0; i < 50 && alive(pid); i++) await new Promise((res) => setTimeout(res, 20));
  t.false(alive(pid), 'the grandchild survived');
  t.is((await r.terminated).type, 'normal');
});

function listen(handler: (status: { code: number }) => void = () => undefined): Promise<{ server: Server; port: number; status: { code: number } }> {
  const status = { code: 200 };
  handler(status);
  const server = createServer((_req, res) => {
    res.writeHead(status.code);
    res.end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port, status })));
}

test('HttpProbe stays running while the service answers, and fails when it stops answering', async (t) => {
  const dir = tempDir(t);
  const { host } = realHost(dir);
  const { server, port, status } = await listen();
  t.teardown(() => server.close());
  const r = await host.deploy(plan(c('HttpProbe', { url: `http://127.0.0.1:${port}/health`, interval: 20, failureThreshold: 2, startupTimeout: 0 })));
  await new Promise((res) => setTimeout(res, 150));
  t.is(r.root!.state, 'running');
  status.code = 503;
  const record = await r.terminated;
  t.is(record.type, 'abnormal');
  t.is(record.reason, `HTTP probe of http://127.0.0.1:${port}/health failed 2 times in a row: status 503`);
});

test('WaitFor with real conditions: FileExists, PortOpen, UrlResponds', async (t) => {
  const dir = tempDir(t);
  const { host } = realHost(dir);
  const { server, port } = await listen();
  t.teardown(() => server.close());
  const conditions = {
    file: c('WaitFor', { interval: 10, timeout: 2000 }, { condition: c('FileExists', { file: 'flag' }), then: c('Echo', { message: 'file' }) }),
    port: c('WaitFor', { interval: 10, timeout: 2000 }, { condition: c('PortOpen', { port }), then: c('Echo', { message: 'port' }) }),
    url: c('WaitFor', { interval: 10, timeout: 2000 }, { condition: c('UrlResponds', { url: lazy('ROOT:url') }), then: c('Echo', { message: 'url' }) }),
    closed: c('WaitFor', { interval: 10, timeout: 100 }, { condition: c('PortOpen', { port: 1 }), then: c('Echo', { message: 'wrong' }), else: c('Echo', { message: 'closed' }) }),
  };
  const r = await host.deploy(plan(c('Parallel', { url: `http://127.0.0.1:${port}/` }, conditions)));
  setTimeout(() => void import('node:fs').then((fs) => fs.writeFileSync(join(dir, 'flag'), '')), 50);
  const record = await r.terminated;
  t.is(record.type, 'normal', record.reason);
});

test('Directory gives a new and an existing folder its mode, whatever the umask', async (t) => {
  const dir = tempDir(t);
  const { host } = realHost(dir);
  const before = process.umask(0o022);
  t.teardown(() => void process.umask(before));
  mkdirSync(join(dir, 'old'), { mode: 0o700 });
  const r = await host.deploy(plan(c('Sequence', {}, {
    fresh: c('Directory', { path: 'fresh/deep', mode: '0777' }),
    old: c('Directory', { path: 'old', mode: '0750' }),
  })));
  t.is((await r.terminated).type, 'normal');
  t.is(statSync(join(dir, 'fresh/deep')).mode & 0o777, 0o777);
  t.is(statSync(join(dir, 'old')).mode & 0o777, 0o750);
});

/** Waits (bounded) until `pid.txt`-style file `name` in `dir` holds a pid. */
async function pidFrom(dir: string, name: string): Promise<number> {
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

test('Exec ends when its program exits, not when a background process it left lets go of stdout; that process is stopped', async (t) => {
  const dir = tempDir(t);
  const { host, recorder } = realHost(dir);
  killLater(t, dir, 'bg.pid');
  // The background sleep holds the output pipes for 300 s after the shell has exited.
  const r = await host.deploy(plan(c('Exec', { command: 'sleep 300 & echo $! > bg.pid; echo started; printf partial; exit 0', shell: true, killTimeout: 2000 })));
  const outcome = await Promise.race([r.terminated, new Promise<'still running'>((res) => setTimeout(() => res('still running'), 30_000))]);
  t.not(outcome, 'still running', 'Exec waited for the background process');
  if (outcome === 'still running') return;
  t.deepEqual([outcome.type, outcome.reason], ['normal', '`/bin/sh` exited with code 0']);
  t.deepEqual(recorder.events.filter((e) => e.event === 'output').map((e) => e.text), ['started', 'partial']);
  const bg = await pidFrom(dir, 'bg.pid');
  t.true(bg > 0);
  for (let i = 0; i < 50 && alive(bg); i++) await new Promise((res) => setTimeout(res, 20));
  t.false(alive(bg), 'the background process outlived the component');
});

test('an Exec whose program has exited still stops what the program left running when it is terminated', async (t) => {
  const dir = tempDir(t);
  const { host } = realHost(dir);
  killLater(t, dir, 'bg.pid');
  const r = await host.deploy(plan(c('Exec', { command: 'sleep 300 > /dev/null 2>&1 & echo $! > bg.pid; exit 0', shell: true, sfShouldTerminate: false, killTimeout: 2000 })));
  const bg = await pidFrom(dir, 'bg.pid');
  t.true(bg > 0 && alive(bg));
  const program = r.root!.rawAttribute('sfExecPid') as number;
  for (let i = 0; i < 250 && alive(program); i++) await new Promise((res) => setTimeout(res, 20));
  t.false(alive(program), 'the program itself has exited');
  await new Promise((res) => setTimeout(res, 300));
  t.is(r.root!.state, 'running');
  t.true(alive(bg));
  await r.root!.sfTerminate();
  for (let i = 0; i < 50 && alive(bg); i++) await new Promise((res) => setTimeout(res, 20));
  t.false(alive(bg), 'the background process outlived the component');
  t.is((await r.terminated).type, 'normal');
});

test('HttpProbe under liveness pings tolerates failures below failureThreshold', async (t) => {
  const dir = tempDir(t);
  const { host, recorder } = realHost(dir);
  // Nothing listens on port 1: every probe fails. Liveness pings every second.
  const r = await host.deploy(plan(c('Compound', { sfLivenessDelay: 1 }, {
    probe: c('HttpProbe', { url: 'http://127.0.0.1:1/', failureThreshold: 100, interval: 200, startupTimeout: 0 }),
  })));
  const probe = host.find('sfConfig:probe')!;
  const pinged = probe.lastPinged;
  const failures = () => recorder.events.filter((e) => e.event === 'log' && /no answer \(\d+\/100\)/.test(String(e.text))).length;
  // Bounded: until the probe has failed a few times and a liveness ping came after that.
  for (let i = 0; i < 100 && !(failures() >= 3 && probe.lastPinged > pinged) && !r.root!.isTerminating; i++) await new Promise((res) => setTimeout(res, 50));
  await new Promise((res) => setTimeout(res, 1200));
  t.true(failures() >= 3);
  t.true(probe.lastPinged > pinged, 'no liveness ping reached the probe');
  t.is(r.root!.state, 'running', r.root!.record?.reason);
  await r.root!.sfTerminate();
});

test('Exec with relativeTo "description" resolves its directory and log files against the description\'s folder', async (t) => {
  const dir = tempDir(t);
  const { host, recorder } = realHost(dir);
  mkdirSync(join(dir, 'app', 'scripts'), { recursive: true });
  const source = join(dir, 'app', 'app.sf');
  const r = await host.deploy(plan(c('Sequence', {}, {
    here: c('Exec', { command: 'pwd', relativeTo: 'description', directory: 'scripts' }),
    logged: c('Exec', { command: 'echo', arguments: ['logged'], relativeTo: 'description', stdout: 'logs/out.log' }),
    cwd: c('Exec', { command: 'pwd' }),
  }), 'test', source));
  t.is((await r.terminated).type, 'normal');
  t.deepEqual(recorder.events.filter((e) => e.event === 'output').map((e) => e.text), [join(dir, 'app', 'scripts'), dir]);
  t.is(readFileSync(join(dir, 'app', 'logs', 'out.log'), 'utf8'), 'logged\n');
  const bad = await host.deploy(plan(c('Exec', { command: 'true', relativeTo: 'elsewhere' })));
  t.is((await bad.terminated).cause?.code, 'SF4004');
});
