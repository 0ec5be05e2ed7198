/**
 * Exec: runs a program.
 *
 * Attributes:
 * - `command` (String, required): the program; with `shell true`, a shell command line
 *   run by `/bin/sh -c` (then `arguments` become `$1`...).
 * - `arguments` (vector, default []), `directory` (the program's working directory).
 * - `relativeTo`: what the relative paths of this component (`directory`, log files) are
 *   relative to: "workingDirectory" (default: the host's, where `frog run` was started) or
 *   "description" (the folder of the description file the plan was compiled from, so that a
 *   description can run a script that lies beside it from any folder; the working directory
 *   when the plan has no source file).
 * - `environment` (a DATA description of NAME value pairs, `environment extends DATA { FOO "bar"; }`,
 *   or a vector of "NAME=value"),
 *   `inheritEnvironment` (true). The program also gets `FROG_EXEC_RUN`: 0 for the first run,
 *   1 for the first restart, and so on.
 * - `stdout`, `stderr`: "events" (default: each line is an `output` event), "ignore", or
 *   the path of a log file to append to.
 * - `restart`: "never" (default), "on-failure" or "always"; `maxRestarts` (3);
 *   `restartDelay` (1000 ms).
 * - `killTimeout` (5000 ms): on termination the whole process group gets SIGTERM, then
 *   SIGKILL after this long. Processes the program left behind in its group (a background
 *   job of a shell script) are stopped the same way when the component terminates, even
 *   after the program itself has exited.
 *
 * When the program exits (and is not restarted): exit code 0 ⇒ terminate normally (when
 * `sfShouldTerminate`, default true); anything else ⇒ terminate abnormally with the exit
 * code or signal in the reason. The program's exit is what counts, not the end of its
 * output: a background process that still holds stdout does not delay it (the output
 * already written is still collected, for a short while after the exit).
 *
 * Without a store on disk (plain `frog run`), the program is the component's child, in its
 * own process group, its output read from pipes.
 *
 * With a checkpoint store on disk (`HostServices.dataDirectory`: `frog run --data`, `frog
 * peer --data`), each launch is supervised, so that the program outlives its peer completely
 * (exec-supervisor.ts): a small `/bin/sh` script (`frog-exec`) is the process group leader, runs
 * the program in the foreground, and when it exits writes its exit status (the code, or 128 +
 * the signal number) to `<data>/exec/<token>.status` through a temporary file, sync and a
 * rename. The program's output never goes to the peer: with "events" it is written to
 * `<token>.out` and `<token>.err`, which the component follows (bounded reads every 100 ms, and
 * after the exit everything the files held then, then what still comes, by the same drain
 * rules as pipes); a log file is written by the program itself; "ignore" is /dev/null. The
 * supervisor's status is the program's: exit 0 ⇒ normal, anything else ⇒ abnormal (a status
 * above 128 that is 128 + a signal number is reported as that signal, as a shell reports it).
 * A launch's files are removed before the next launch and when the component terminates.
 *
 * Recovery (docs/design/recovery.md): the component records `sfExecToken` (a random token,
 * durable before the first launch, also given to the program as `FROG_EXEC_TOKEN`),
 * `sfExecPid` and `sfExecStartTime` (of the group leader: the supervisor, or the program
 * itself; the start time in clock ticks from /proc/<pid>/stat, which tells a pid reused by
 * another program apart). A recovered Exec adopts the program if the same pid and start time
 * are still running, or a process group leader carrying its token (launched just before the
 * crash, before its pid was recorded). An adopted program is not our child: it is watched by
 * polling /proc, and its output files are followed from their start (lines emitted before the
 * crash are emitted again). When it has exited, the status file says how: the outcome is the
 * same as for a child, the restart policy included. Without a status file (the supervisor was
 * killed too, or there is no store on disk to keep one) the exit status is unknown, which is
 * never success: the component terminates abnormally, or restarts it under `on-failure` or
 * `always`. A recovered Exec whose program is no longer running reads its status file the same
 * way (it ended while the peer was down); if its supervisor is gone without a status while its
 * group still runs, the group is stopped and the outcome is unknown; with neither status file
 * nor process (a reboot, a planned stop, or a launch that never happened) it starts the
 * program again. Never two.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, createWriteStream, mkdirSync, openSync, readFileSync, readdirSync, statSync, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve as resolvePath } from 'node:path';
import { Description } from '../core/values.js';
import { Prim } from '../runtime/component/component.js';
import { Messages } from '../core/messages/index.js';
import { AttributeError, normalRecord } from '../runtime/component/lifecycle.js';
import type { ComponentRecord } from '../runtime/persistence/store/record.js';
import { valueText } from './echo.js';
import {
  DRAIN_LIMIT,
  DRAIN_QUIET,
  OutputFollower,
  SUPERVISOR,
  drainFollowers,
  launchFiles,
  outcomeOfStatus,
  readStatus,
  removeLaunchFiles,
  resolveProgram,
  statusExists,
  supervisorArguments,
  unshellableNames,
  type LaunchFiles,
  type Outcome,
} from './exec-supervisor.js';

type RestartPolicy = 'never' | 'on-failure' | 'always';

/** A process group the component launched or adopted: its leader's pid (= the group id) and start time. */
interface Launched {
  pgid: number;
  start?: number;
  /** Our child (undefined for a group adopted after recovery). */
  child?: ChildProcess;
}

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
  /** What relative paths (`directory`, log files) are resolved against. */
  base: string;
}

