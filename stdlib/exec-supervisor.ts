/**
 * Exec's supervised launches (exec.ts), used when the host has a checkpoint store on disk
 * (`HostServices.dataDirectory`), so that a program outlives its peer completely and a
 * recovering peer learns how it ended.
 *
 * Each launch runs `/bin/sh -c SUPERVISOR` in a new session (the process group leader, whose
 * pid and start time Exec records), with the program as its foreground child in the same
 * group. The supervisor catches HUP, INT and TERM (the program gets them with default
 * dispositions, a caught signal being reset by exec), waits for the program, and writes its
 * exit status (`$?`: the code, or 128 + the signal number) to `<data>/exec/<token>.status`
 * through a temporary file, `sync` and a rename; then it exits with the same status. The
 * program's stdout and stderr are files, never a pipe to the peer: `<token>.out` and
 * `<token>.err` (followed by the live component for its `output` events), the log file, or
 * /dev/null. The program is given as an absolute path (resolved here as execvp would), so the
 * shell never runs a builtin of the same name.
 */
import { constants as osConstants } from 'node:os';
import { StringDecoder } from 'node:string_decoder';
import { accessSync, constants as fsConstants, readFileSync, rmSync, statSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { delimiter, join, resolve as resolvePath } from 'node:path';

/**
 * `$0` frog-exec, `$1` the status file, `$2` `-` (no PWD in the program's environment) or
 * `=value` (its PWD), then the program and its arguments. The trap makes the shell wait for
 * the program before it acts on the signal (a foreground command is waited for first). The
 * shell's own messages ("Terminated" for a program killed by a signal) go to /dev/null; the
 * program gets the real stderr (kept on fd 3), in a subshell that becomes the program (exec).
 */
export const SUPERVISOR = [
  'trap : HUP INT TERM',
  'exec 3>&2 2>/dev/null',
  // Its own variables have names of its own: assigning one that came exported in the
  // environment would change the program's environment.
  'case $2 in =*) PWD=${2#=}; export PWD ;; *) unset PWD ;; esac',
  'frog_exec_status=$1',
  'shift 2',
  '( exec "$@" 2>&3 3>&- )',
  'frog_exec_code=$?',
  '{ printf \'%s\\n\' "$frog_exec_code" > "$frog_exec_status.tmp" && { sync "$frog_exec_status.tmp" || :; } &&',
  '  mv -f "$frog_exec_status.tmp" "$frog_exec_status" && { sync "${frog_exec_status%/*}" || :; }; }',
  'exit $frog_exec_code',
].join('\n');

/** The name of the supervisor (`$0`, as `ps` shows it). */
export const SUPERVISOR_NAME = 'frog-exec';

/** The files of one launch, in `<data>/exec/`. */
export interface LaunchFiles {
  dir: string;
  status: string;
  out: string;
  err: string;
}

export function launchFiles(dataDirectory: string, token: string): LaunchFiles {
  const dir = join(dataDirectory, 'exec');
  return { dir, status: join(dir, `${token}.status`), out: join(dir, `${token}.out`), err: join(dir, `${token}.err`) };
}

/** Removes the files of a launch (best effort: what cannot be removed stays). */
export function removeLaunchFiles(f: LaunchFiles): void {
  for (const p of [f.status, `${f.status}.tmp`, f.out, f.err]) {
    try {
      rmSync(p, { force: true });
    } catch {
      // Left behind.
    }
  }
}

/** How a program ended, as far as anyone knows. */
export type Outcome = { code: number } | { signal: string } | { unknown: string };

const SIGNAL_NAMES = new Map<number, string>(Object.entries(osConstants.signals).map(([name, n]) => [n, name]));

/** A shell's exit status: 128 + N for a program killed by signal N, else the exit code. */
export function outcomeOfStatus(status: number): Outcome {
  const name = status > 128 ? SIGNAL_NAMES.get(status - 128) : undefined;
  return name ? { signal: name } : { code: status };
}

/** The status the supervisor recorded, or undefined if there is none (or it cannot be read). */
export function readStatus(path: string): Outcome | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const m = /^(\d{1,3})\n?$/.exec(text);
  return m ? outcomeOfStatus(Number(m[1])) : undefined;
}

