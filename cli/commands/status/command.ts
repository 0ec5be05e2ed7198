/**
 * The options of `frog status`, `frog terminate` and `frog members`. The work is in action.ts, loaded only when the command runs.
 */
import type { Command } from 'commander';
import { DEFAULT_PEER } from '../../defaults.js';
import type { Io } from '../../io.js';
import type { MembersCommandOptions, StatusCommandOptions, TerminateCommandOptions } from './action.js';
import type { Register } from '../index.js';

export const register: Register = (program: Command, io: Io, setExit) => {
  const client = (c: Command, seconds: number) =>
    c
      .option('--peer <addr:port>', 'the peer to ask', DEFAULT_PEER)
      .option('--key-file <file>', 'group key file (or FROG_KEY_FILE)')
      .option('--timeout <seconds>', `how long to wait for the answer (default ${seconds})`);
  const codes = '\nExit codes: 0 done, 1 bad options, key file or a usage error, 2 the peer refused or could not be reached';
  client(program.command('status').description('show the group and every application across the peers'), 10)
    .option('--json', 'print the status as JSON (on failure {"diagnostics": [...]})', false)
    .option('--attributes', "show each component's attributes", false)
    .addHelpText('after', `${codes}.`)
    .action(async (opts: StatusCommandOptions) => setExit(await (await import('./action.js')).statusCommand(opts, io)));
  client(program.command('terminate').description('terminate an application wherever its root runs').argument('<app>', 'the application name'), 120)
    .option('--json', 'print {"app", "peer", "terminated", "diagnostics"} on standard output', false)
    .addHelpText('after', `${codes}, or no peer runs the application.`)
    .action(async (app: string, opts: Omit<TerminateCommandOptions, 'app'>) => setExit(await (await import('./action.js')).terminateCommand({ ...opts, app }, io)));
  client(program.command('members').description('show the members of the group as one peer sees them'), 10)
    .option('--json', 'print them as JSON (on failure {"diagnostics": [...]})', false)
    .addHelpText('after', `${codes}.`)
    .action(async (opts: MembersCommandOptions) => setExit(await (await import('./action.js')).membersCommand(opts, io)));
};