export class Exec extends Prim {
  protected override shouldTerminateByDefault = true;
  private config!: ExecConfig;
  private child?: ChildProcess;
  private exited?: Promise<void>;
  /** Every process group launched, stopped (with whatever the program left in it) at termination. */
  private launched: Launched[] = [];
  private runs = 0;
  private stopping = false;
  private logs: WriteStream[] = [];
  /** The program adopted after recovery (not our child), with its start time. */
  private adopted?: { pid: number; start: number };
  /** With a store on disk: the files of this component's (supervised) launches; otherwise pipes. */
  private files?: LaunchFiles;
  /** The output files followed for the current launch (supervised, "events"). */
  private followers: OutputFollower[] = [];

  /**
   * Recovery found this component's record finished or orphaned: stop the program it left
   * running and, with a store on disk, what is left of its group and the launch's files.
   */
  static async finishRecovered(record: ComponentRecord, host?: { readonly dataDirectory?: string }): Promise<void> {
    const attrs = new Map(record.attributes);
    const pid = attrs.get('sfExecPid');
    const start = attrs.get('sfExecStartTime');
    const token = attrs.get('sfExecToken');
    const found = findProgram(pid, start, token);
    if (found) await stopProgram(found, 5000);
    if (!host?.dataDirectory || typeof token !== 'string' || !token) return;
    if (found) await stopLeftovers({ pgid: found.pid, start: found.start }, 0);
    if (typeof pid === 'number' && pid !== found?.pid) await stopLeftovers({ pgid: pid, start: typeof start === 'number' ? start : undefined }, 5000);
    removeLaunchFiles(launchFiles(host.dataDirectory, token));
  }

  protected override async deploy(): Promise<void> {
    const command = this.resolveString('command');
    const args = this.resolveStringVector('arguments', []);
    const shell = this.resolveBoolean('shell', false);
    const restart = this.resolveString('restart', 'never');
    if (restart !== 'never' && restart !== 'on-failure' && restart !== 'always') {
      const params = { name: 'restart', path: this.path, expected: '"never", "on-failure" or "always"', found: JSON.stringify(restart) };
      throw new AttributeError(Messages.BadAttribute, params, this.path);
    }
    const base = this.baseDirectory();
    this.config = {
      base,
      program: shell ? '/bin/sh' : command,
      args: shell ? ['-c', command, 'sh', ...args] : args,
      cwd: resolvePath(base, this.resolveString('directory', '.')),
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

  /** The folder that relative paths are resolved against (`relativeTo`). */
  private baseDirectory(): string {
    const relativeTo = this.resolveString('relativeTo', 'workingDirectory');
    if (relativeTo === 'workingDirectory') return this.host.workingDirectory;
    if (relativeTo !== 'description') {
      const params = { name: 'relativeTo', path: this.path, expected: '"workingDirectory" or "description"', found: JSON.stringify(relativeTo) };
      throw new AttributeError(Messages.BadAttribute, params, this.path);
    }
    const source = this.host.sourceOf?.(this) ?? '';
    return source ? dirname(resolvePath(this.host.workingDirectory, source)) : this.host.workingDirectory;
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
        if (eq <= 0) {
          const params = { name: 'environment', path: this.path, expected: 'a vector of "NAME=value" Strings', found: `the entry ${JSON.stringify(item)}` };
          throw new AttributeError(Messages.BadAttribute, params, this.path);
        }
        env[item.slice(0, eq)] = item.slice(eq + 1);
      }
    } else {
      const params = { name: 'environment', path: this.path, expected: 'a DATA description or a vector of "NAME=value"', found: valueText(v) };
      throw new AttributeError(Messages.BadAttribute, params, this.path);
    }
    return env;
  }

