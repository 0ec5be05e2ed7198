/**
 * The `frog` command line. Each command lives in `commands/<name>.ts` and exports
 * `register(program, io, setExit)`; its action turns arguments into an options object
 * and calls a command function that tests call directly.
 *
 * With `--json` (or `--events json`) even a usage error or an internal error is JSON on stdout
 * (docs/design/pipeline.md §6.10): one `{"diagnostics": [...]}` document, or one diagnostic line
 * for the streaming commands (`run`, `peer`).
 */
import { Command, CommanderError } from 'commander';
import { processIo, type Io } from './io.js';
import { commands } from './commands/index.js';

/** The commands whose `--json` output is JSON lines. */
const STREAMING = new Set(['run', 'peer']);

function wantsJson(argv: string[]): boolean {
  const args = argv.slice(2);
  return args.includes('--json') || args.some((a, i) => a === '--events=json' || (a === '--events' && args[i + 1] === 'json'));
}

/** A failure outside any command's own output, as the JSON the command would have printed. */
async function jsonFailure(argv: string[], message: string, io: Io): Promise<void> {
  const { problemJson } = await import('./output.js');
  const d = problemJson(message);
  const command = argv.slice(2).find((a) => !a.startsWith('-'));
  if (command && STREAMING.has(command)) io.stdout(JSON.stringify({ time: Date.now(), event: 'diagnostic', ...d }) + '\n');
  else io.stdout(JSON.stringify({ diagnostics: [d] }, null, 2) + '\n');
}

export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  let exitCode = 0;
  const json = wantsJson(argv);
  const program = new Command();
  program
    .name('frog')
    .description('frogpond: describe, compile, deploy and run distributed systems')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
      // With --json a usage error is reported as JSON on stdout instead (below).
      outputError: (s, write) => (json ? undefined : write(s)),
    });
  for (const register of commands) register(program, io, (code) => (exitCode = code));
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (json && e.exitCode !== 0) await jsonFailure(argv, e.message.replace(/^error: /, ''), io);
      return e.exitCode;
    }
    // A bug: report it plainly, without a stack trace unless asked for.
    const message = `internal error: ${e instanceof Error ? e.message : String(e)}`;
    if (json) await jsonFailure(argv, message, io);
    else io.stderr(`frog: ${message}\n`);
    if (io.env.FROG_DEBUG && e instanceof Error && e.stack) io.stderr(e.stack + '\n');
    return 70;
  }
  return exitCode;
}
