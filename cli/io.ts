/**
 * What a command function needs from its process: output streams, the working
 * directory and the environment. Tests pass their own to call commands without spawning.
 */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** True when stderr is a terminal (colour, live trees). */
  isTty: boolean;
  /** Lets long-running commands (run, peer) stop on Ctrl-C / SIGTERM. Tests pass their own. */
  onSignal?: (handler: (signal: NodeJS.Signals) => void) => () => void;
}

let pipeGuarded = false;

/** A reader that goes away (`frog run --json | head`) ends our output, not the process with a stack trace. */
function guardPipes(): void {
  if (pipeGuarded) return;
  pipeGuarded = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') stream.destroy();
    });
  }
}

export function processIo(): Io {
  guardPipes();
  return {
    stdout: (t) => {
      if (!process.stdout.destroyed) process.stdout.write(t);
    },
    stderr: (t) => {
      if (!process.stderr.destroyed) process.stderr.write(t);
    },
    cwd: process.cwd(),
    env: process.env,
    isTty: Boolean(process.stderr.isTTY),
    onSignal: (handler) => {
      const h = (s: NodeJS.Signals) => handler(s);
      process.on('SIGINT', h);
      process.on('SIGTERM', h);
      return () => {
        process.off('SIGINT', h);
        process.off('SIGTERM', h);
      };
    },
  };
}

/** Collects output in memory, for tests. */
export function memoryIo(cwd = process.cwd(), env: NodeJS.ProcessEnv = {}): Io & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), cwd, env, isTty: false, out, err };
}