  protected override async start(): Promise<void> {
    for (const s of [this.config.stdout, this.config.stderr]) {
      if (s !== 'events' && s !== 'ignore') await mkdir(dirname(resolvePath(this.config.base, s)), { recursive: true });
    }
    const token = this.rawAttribute('sfExecToken');
    if (this.host.dataDirectory && typeof token === 'string' && token) this.files = launchFiles(this.host.dataDirectory, token);
    if (this.recovered) {
      const found = findProgram(this.rawAttribute('sfExecPid'), this.rawAttribute('sfExecStartTime'), token);
      if (found) {
        this.adopt(found);
        return;
      }
      if (this.files && this.endedWhileDown(this.files)) return;
      this.log('the program is no longer running: starting it again');
    }
    await this.launch();
  }

  /**
   * Supervised, recovered, the program not running: its status file says how it ended while
   * the peer was down (true: that outcome is applied); or its supervisor is gone without one
   * while its group still runs (true: the group is stopped, the outcome is unknown); otherwise
   * false (start it again).
   */
  private endedWhileDown(files: LaunchFiles): boolean {
    const pid = this.rawAttribute('sfExecPid');
    const start = this.rawAttribute('sfExecStartTime');
    const group: Launched | undefined = typeof pid === 'number' ? { pgid: pid, start: typeof start === 'number' ? start : undefined } : undefined;
    const { program, killTimeout } = this.config;
    if (statusExists(files.status)) {
      // Whatever the program left running in its group is stopped at termination.
      if (group) this.launched.push(group);
      this.runs = Math.max(1, this.runs);
      this.log(`\`${program}\` ended while the peer was down`);
      this.follow(files);
      this.background(async () => {
        await drainFollowers(this.takeFollowers());
        this.onOutcome(readStatus(files.status) ?? { unknown: 'its status file cannot be read' });
      });
      return true;
    }
    if (group && processStart(group.pgid) === undefined && groupRunning(group.pgid)) {
      this.runs = Math.max(1, this.runs);
      this.log(`the supervisor of \`${program}\` (pid ${group.pgid}) is gone without a status while its group still runs: stopping the group`);
      this.follow(files);
      this.background(async () => {
        await stopLeftovers(group, killTimeout);
        await drainFollowers(this.takeFollowers());
        this.onOutcome({ unknown: `pid ${group.pgid}: its supervisor was killed before recording it` });
      });
      return true;
    }
    return false;
  }

  /** Follows the output files of the current launch ("events" streams) from their start. */
  private follow(files: LaunchFiles): void {
    if (this.config.stdout === 'events') this.followers.push(new OutputFollower(files.out, (line) => this.output(line, 'stdout')));
    if (this.config.stderr === 'events') this.followers.push(new OutputFollower(files.err, (line) => this.output(line, 'stderr')));
    for (const f of this.followers) f.start();
  }

  private takeFollowers(): OutputFollower[] {
    return this.followers.splice(0);
  }

