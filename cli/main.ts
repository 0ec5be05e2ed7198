/**
 * The `frog` command line. Each command lives in `commands/<name>.ts` and exports
 * `register(program, io, setExit)`; its action turns arguments into an options object
 * and calls a command function that tests call directly.
 */
import { Command, CommanderError } from 'commander';
import { processIo, type Io } from './io.js';
import { commands } from './commands/index.js';

export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  let exitCode = 0;
  const program = new Command();
  program
    .name('frog')
    .description('frogpond: describe, compile, deploy and run distributed systems')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });
  for (const register of commands) register(program, io, (code) => (exitCode = code));
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    // A bug: report it plainly, without a stack trace unless asked for.
    io.stderr(`frog: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    if (io.env.FROG_DEBUG && e instanceof Error && e.stack) io.stderr(e.stack + '\n');
    return 70;
  }
  return exitCode;
}
