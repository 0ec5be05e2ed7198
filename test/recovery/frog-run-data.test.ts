/**
 * `frog run --data DIR FILE` with the real binary, killed with SIGKILL: a Sequence
 * resumes at the step it was in, an Exec adopts its program or starts it again (never two),
 * the same plan is recovered rather than deployed twice, another plan is refused unless
 * `--replace`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import { alive, frog, removeDir, tempDir, type LineProcess } from '../support/recovery.js';

const SEQUENCE = (sleep: number) => `#include "/frog/components.sf"
sfConfig extends Sequence {
    one extends Exec { shell true; command "echo one >> log.txt"; }
    two extends Exec { shell true; command "echo two >> log.txt"; }
    three extends Exec { shell true; command "echo three $FROG_EXEC_RUN >> log.txt; sleep ${sleep}; echo three-done >> log.txt"; }
    four extends Exec { shell true; command "echo four >> log.txt"; }
}
`;

const lines = (dir: string) => (fs.existsSync(path.join(dir, 'log.txt')) ? fs.readFileSync(path.join(dir, 'log.txt'), 'utf8').trim().split('\n') : []);

/** The pid of the program of `subject` from the `log` events of `frog run --json`. */
async function programPid(p: LineProcess, subject: string): Promise<number> {
  const e = await p.waitFor<{ text: string }>((l) => l.event === 'log' && l.subject === subject && /\(pid \d+\)/.test(String(l.text)));
  return Number(/\(pid (\d+)\)/.exec(e.text)![1]);
}

test('a Sequence killed in its third step resumes at the third step; the running Exec is adopted, not run twice', async (t) => {
  t.timeout(90_000);
  const dir = tempDir();
  t.teardown(() => removeDir(dir));
  fs.writeFileSync(path.join(dir, 'seq.sf'), SEQUENCE(10));
  const first = frog(['run', '--json', '--data', 'data', 'seq.sf'], dir);
  const pid = await programPid(first, 'sfConfig:three');
  await first.waitFor((l) => l.event === 'running' && l.subject === 'sfConfig:three');
  await first.kill('SIGKILL');
  t.true(alive(pid), 'the program of step three outlives the killed peer');
  const second = frog(['run', '--json', '--data', 'data', 'seq.sf'], dir);
  const recovered = await second.waitFor<{ lastShutdown: string }>((l) => l.event === 'recovered' && l.subject === 'sfConfig:three');
  t.is(recovered.lastShutdown, 'crash');
  await second.waitFor((l) => l.event === 'log' && l.subject === 'sfConfig:three' && String(l.text).startsWith('adopted'));
  t.is(await second.exited, 0, second.stderr);
  t.deepEqual(lines(dir), ['one', 'two', 'three 0', 'three-done', 'four']);
  const created = second.lines.filter((l) => (l as { event?: string }).event === 'deploying').map((l) => (l as { subject: string }).subject);
  t.deepEqual(created, ['sfConfig:four'], 'steps one to three are not created again');
});

test('an Exec whose program died with the peer is started again on recovery, once', async (t) => {
  t.timeout(90_000);
  const dir = tempDir();
  t.teardown(() => removeDir(dir));
  fs.writeFileSync(path.join(dir, 'seq.sf'), SEQUENCE(2));
  const first = frog(['run', '--json', '--data', 'data', 'seq.sf'], dir);
  const pid = await programPid(first, 'sfConfig:three');
  await first.waitFor((l) => l.event === 'running' && l.subject === 'sfConfig:three');
  await first.kill('SIGKILL');
  process.kill(-pid, 'SIGKILL'); // the program dies too (a reboot, say)
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 20));
  const second = frog(['run', '--json', '--data', 'data', 'seq.sf'], dir);
  const newPid = await programPid(second, 'sfConfig:three');
  t.not(newPid, pid);
  t.is(await second.exited, 0, second.stderr);
  // The recovered run is `FROG_EXEC_RUN` 0 of the new incarnation: restarted once, never two at a time.
  t.deepEqual(lines(dir), ['one', 'two', 'three 0', 'three 0', 'three-done', 'four']);
});

const IDLE = (label: string) => `#include "/frog/components.sf"
sfConfig extends Compound {
    label "${label}";
    idle extends DoNothing { }
}
`;