  /** Watches a program left running by the previous incarnation of the peer. */
  private adopt(p: { pid: number; start: number }): void {
    this.adopted = p;
    this.runs = Math.max(1, this.runs);
    // What the program leaves in its group is stopped at termination, as for a child.
    this.launched.push({ pgid: p.pid, start: p.start });
    if (this.rawAttribute('sfExecPid') !== p.pid) this.sfReplaceAttribute('sfExecPid', p.pid);
    if (this.rawAttribute('sfExecStartTime') !== p.start) this.sfReplaceAttribute('sfExecStartTime', p.start);
    this.log(`adopted \`${this.config.program}\` (pid ${p.pid}), still running from before the restart`);
    const files = this.files;
    if (files) this.follow(files);
    const poll = (): void => {
      if (this.isTerminating || this.adopted !== p) return;
      if (processStart(p.pid) === p.start) {
        this.setTimer(poll, 200);
        return;
      }
      this.adopted = undefined;
      if (this.stopping || this.isTerminating) return;
      if (!files) {
        this.onOutcome({ unknown: `pid ${p.pid}, adopted: there is no status file without a store on disk` });
        return;
      }
      this.background(async () => {
        await drainFollowers(this.takeFollowers());
        this.onOutcome(readStatus(files.status) ?? { unknown: `pid ${p.pid}: its supervisor was killed before recording it` });
      });
    };
    this.setTimer(poll, 200);
  }

  /** Starts the program in its own process group (so that terminate can kill the whole tree): supervised with a store on disk, else with pipes. */
  private launch(): Promise<void> {
    return this.files ? this.launchSupervised(this.files) : this.launchPiped();
  }

  /** The program's environment for run number `run`. */
  private programEnvironment(run: number): NodeJS.ProcessEnv {
    const token = this.rawAttribute('sfExecToken');
    const extra: NodeJS.ProcessEnv = { FROG_EXEC_RUN: String(run) };
    if (typeof token === 'string') extra.FROG_EXEC_TOKEN = token;
    return { ...this.config.env, ...extra };
  }

