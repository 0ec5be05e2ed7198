/**
 * Exec: runs a program.
 *
 * Attributes:
 * - `command` (String, required): the program; with `shell true`, a shell command line
 *   run by `/bin/sh -c` (then `arguments` become `$1`...).
 * - `arguments` (vector, default []), `directory` (working directory, relative to the host's),
 * - `environment` (a description of NAME value pairs, or a vector of "NAME=value"),
 *   `inheritEnvironment` (true). The program also gets `FROG_EXEC_RUN`: 0 for the first run,
 *   1 for the first restart, and so on.
 * - `stdout`, `stderr`: "events" (default: each line is an `output` event), "ignore", or
 *   the path of a log file to append to.
 * - `restart`: "never" (default), "on-failure" or "always"; `maxRestarts` (3);
 *   `restartDelay` (1000 ms).
 * - `killTimeout` (5000 ms): on termination the whole process group gets SIGTERM, then
 *   SIGKILL after this long.
 *
 * When the program exits (and is not restarted): exit code 0 ⇒ terminate normally (when
 * `sfShouldTerminate`, default true); anything else ⇒ terminate abnormally with the exit
 * code or signal in the reason.
 *
 * Recovery (woodfrog.md, issue 6): the component records `sfExecToken` (a random token,
 * durable before the first launch, also given to the program as `FROG_EXEC_TOKEN`),
 * `sfExecPid` and `sfExecStartTime` (the start time in clock ticks from /proc/<pid>/stat,
 * which tells a pid reused by another program apart). A recovered Exec adopts the program if
 * the same pid and start time are still running, or a process group leader carrying its
 * token (launched just before the crash, before its pid was recorded); otherwise it starts it
 * again: never two. An adopted program is not our child: it is watched by polling
 * /proc, its output is not captured and its exit status is unknown (treated as success).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, readFileSync, readdirSync, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve as resolvePath } from 'node:path';
import { Description } from '../compiler/values.js';
import { Prim } from '../runtime/component.js';
import { AttributeError, normalRecord } from '../runtime/lifecycle.js';
import type { ComponentRecord } from '../runtime/store/record.js';
import { valueText } from './echo.js';

type RestartPolicy = 'never' | 'on-failure' | 'always';

interface ExecConfig {
  program: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: string;
  stderr: string;
  restart: RestartPolicy;
  maxRestarts: number;
  restartDelay: number;
  killTimeout: number;
}

export class Exec extends Prim {
  protected override shouldTerminateByDefault = true;
  private config!: ExecConfig;
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private runs = 0;
  private stopping = false;
  private logs: WriteStream[] = [];
  /** The program adopted after recovery (not our child), with its start time. */
  private adopted?: { pid: number; start: number };

  /** Recovery found this component's record finished or orphaned: stop the program it left running. */
  static async finishRecovered(record: ComponentRecord): Promise<void> {
    const attrs = new Map(record.attributes);
    const found = findProgram(attrs.get('sfExecPid'), attrs.get('sfExecStartTime'), attrs.get('sfExecToken'));
    if (found) await stopProgram(found, 5000);
  }

  protected override async deploy(): Promise<void> {
    const command = this.resolveString('command');
    const args = this.resolveStringVector('arguments', []);
    const shell = this.resolveBoolean('shell', false);
    const restart = this.resolveString('restart', 'never');
    if (restart !== 'never' && restart !== 'on-failure' && restart !== 'always') {
      throw new AttributeError(`Attribute \`restart\` of \`${this.path}\` must be "never", "on-failure" or "always", found ${JSON.stringify(restart)}.`, this.path, 'SF4004');
    }
    this.config = {
      program: shell ? '/bin/sh' : command,
      args: shell ? ['-c', command, 'sh', ...args] : args,
      cwd: resolvePath(this.host.workingDirectory, this.resolveString('directory', '.')),
      env: this.environment(),
      stdout: this.resolveString('stdout', 'events'),
      stderr: this.resolveString('stderr', 'events'),
      restart,
      maxRestarts: this.resolveInteger('maxRestarts', 3),
      restartDelay: this.resolveNumber('restartDelay', 1000),
      killTimeout: this.resolveNumber('killTimeout', 5000),
    };
    // Made durable with the `deployed` checkpoint, before anything is launched.
    if (!this.hasAttribute('sfExecToken')) this.sfReplaceAttribute('sfExecToken', randomBytes(12).toString('hex'));
  }

  private environment(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = this.resolveBoolean('inheritEnvironment', true) ? { ...process.env } : {};
    if (!this.hasAttribute('environment')) return env;
    const v = this.sfResolve('environment');
    if (v instanceof Description) {
      for (const name of v.attrs.keys()) env[name] = valueText(this.lookup(`environment:${JSON.stringify(name)}`));
    } else if (Array.isArray(v)) {
      for (const item of this.resolveStringVector('environment')) {
        const eq = item.indexOf('=');
        if (eq <= 0) throw new AttributeError(`Attribute \`environment\` of \`${this.path}\` must hold "NAME=value" entries, found ${JSON.stringify(item)}.`, this.path, 'SF4004');
        env[item.slice(0, eq)] = item.slice(eq + 1);
      }
    } else {
      throw new AttributeError(`Attribute \`environment\` of \`${this.path}\` must be a description or a vector of "NAME=value", found ${valueText(v)}.`, this.path, 'SF4004');
    }
    return env;
  }

  protected override async start(): Promise<void> {
    for (const s of [this.config.stdout, this.config.stderr]) {
      if (s !== 'events' && s !== 'ignore') await mkdir(dirname(resolvePath(this.host.workingDirectory, s)), { recursive: true });
    }
    if (this.recovered) {
      const found = findProgram(this.rawAttribute('sfExecPid'), this.rawAttribute('sfExecStartTime'), this.rawAttribute('sfExecToken'));
      if (found) {
        this.adopt(found);
        return;
      }
      this.log('the program is no longer running: starting it again');
    }
    await this.launch();
  }

  /** Watches a program left running by the previous incarnation of the peer. */
  private adopt(p: { pid: number; start: number }): void {
    this.adopted = p;
    this.runs = Math.max(1, this.runs);
    if (this.rawAttribute('sfExecPid') !== p.pid) this.sfReplaceAttribute('sfExecPid', p.pid);
    if (this.rawAttribute('sfExecStartTime') !== p.start) this.sfReplaceAttribute('sfExecStartTime', p.start);
    this.log(`adopted \`${this.config.program}\` (pid ${p.pid}), still running from before the restart`);
    const poll = (): void => {
      if (this.isTerminating || this.adopted !== p) return;
      if (processStart(p.pid) === p.start) {
        this.setTimer(poll, 200);
        return;
      }
      this.adopted = undefined;
      if (this.stopping || this.isTerminating) return;
      if (this.config.restart === 'always' && this.runs - 1 < this.config.maxRestarts) {
        this.log(`adopted \`${this.config.program}\` has exited; restarting in ${this.config.restartDelay} ms`);
        this.setTimer(() => this.background(() => this.launch()), this.config.restartDelay);
        return;
      }
      this.finished(normalRecord(`adopted \`${this.config.program}\` (pid ${p.pid}) has exited (exit status unknown)`, this.path));
    };
    this.setTimer(poll, 200);
  }

  /** Spawns the program in its own process group, so that terminate can kill the whole tree. */
  private launch(): Promise<void> {
    const { program, args, cwd, env } = this.config;
    const run = this.runs++;
    return new Promise<void>((resolve, reject) => {
      let child: ChildProcess;
      try {
        const token = this.rawAttribute('sfExecToken');
        const extra: NodeJS.ProcessEnv = { FROG_EXEC_RUN: String(run) };
        if (typeof token === 'string') extra.FROG_EXEC_TOKEN = token;
        child = spawn(program, args, { cwd, env: { ...env, ...extra }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (e) {
        reject(e);
        return;
      }
      this.child = child;
      this.pipe(child, 'stdout', this.config.stdout);
      this.pipe(child, 'stderr', this.config.stderr);
      let spawned = false;
      child.once('spawn', () => {
        spawned = true;
        if (child.pid !== undefined) {
          this.sfReplaceAttribute('sfExecPid', child.pid);
          const start = processStart(child.pid);
          if (start !== undefined) this.sfReplaceAttribute('sfExecStartTime', start);
        }
        this.log(`started \`${program}\` (pid ${child.pid})`);
        resolve();
      });
      this.exited = new Promise<void>((done) => {
        child.once('error', (e) => {
          if (!spawned) reject(new Error(`cannot run \`${program}\`: ${e.message}`));
          done();
        });
        child.once('close', (code, signal) => {
          done();
          if (spawned) this.onExit(code, signal);
        });
      });
    });
  }

  private pipe(child: ChildProcess, stream: 'stdout' | 'stderr', target: string): void {
    const source = child[stream];
    if (!source) return;
    if (target === 'ignore') {
      source.resume();
      return;
    }
    if (target !== 'events') {
      const file = createWriteStream(resolvePath(this.host.workingDirectory, target), { flags: 'a' });
      file.on('error', (e) => this.log(`cannot write ${stream} to ${target}: ${e.message}`));
      this.logs.push(file);
      source.pipe(file, { end: false });
      return;
    }
    let pending = '';
    source.setEncoding('utf8');
    source.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) this.output(line.replace(/\r$/, ''), stream);
    });
    source.on('end', () => {
      if (pending) this.output(pending, stream);
      pending = '';
    });
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.child = undefined;
    if (this.stopping || this.isTerminating) return;
    const ok = code === 0;
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    const { restart, maxRestarts, restartDelay } = this.config;
    const restarts = this.runs - 1;
    if ((restart === 'always' || (restart === 'on-failure' && !ok)) && restarts < maxRestarts) {
      this.log(`\`${this.config.program}\` ${how}; restarting in ${restartDelay} ms (${restarts + 1}/${maxRestarts})`);
      this.setTimer(() => this.background(() => this.launch()), restartDelay);
      return;
    }
    if (ok) this.finished(normalRecord(`\`${this.config.program}\` exited with code 0`, this.path));
    else void this.sfTerminate({ type: 'abnormal', reason: `\`${this.config.program}\` ${how}`, path: this.path });
  }

  /** Kills the process group: SIGTERM, then SIGKILL after `killTimeout` ms. */
  protected override async terminate(): Promise<void> {
    this.stopping = true;
    const adopted = this.adopted;
    this.adopted = undefined;
    if (adopted) await stopProgram(adopted, this.config?.killTimeout ?? 5000);
    const child = this.child;
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      const pid = child.pid;
      signalGroup(pid, 'SIGTERM');
      let timer: ReturnType<typeof setTimeout> | undefined;
      const killed = new Promise<void>((r) => {
        timer = setTimeout(() => {
          signalGroup(pid, 'SIGKILL');
          r();
        }, this.config.killTimeout);
      });
      await Promise.race([this.exited, killed]);
      clearTimeout(timer);
      await this.exited;
    }
    // The group may hold grandchildren that outlived the program itself.
    if (child?.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
    // The log files are complete once the component has terminated.
    await Promise.all(this.logs.map((l) => new Promise<void>((r) => (l.writableFinished ? r() : l.end(() => r())))));
  }

  /** Alive while the program runs or a restart is pending. */
  protected override async ping(): Promise<void> {}
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

