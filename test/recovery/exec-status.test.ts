/**
 * `frog run --data DIR` with the real binary, killed with SIGKILL while an Exec's program runs:
 * the program runs under its supervisor, outlives the peer (its output goes to files, not to
 * the dead peer's pipe), and the recovered Exec learns its exit status from the status file:
 * exit 7 fails the run, exit 0 ends it normally, no status at all (the supervisor killed too)
 * is "exit status unknown", never a success. The program is never started twice.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import { alive, frog, removeDir, tempDir, type LineProcess } from '../support/recovery.js';

const EXEC = (command: string) => `#include "/frog/components.sf"
sfConfig extends Exec { shell true; command ${JSON.stringify(command)}; }
`;

interface Failed {
  record: { type: string; reason: string };
}

/** The pid of the supervisor (the process group leader) from the `started` log event. */
async function programPid(p: LineProcess): Promise<number> {
  const e = await p.waitFor<{ text: string }>((l) => l.event === 'log' && l.subject === 'sfConfig' && /^started .*\(pid \d+\)/.test(String(l.text)));
  return Number(/\(pid (\d+)\)/.exec(e.text)![1]);
}

/** The exit code, or 'hung' after `ms` (then the process is killed). */
async function exitOf(p: LineProcess, ms = 30_000): Promise<number | null | 'hung'> {
  const r = await Promise.race([p.exited, new Promise<'hung'>((res) => setTimeout(() => res('hung'), ms))]);
  if (r === 'hung') await p.kill('SIGKILL');
  return r;
}

/** Shell: waits (at most 60 s) until the test creates `go`, so that the program ends only once the recovered peer watches it. */
const WAIT_GO = 'i=0; while [ ! -e go ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done';
const go = (dir: string) => fs.writeFileSync(path.join(dir, 'go'), '');

const runs = (dir: string) => (fs.existsSync(path.join(dir, 'runs.txt')) ? fs.readFileSync(path.join(dir, 'runs.txt'), 'utf8').trim().split('\n') : []);
const execFiles = (dir: string) => (fs.existsSync(path.join(dir, 'data', 'exec')) ? fs.readdirSync(path.join(dir, 'data', 'exec')) : []);

/** Kills `pid`'s process group at teardown, in case a test failed half-way. */
function killGroupLater(t: { teardown(fn: () => void): void }, pid: () => number): void {
  t.teardown(() => {
    try {
      if (pid() > 0) process.kill(-pid(), 'SIGKILL');
    } catch {
      // Gone, as it should be.
    }
  });
}

/** Starts `frog run --data`, waits for the program to run, and kills the peer with SIGKILL. */
async function startAndKill(dir: string): Promise<number> {
  const first = frog(['run', '--json', '--data', 'data', 'app.sf'], dir);
  const pid = await programPid(first);
  await first.waitFor((l) => l.event === 'running' && l.subject === 'sfConfig');
  await first.kill('SIGKILL');
  return pid;
}

test('an adopted Exec whose program exits 7 after the peer was killed fails the recovered run with code 7, run once', async (t) => {
  t.timeout(90_000);
  const dir = tempDir();
  t.teardown(() => removeDir(dir));
  let pid = 0;
  killGroupLater(t, () => pid);
  fs.writeFileSync(path.join(dir, 'app.sf'), EXEC(`echo run >> runs.txt; ${WAIT_GO}; exit 7`));
  pid = await startAndKill(dir);
  t.true(alive(pid), 'the program outlives the killed peer');
  const second = frog(['run', '--json', '--data', 'data', 'app.sf'], dir);
  const adopted = await second.waitFor<{ text: string }>((l) => l.event === 'log' && String(l.text).startsWith('adopted'));
  t.regex(adopted.text, new RegExp(`\\(pid ${pid}\\)`));
  go(dir);
  t.is(await exitOf(second), 2, second.stderr);
  const failed = second.lines.find((l) => (l as { event?: string }).event === 'failed') as Failed | undefined;
  t.is(failed?.record.type, 'abnormal');
  t.is(failed?.record.reason, '`/bin/sh` exited with code 7');
  t.deepEqual(runs(dir), ['run'], 'the program was not started a second time');
  t.deepEqual(execFiles(dir), [], 'the status and output files are removed');
});

test('a program that writes after its peer died is not killed by SIGPIPE: it exits 0 and the recovered run ends normally', async (t) => {
  t.timeout(90_000);
  const dir = tempDir();
  t.teardown(() => removeDir(dir));
  let pid = 0;
  killGroupLater(t, () => pid);
  fs.writeFileSync(path.join(dir, 'app.sf'), EXEC(`echo run >> runs.txt; echo before; ${WAIT_GO}; echo done; echo done >&2; echo finished > after.txt; exit 0`));
  pid = await startAndKill(dir);
  go(dir);
  // The program writes its output while no peer is there to read it.
  for (let i = 0; i < 250 && alive(pid); i++) await new Promise((r) => setTimeout(r, 20));
  t.false(alive(pid), 'the program has finished while the peer was down');
  t.is(fs.readFileSync(path.join(dir, 'after.txt'), 'utf8'), 'finished\n', 'the program ran to its end');
  const second = frog(['run', '--json', '--data', 'data', 'app.sf'], dir);
  t.is(await exitOf(second), 0, second.stderr);
  const terminated = second.lines.find((l) => (l as { event?: string }).event === 'terminated') as Failed | undefined;
  t.is(terminated?.record.reason, '`/bin/sh` exited with code 0');
  const output = second.lines.filter((l) => (l as { event?: string }).event === 'output').map((l) => `${(l as { stream: string }).stream} ${(l as { text: string }).text}`);
  t.true(output.includes('stdout done') && output.includes('stderr done'), `the output written after the crash is shown: ${JSON.stringify(output)}`);
  t.deepEqual(runs(dir), ['run']);
  t.deepEqual(execFiles(dir), []);
});