  /** Spawns the program itself, its output read from pipes (no store on disk). */
  private launchPiped(): Promise<void> {
    const { program, args, cwd } = this.config;
    const run = this.runs++;
    let child: ChildProcess;
    try {
      child = spawn(program, args, { cwd, env: this.programEnvironment(run), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      return Promise.reject(e);
    }
    const output = new OutputDrain(child);
    this.pipe(child, 'stdout', this.config.stdout, output);
    this.pipe(child, 'stderr', this.config.stderr, output);
    return this.track(
      child,
      () => output.drained().then(() => output.flush()),
      (code, signal) => (signal ? { signal } : { code: code ?? -1 }),
    );
  }

  /** Spawns the supervisor, which runs the program with its output in files and records its exit status (exec-supervisor.ts). */
  private async launchSupervised(files: LaunchFiles): Promise<void> {
    const { program, args, cwd } = this.config;
    const run = this.runs++;
    const env = this.programEnvironment(run);
    // Synchronous up to the spawn: a termination cannot slip in between and miss the program.
    if (this.stopping || this.isTerminating) return;
    mkdirSync(files.dir, { recursive: true, mode: 0o700 });
    for (const f of this.takeFollowers()) void f.stop();
    removeLaunchFiles(files);
    let path: string;
    try {
      if (!statSync(cwd).isDirectory()) throw Object.assign(new Error(`spawn ${program} ENOTDIR`), { code: 'ENOTDIR' });
      path = resolveProgram(program, cwd, env);
    } catch (e) {
      const message = (e as NodeJS.ErrnoException).syscall === 'stat' ? `spawn ${program} ENOENT` : (e as Error).message;
      throw new Error(`cannot run \`${program}\`: ${message}`);
    }
    const dropped = unshellableNames(env);
    if (dropped.length) this.log(`not passed to \`${program}\` through its supervisor (not shell variable names): ${dropped.join(', ')}`);
    const fds: number[] = [];
    const target = (stream: 'stdout' | 'stderr', to: string, file: string): number | 'ignore' => {
      if (to === 'ignore') return 'ignore';
      const where = to === 'events' ? file : resolvePath(this.config.base, to);
      try {
        // The program's output may be private: its files are the owner's only; a log file is the description's.
        const fd = to === 'events' ? openSync(where, 'a', 0o600) : openSync(where, 'a');
        fds.push(fd);
        return fd;
      } catch (e) {
        this.log(`cannot write ${stream} to ${to === 'events' ? where : to}: ${(e as Error).message}`);
        return 'ignore';
      }
    };
    let child: ChildProcess;
    try {
      const stdio: ['ignore', number | 'ignore', number | 'ignore'] = ['ignore', target('stdout', this.config.stdout, files.out), target('stderr', this.config.stderr, files.err)];
      child = spawn('/bin/sh', ['-c', SUPERVISOR, ...supervisorArguments(files.status, env, path, args)], { cwd, env, detached: true, stdio });
    } finally {
      // The supervisor has its own copies.
      for (const fd of fds) closeSync(fd);
    }
    this.follow(files);
    return this.track(
      child,
      () => drainFollowers(this.takeFollowers()),
      (code, signal) => readStatus(files.status) ?? (code !== null ? outcomeOfStatus(code) : { unknown: `its supervisor was killed by ${signal} before recording it` }),
    );
  }

  /**
   * Watches a spawned process group: resolves once it has started (recording its pid and
   * start time); on its exit, once `drain` has collected its output, its outcome goes to onOutcome.
   */
  private track(child: ChildProcess, drain: () => Promise<void>, outcomeOf: (code: number | null, signal: NodeJS.Signals | null) => Outcome): Promise<void> {
    const { program } = this.config;
    this.child = child;
    return new Promise<void>((resolve, reject) => {
      let spawned = false;
      child.once('spawn', () => {
        spawned = true;
        if (child.pid !== undefined) {
          this.sfReplaceAttribute('sfExecPid', child.pid);
          const start = processStart(child.pid);
          if (start !== undefined) this.sfReplaceAttribute('sfExecStartTime', start);
          this.launched.push({ pgid: child.pid, start, child });
        }
        this.log(`started \`${program}\` (pid ${child.pid})`);
        resolve();
      });
      this.exited = new Promise<void>((done) => {
        child.once('error', (e) => {
          if (!spawned) reject(new Error(`cannot run \`${program}\`: ${e.message}`));
          done();
        });
        // 'exit', not 'close': 'close' waits for every process holding the pipes, and a
        // background process started by the program may hold them for ever.
        child.once('exit', (code, signal) => {
          void drain().then(() => {
            done();
            if (spawned) this.onOutcome(outcomeOf(code, signal), child);
          });
        });
      });
    });
  }

  private pipe(child: ChildProcess, stream: 'stdout' | 'stderr', target: string, output: OutputDrain): void {
    const source = child[stream];
    if (!source) return;
    source.on('data', () => output.touch());
    if (target === 'ignore') {
      source.resume();
      return;
    }
    if (target !== 'events') {
      const file = createWriteStream(resolvePath(this.config.base, target), { flags: 'a' });
      file.on('error', (e) => this.log(`cannot write ${stream} to ${target}: ${e.message}`));
      this.logs.push(file);
      source.pipe(file, { end: false });
      return;
    }
    let pending = '';
    const flush = (): void => {
      if (pending) this.output(pending, stream);
      pending = '';
    };
    source.setEncoding('utf8');
    source.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) this.output(line.replace(/\r$/, ''), stream);
    });
    source.on('end', flush);
    output.onFlush(flush);
  }

  /** The program (a child, or adopted) has ended: finish, fail or restart it. */
  private onOutcome(outcome: Outcome, child?: ChildProcess): void {
    if (child && this.child === child) this.child = undefined;
    if (this.stopping || this.isTerminating) return;
    const ok = 'code' in outcome && outcome.code === 0;
    const how =
      'code' in outcome ? `exited with code ${outcome.code}` : 'signal' in outcome ? `was killed by ${outcome.signal}` : `has exited, exit status unknown (${outcome.unknown})`;
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
    const killTimeout = this.config?.killTimeout ?? 5000;
    const adopted = this.adopted;
    this.adopted = undefined;
    let signalled: Launched | undefined;
    if (adopted) {
      await stopProgram(adopted, killTimeout);
      signalled = this.launched.find((l) => l.pgid === adopted.pid && l.start === adopted.start);
    }
    const child = this.child;
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      const pid = child.pid;
      signalled = this.launched.find((l) => l.child === child);
      signalGroup(pid, 'SIGTERM');
      let timer: ReturnType<typeof setTimeout> | undefined;
      const killed = new Promise<void>((r) => {
        timer = setTimeout(() => {
          signalGroup(pid, 'SIGKILL');
          r();
        }, killTimeout);
      });
      await Promise.race([this.exited, killed]);
      clearTimeout(timer);
    }
    // The output the program wrote before it exited (bounded: see OutputDrain).
    if (child) await this.exited;
    // The groups may hold processes that outlived the program (background jobs): its exit
    // did not stop them, the component's termination does. The group just sent SIGTERM
    // with its program gets SIGKILL at once, as it would have after the program's exit.
    await Promise.all(this.launched.map((l) => stopLeftovers(l, l === signalled ? 0 : killTimeout)));
    this.launched = [];
    // Supervised: the output of an adopted program (a child's was collected at its exit), then
    // the launch's files, which nobody needs any more.
    await drainFollowers(this.takeFollowers());
    if (this.files) removeLaunchFiles(this.files);
    // The log files are complete once the component has terminated.
    await Promise.all(this.logs.map((l) => new Promise<void>((r) => (l.writableFinished ? r() : l.end(() => r())))));
  }

  /** Alive while the program runs or a restart is pending. */
  protected override async ping(): Promise<void> {}
}