test('frog run --data twice with the same plan recovers; another plan is refused unless --replace', async (t) => {
  t.timeout(90_000);
  const dir = tempDir();
  t.teardown(() => removeDir(dir));
  fs.writeFileSync(path.join(dir, 'app.sf'), IDLE('first'));
  const first = frog(['run', '--json', '--data', 'data', 'app.sf'], dir);
  await first.waitFor((l) => l.event === 'running' && l.subject === 'sfConfig');
  await first.kill('SIGKILL');

  const again = frog(['run', '--json', '--data', 'data', 'app.sf'], dir);
  await again.waitFor((l) => l.event === 'running' && l.subject === 'sfConfig');
  t.true(again.lines.some((l) => (l as { event?: string }).event === 'recovered'), 'recovered');
  t.false(again.lines.some((l) => (l as { event?: string }).event === 'deploying'), 'not deployed a second time');
  t.is(await again.kill('SIGTERM'), 143);

  fs.writeFileSync(path.join(dir, 'app.sf'), IDLE('second'));
  const refused = frog(['run', '--data', 'data', 'app.sf'], dir);
  t.is(await refused.exited, 1);
  t.regex(refused.stderr, /SF4808/);
  t.regex(refused.stderr, /--replace/);
  t.notRegex(refused.stderr, /\n\s+at /, 'no stack trace');

  const replaced = frog(['run', '--json', '--data', 'data', '--replace', 'app.sf'], dir);
  await replaced.waitFor((l) => l.event === 'running' && l.subject === 'sfConfig');
  t.false(replaced.lines.some((l) => (l as { event?: string }).event === 'recovered'));
  t.is(await replaced.kill('SIGTERM'), 143);

  // The planned stop was recorded as such, and the replacement is what comes back.
  const last = frog(['run', '--json', '--data', 'data', 'app.sf'], dir);
  const r = await last.waitFor<{ lastShutdown: string }>((l) => l.event === 'recovered' && l.subject === 'sfConfig');
  t.is(r.lastShutdown, 'clean');
  t.is(await last.kill('SIGTERM'), 143);
});

test('frog run --data with a directory in use by another peer is refused with a clear message', async (t) => {
  t.timeout(60_000);
  const dir = tempDir();
  t.teardown(() => removeDir(dir));
  fs.writeFileSync(path.join(dir, 'app.sf'), IDLE('x'));
  const owner = frog(['run', '--json', '--data', 'data', 'app.sf'], dir);
  await owner.waitFor((l) => l.event === 'running' && l.subject === 'sfConfig');
  const second = frog(['run', '--data', 'data', 'app.sf'], dir);
  t.is(await second.exited, 1);
  t.regex(second.stderr, /SF4801/);
  t.notRegex(second.stderr, /\n\s+at /);
  await owner.kill('SIGTERM');
});

test('frog peer --data recovers what a killed frog run recorded, and records a clean stop on SIGTERM', async (t) => {
  t.timeout(90_000);
  const dir = tempDir();
  t.teardown(() => removeDir(dir));
  fs.writeFileSync(path.join(dir, 'app.sf'), IDLE('peer'));
  const run = frog(['run', '--json', '--data', 'data', 'app.sf'], dir);
  await run.waitFor((l) => l.event === 'running' && l.subject === 'sfConfig');
  await run.kill('SIGKILL');
  const key = frog(['key', 'generate', 'group.key'], dir);
  t.is(await key.exited, 0, key.stderr);
  const peer = frog(['peer', '--name', 'p1', '--data', 'data', '--events', 'json', '--group', '239.255.42.77:47611', '--key-file', 'group.key'], dir);
  const summary = await peer.waitFor<{ components: number; lastShutdown: string; applications: string[] }>((l) => l.event === 'recovery');
  t.is(summary.lastShutdown, 'crash');
  t.deepEqual(summary.applications, ['app']);
  t.is(summary.components, 2);
  await peer.waitFor((l) => l.event === 'running' && l.subject === 'sfConfig');
  t.is(await peer.kill('SIGTERM'), 0, peer.stderr);
  const again = frog(['run', '--json', '--data', 'data', 'app.sf'], dir);
  const r = await again.waitFor<{ lastShutdown: string; shutdownReason: string }>((l) => l.event === 'recovered' && l.subject === 'sfConfig');
  t.is(r.lastShutdown, 'clean');
  t.is(r.shutdownReason, 'SIGTERM');
  t.is(await again.kill('SIGTERM'), 143);
});