test('an adopted program that prints after the peer died, recovered while it runs, exits 0 and the run ends normally', async (t) => {
  t.timeout(90_000);
  const dir = tempDir();
  t.teardown(() => removeDir(dir));
  let pid = 0;
  killGroupLater(t, () => pid);
  fs.writeFileSync(path.join(dir, 'app.sf'), EXEC(`echo run >> runs.txt; ${WAIT_GO}; echo done; exit 0`));
  pid = await startAndKill(dir);
  const second = frog(['run', '--json', '--data', 'data', 'app.sf'], dir);
  await second.waitFor((l) => l.event === 'log' && String(l.text).startsWith('adopted'));
  go(dir);
  await second.waitFor((l) => l.event === 'output' && l.text === 'done');
  t.is(await exitOf(second), 0, second.stderr);
  t.deepEqual(runs(dir), ['run']);
});

test('an adopted program whose supervisor is killed too ends with "exit status unknown", not a success', async (t) => {
  t.timeout(90_000);
  const dir = tempDir();
  t.teardown(() => removeDir(dir));
  let pid = 0;
  killGroupLater(t, () => pid);
  fs.writeFileSync(path.join(dir, 'app.sf'), EXEC('echo run >> runs.txt; sleep 30; exit 0'));
  pid = await startAndKill(dir);
  const second = frog(['run', '--json', '--data', 'data', 'app.sf'], dir);
  await second.waitFor((l) => l.event === 'log' && String(l.text).startsWith('adopted'));
  process.kill(-pid, 'SIGKILL'); // the supervisor and its program: nothing records a status
  t.is(await exitOf(second), 2, second.stderr);
  const failed = second.lines.find((l) => (l as { event?: string }).event === 'failed') as Failed | undefined;
  t.is(failed?.record.type, 'abnormal');
  t.regex(failed?.record.reason ?? '', /exit status unknown/);
  t.deepEqual(runs(dir), ['run'], 'not started again');
  t.deepEqual(execFiles(dir), []);
});

test('a program that exits 7 while the peer is down fails the recovered run with code 7, without running again', async (t) => {
  t.timeout(90_000);
  const dir = tempDir();
  t.teardown(() => removeDir(dir));
  let pid = 0;
  killGroupLater(t, () => pid);
  fs.writeFileSync(path.join(dir, 'app.sf'), EXEC(`echo run >> runs.txt; ${WAIT_GO}; exit 7`));
  pid = await startAndKill(dir);
  go(dir);
  for (let i = 0; i < 250 && alive(pid); i++) await new Promise((r) => setTimeout(r, 20));
  t.false(alive(pid));
  const second = frog(['run', '--json', '--data', 'data', 'app.sf'], dir);
  t.is(await exitOf(second), 2, second.stderr);
  const failed = second.lines.find((l) => (l as { event?: string }).event === 'failed') as Failed | undefined;
  t.is(failed?.record.reason, '`/bin/sh` exited with code 7');
  t.deepEqual(runs(dir), ['run']);
  t.deepEqual(execFiles(dir), []);
});

test('restart on-failure applies to an adopted program that exits 7', async (t) => {
  t.timeout(90_000);
  const dir = tempDir();
  t.teardown(() => removeDir(dir));
  let pid = 0;
  killGroupLater(t, () => pid);
  fs.writeFileSync(
    path.join(dir, 'app.sf'),
    `#include "/frog/components.sf"
sfConfig extends Exec { shell true; restart "on-failure"; restartDelay 10; command ${JSON.stringify(`echo run >> runs.txt; if [ -e ok ]; then exit 0; fi; touch ok; ${WAIT_GO}; exit 7`)}; }
`,
  );
  pid = await startAndKill(dir);
  const second = frog(['run', '--json', '--data', 'data', 'app.sf'], dir);
  await second.waitFor((l) => l.event === 'log' && String(l.text).startsWith('adopted'));
  go(dir);
  t.is(await exitOf(second), 0, second.stderr);
  t.true(second.lines.some((l) => (l as { event?: string; text?: string }).event === 'log' && /exited with code 7; restarting/.test(String((l as { text?: string }).text))));
  t.deepEqual(runs(dir), ['run', 'run']);
});

test('a program whose supervisor was killed while the peer was down is stopped, and its exit status is unknown', async (t) => {
  t.timeout(90_000);
  const dir = tempDir();
  t.teardown(() => removeDir(dir));
  let pid = 0;
  killGroupLater(t, () => pid);
  fs.writeFileSync(path.join(dir, 'app.sf'), EXEC('echo run >> runs.txt; echo $$ > program.pid; sleep 30; exit 0'));
  pid = await startAndKill(dir);
  const pidFile = path.join(dir, 'program.pid');
  for (let i = 0; i < 250 && !(fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').endsWith('\n')); i++) await new Promise((r) => setTimeout(r, 20));
  const program = Number(fs.readFileSync(pidFile, 'utf8').trim());
  process.kill(pid, 'SIGKILL'); // the supervisor alone: its program goes on, with no one to record its status
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 20));
  t.true(alive(program));
  const second = frog(['run', '--json', '--data', 'data', 'app.sf'], dir);
  t.is(await exitOf(second), 2, second.stderr);
  const failed = second.lines.find((l) => (l as { event?: string }).event === 'failed') as Failed | undefined;
  t.regex(failed?.record.reason ?? '', /exit status unknown/);
  for (let i = 0; i < 100 && alive(program); i++) await new Promise((r) => setTimeout(r, 20));
  t.false(alive(program), 'the program left by the killed supervisor is stopped');
  t.deepEqual(runs(dir), ['run'], 'never two');
});