/**
 * Tells when the output a program wrote before it exited has been read: once its pipes have
 * closed, or have been quiet for DRAIN_QUIET ms (a process left running may hold them open),
 * and at most DRAIN_LIMIT ms after the exit.
 */
class OutputDrain {
  private lastData = Date.now();
  private readonly flushers: (() => void)[] = [];

  constructor(private readonly child: ChildProcess) {}

  touch(): void {
    this.lastData = Date.now();
  }

  onFlush(f: () => void): void {
    this.flushers.push(f);
  }

  /** Emits partial lines still pending (the rest of the output, if any, follows as it comes). */
  flush(): void {
    for (const f of this.flushers) f();
  }

  drained(): Promise<void> {
    const child = this.child;
    const open = [child.stdout, child.stderr].filter((s) => s && !s.readableEnded && !s.destroyed);
    if (!open.length) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const started = Date.now();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const finish = (): void => {
        clearTimeout(timer);
        child.off('close', finish);
        resolve();
      };
      const check = (): void => {
        const now = Date.now();
        if (now - this.lastData >= DRAIN_QUIET || now - started >= DRAIN_LIMIT) finish();
        else timer = setTimeout(check, Math.min(DRAIN_QUIET - (now - this.lastData), DRAIN_LIMIT - (now - started)));
      };
      child.once('close', finish);
      this.lastData = Math.max(this.lastData, started);
      timer = setTimeout(check, DRAIN_QUIET);
    });
  }
}

/**
 * Stops what is left of a launched process group (the program has exited, or was just
 * killed): SIGTERM, then SIGKILL after `killTimeout` ms; then lets go of the pipes, which a
 * process that left the group may still hold. A group id is a pid: once the group is empty
 * the number may be reused, so the group is signalled only while its leader's pid is free or
 * still the leader (the same start time); a pid in use as a group id is never given out.
 */
async function stopLeftovers(l: Launched, killTimeout: number): Promise<void> {
  const ours = (): boolean => {
    const s = processStart(l.pgid);
    return s === undefined || s === l.start;
  };
  if (ours() && groupRunning(l.pgid)) {
    if (killTimeout > 0) {
      signalGroup(l.pgid, 'SIGTERM');
      const deadline = Date.now() + killTimeout;
      // Bounded: at most killTimeout ms of 50 ms polls.
      while (Date.now() < deadline && ours() && groupRunning(l.pgid)) await new Promise((r) => setTimeout(r, 50));
    }
    if (ours()) signalGroup(l.pgid, 'SIGKILL');
  }
  l.child?.stdout?.destroy();
  l.child?.stderr?.destroy();
}

/** True while a process of the group is running (zombies, which nobody may reap, do not count). */
function groupRunning(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return true;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    let fields: string[];
    try {
      const text = readFileSync(`/proc/${name}/stat`, 'utf8');
      fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    } catch {
      continue;
    }
    if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') return true;
  }
  return false;
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