/** The start time of a live (not zombie) process in clock ticks since boot, from /proc/<pid>/stat; undefined if it is gone. */
export function processStart(pid: number): number | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces: fields after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
  const start = Number(fields[19]);
  return Number.isFinite(start) ? start : undefined;
}

function processGroup(pid: number): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[2]);
  } catch {
    return undefined;
  }
}

/**
 * The program a (recovered) Exec launched, if it still runs: the recorded pid with the
 * recorded start time, else a process group leader whose environment holds the token.
 */
function findProgram(pid: unknown, start: unknown, token: unknown): { pid: number; start: number } | undefined {
  if (typeof pid === 'number' && typeof start === 'number' && processStart(pid) === start) return { pid, start };
  if (typeof token !== 'string' || !token) return undefined;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  const needle = Buffer.from(`\0FROG_EXEC_TOKEN=${token}\0`);
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const p = Number(name);
    if (p === process.pid || processGroup(p) !== p) continue;
    let env: Buffer;
    try {
      env = Buffer.concat([Buffer.from([0]), readFileSync(`/proc/${p}/environ`), Buffer.from([0])]);
    } catch {
      continue;
    }
    if (env.includes(needle)) {
      const s = processStart(p);
      if (s !== undefined) return { pid: p, start: s };
    }
  }
  return undefined;
}

/** Stops a program that is not our child: SIGTERM to its group, SIGKILL after `killTimeout` ms; waits until it is gone. */
async function stopProgram(p: { pid: number; start: number }, killTimeout: number): Promise<void> {
  if (processStart(p.pid) !== p.start) return;
  signalGroup(p.pid, 'SIGTERM');
  const deadline = Date.now() + killTimeout;
  let killed = false;
  // Bounded: at most killTimeout + 5 s of 50 ms polls.
  for (let i = 0; processStart(p.pid) === p.start && Date.now() < deadline + 5000; i++) {
    if (!killed && Date.now() >= deadline) {
      signalGroup(p.pid, 'SIGKILL');
      killed = true;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