export function statusExists(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The supervisor's arguments after `-c SUPERVISOR`. */
export function supervisorArguments(statusFile: string, env: NodeJS.ProcessEnv, program: string, args: string[]): string[] {
  return [SUPERVISOR_NAME, statusFile, env.PWD === undefined ? '-' : `=${env.PWD}`, program, ...args];
}

/** Names a POSIX shell cannot hold (it drops them from the environment of what it runs). */
export function unshellableNames(env: NodeJS.ProcessEnv): string[] {
  return Object.keys(env).filter((n) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(n));
}

/**
 * The program's absolute path, found as execvp (and spawn) would: a name with a `/` relative
 * to `cwd`, else the first executable file of that name in the environment's PATH. Throws the
 * error spawn would report (`spawn NAME ENOENT`, or EACCES).
 */
export function resolveProgram(program: string, cwd: string, env: NodeJS.ProcessEnv): string {
  const candidates = program.includes('/')
    ? [resolvePath(cwd, program)]
    : (env.PATH ?? '/usr/bin:/bin').split(delimiter).map((d) => resolvePath(cwd, d || '.', program));
  let denied = false;
  for (const c of candidates) {
    try {
      if (!statSync(c).isFile()) continue;
    } catch {
      continue;
    }
    try {
      accessSync(c, fsConstants.X_OK);
      return c;
    } catch {
      denied = true;
    }
  }
  const code = denied ? 'EACCES' : 'ENOENT';
  throw Object.assign(new Error(`spawn ${program} ${code}`), { code });
}

/** Output still arriving after the program's exit is read until the files have been quiet this long (ms)... */
export const DRAIN_QUIET = 100;
/** ...or at most this long (ms) beyond what they held at the exit, which is always read. */
export const DRAIN_LIMIT = 2000;
/** How often a running program's output files are read (ms). */
const POLL = 100;
/** At most this much is read from one file at a time. */
const CHUNK = 64 * 1024;

/**
 * Follows an output file: emits each complete line appended to it, from the start. Reads are
 * bounded (CHUNK bytes, one read in flight per file).
 */
export class OutputFollower {
  private offset = 0;
  private pending = '';
  private readonly decoder = new StringDecoder('utf8');
  private handle?: FileHandle;
  private timer?: ReturnType<typeof setTimeout>;
  private reading?: Promise<number>;
  private stopped = false;
  private readonly buffer = Buffer.alloc(CHUNK);

  constructor(
    private readonly path: string,
    private readonly emit: (line: string) => void,
  ) {}

  /** Polls every POLL ms until `drain` or `stop`. */
  start(): void {
    const tick = (): void => {
      this.timer = undefined;
      if (this.stopped) return;
      void this.readAvailable().finally(() => {
        if (!this.stopped && !this.timer) this.timer = setTimeout(tick, POLL);
      });
    };
    this.timer = setTimeout(tick, POLL);
  }

  /** The size of the file now (0 if it cannot be read). */
  size(): number {
    try {
      return statSync(this.path).size;
    } catch {
      return 0;
    }
  }

  get position(): number {
    return this.offset;
  }

  /** Reads what has been appended since the last read, a chunk at a time, up to `max` bytes; resolves with the bytes read. */
  async readAvailable(max = 16 * CHUNK): Promise<number> {
    while (this.reading) await this.reading;
    const p = this.read(max);
    this.reading = p;
    try {
      return await p;
    } finally {
      this.reading = undefined;
    }
  }

  private async read(max: number): Promise<number> {
    if (this.stopped) return 0;
    try {
      this.handle ??= await open(this.path, 'r');
    } catch {
      return 0;
    }
    let total = 0;
    while (total < max && !this.stopped) {
      let n: number;
      try {
        ({ bytesRead: n } = await this.handle.read(this.buffer, 0, CHUNK, this.offset));
      } catch {
        break;
      }
      if (n <= 0) break;
      this.offset += n;
      total += n;
      this.pending += this.decoder.write(this.buffer.subarray(0, n));
      const lines = this.pending.split('\n');
      this.pending = lines.pop() ?? '';
      for (const line of lines) this.emit(line.replace(/\r$/, ''));
    }
    return total;
  }

  /** Emits a partial last line, if any. */
  flush(): void {
    this.pending += this.decoder.end();
    if (this.pending) this.emit(this.pending.replace(/\r$/, ''));
    this.pending = '';
  }

  /** Stops following and closes the file (a partial line is dropped: `flush` first). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.reading) await this.reading.catch(() => 0);
    const h = this.handle;
    this.handle = undefined;
    await h?.close().catch(() => undefined);
  }
}

/**
 * After the program has exited: reads everything the files held at the exit, then what still
 * arrives until they have been quiet for DRAIN_QUIET ms (a process left running may go on
 * writing), at most DRAIN_LIMIT ms; then emits partial lines and stops following.
 */
export async function drainFollowers(followers: OutputFollower[]): Promise<void> {
  if (!followers.length) return;
  const sizes = followers.map((f) => f.size());
  // Bounded: the files held finitely many bytes at the exit.
  for (let i = 0; i < followers.length; i++) {
    const f = followers[i]!;
    while (f.position < sizes[i]! && (await f.readAvailable()) > 0);
  }
  const started = Date.now();
  let lastData = started;
  // Bounded by DRAIN_LIMIT.
  for (;;) {
    let n = 0;
    for (const f of followers) n += await f.readAvailable();
    const now = Date.now();
    if (n > 0) lastData = now;
    if (now - lastData >= DRAIN_QUIET || now - started >= DRAIN_LIMIT) break;
    await new Promise((r) => setTimeout(r, Math.min(25, DRAIN_QUIET)));
  }
  for (const f of followers) f.flush();
  await Promise.all(followers.map((f) => f.stop()));
}
