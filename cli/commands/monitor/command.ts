/**
 * The options of `frog monitor` and `frog query`. The work is in action.ts, loaded only when the command runs.
 */
import type { Command } from 'commander';
import { DEFAULT_PEER } from '../../defaults.js';
import type { Io } from '../../io.js';
import type { MonitorCommandOptions, QueryCommandOptions } from './action.js';
import type { Register } from '../index.js';

export const register: Register = (program: Command, io: Io, setExit) => {
  program
    .command('monitor')
    .description("stream a peer's membership and lifecycle events as they happen (--all: every peer's)")
    .option('--peer <addr:port>', 'the peer to follow', DEFAULT_PEER)
    .option('--key-file <file>', 'group key file (or FROG_KEY_FILE)')
    .option('--all', 'follow every peer of the group, as the peer lists them', false)
    .option('--app <name>', "only this application's events")
    .option('--json', 'print each event as a JSON line', false)
    .addHelpText('after', '\nExit codes: 0 stopped by Ctrl-C, 1 bad options, key file or a usage error, 2 the peer refused, could not be reached or went away.')
    .action(async (opts: MonitorCommandOptions) => setExit(await (await import('./action.js')).monitorCommand(opts, io)));
  program
    .command('query')
    .description('show the providers of a state-space name and their values')
    .argument('<name>', 'the state-space name (peer/<name>, app/<application>/<path>, or what a component publishes)')
    .option('--peer <addr:port>', 'the peer to ask', DEFAULT_PEER)
    .option('--key-file <file>', 'group key file (or FROG_KEY_FILE)')
    .option('--json', 'print the answer as JSON', false)
    .option('--timeout <seconds>', 'how long to wait for the answer (default 10)')
    .addHelpText('after', '\nExit codes: 0 answered (even with no provider), 1 bad options, key file or a usage error, 2 refused or unreachable.')
    .action(async (name: string, opts: QueryCommandOptions) => setExit(await (await import('./action.js')).queryCommand({ ...opts, name }, io)));
};