test('frog peer stopped (SIGTERM) with an application mid-deployment exits within its bound', async (t) => {
  t.timeout(90_000);
  const dir = tempDir();
  t.teardown(() => removeDir(dir));
  fs.writeFileSync(
    path.join(dir, 'far.sf'),
    `#include "/frog/components.sf"
sfConfig extends Compound {
    here extends DoNothing { }
    there extends DoNothing { sfProcessHost "nowhere"; }
}
`,
  );
  const key = frog(['key', 'generate', 'group.key'], dir);
  t.is(await key.exited, 0, key.stderr);
  const peer = frog(['peer', '--name', 'p1', '--data', 'data', '--events', 'json', '--group', '239.255.42.77:47613', '--listen', '127.0.0.1:0', '--key-file', 'group.key'], dir);
  const listening = await peer.waitFor<{ control: string }>((l) => l.event === 'listening');
  // The client waits for the outcome: its request is in flight while the peer stops.
  const deploy = frog(['deploy', 'far.sf', '--peer', listening.control, '--key-file', 'group.key'], dir);
  // The placement on `nowhere` waits (60 s by default): the application is mid-deployment.
  await peer.waitFor((l) => l.event === 'deploying' && l.subject === 'sfConfig:there');
  const started = Date.now();
  const code = await Promise.race([peer.kill('SIGTERM'), new Promise<string>((r) => setTimeout(() => r('still running'), 20_000))]);
  if (code === 'still running') await peer.kill('SIGKILL');
  t.is(code, 0, peer.stderr);
  t.true(Date.now() - started < 15_000, `exited after ${Date.now() - started} ms`);
  // The waiting client is told, and does not report success.
  t.not(await deploy.exited, 0, deploy.stdout);
});

/** Pids of processes whose command line has `marker` (our programs, whoever started them). */
function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (cmd[0]?.endsWith('sleep') && cmd.includes(marker)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

test('frog run --data killed at any moment of a deployment of ten programs comes back with each program running exactly once', async (t) => {
  t.timeout(150_000);
  const base = 400_000 + Math.floor(Math.random() * 100_000);
  const children = Array.from({ length: 10 }, (_, i) => `    p${i} extends Exec { command "sleep"; arguments [| "${base + i}" |]; }`).join('\n');
  const cleanup: string[] = [];
  t.teardown(() => {
    for (let i = 0; i < 10; i++) for (const pid of processesWith(String(base + i))) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    for (const d of cleanup) removeDir(d);
  });
  for (const killAfterMs of [40, 120, 300]) {
    const dir = tempDir();
    cleanup.push(dir);
    fs.writeFileSync(path.join(dir, 'ten.sf'), `#include "/frog/components.sf"\nsfConfig extends Compound {\n${children}\n}\n`);
    const first = frog(['run', '--json', '--data', 'data', 'ten.sf'], dir);
    await first.waitFor((l) => l.event === 'deploying' && l.subject === 'sfConfig');
    await new Promise((r) => setTimeout(r, killAfterMs));
    await first.kill('SIGKILL');
    const second = frog(['run', '--json', '--data', 'data', 'ten.sf'], dir);
    await second.waitFor((l) => l.event === 'running' && l.subject === 'sfConfig', 60_000);
    // Adopted or started again, never both, never missing. (A supervised program's own process
    // follows its supervisor's by a moment, longer on a loaded machine: waited for, bounded.)
    const count = () => Array.from({ length: 10 }, (_, i) => processesWith(String(base + i)).length);
    for (let waited = 0; waited < 15_000 && count().some((n) => n === 0); waited += 100) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 300));
    const counts = count();
    t.deepEqual(counts, Array(10).fill(1), `killed ${killAfterMs} ms into the deployment: ${counts.join(' ')}`);
    await second.kill('SIGKILL');
    for (let i = 0; i < 10; i++) for (const pid of processesWith(String(base + i))) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
});
