/**
 * `frog peer`'s options. The command itself (peer.ts) loads the whole runtime, the store
 * and the network transports, so it is imported only when `frog peer` runs: every other
 * command starts without paying for it.
 */
import type { Command } from 'commander';
import { DEFAULT_PROFILE, PROFILES } from '../../../runtime/group/profiles.js';
import type { Io } from '../../io.js';
import type { Register } from '../index.js';
import { DEFAULT_PEER } from '../../defaults.js';

export const DEFAULT_GROUP = '239.255.42.42:4242';
export const DEFAULT_INTERFACE = '127.0.0.1';
export const DEFAULT_LISTEN = DEFAULT_PEER;

export const register: Register = (program: Command, io: Io, setExit) => {
  program
    .command('peer')
    .description('run a peer: heartbeat group member, component host, checkpoint store (--data) and control API')
    .option('--name <name>', 'peer name (default: the host name)')
    .option('--id <n>', 'node id 0..2047 (default: derived from the name)')
    .option('--group <addr:port>', 'multicast group', DEFAULT_GROUP)
    .option('--key-file <file>', 'group key file (or FROG_KEY_FILE)')
    .option('--interface <addr>', 'interface address for the group and peer links', DEFAULT_INTERFACE)
    .option('--profile <profile>', `timing profile: ${Object.keys(PROFILES).join(', ')}`, DEFAULT_PROFILE)
    .option('--events <format>', 'write events as JSON lines (json)')
    .option('--json', 'the same as --events json: events and diagnostics as JSON lines on standard output, nothing on standard error')
    .option('--verbose', 'as text, every group event (connections, clock steps) and every component event')
    .option('--data <dir>', 'data directory: checkpoint components there and recover what it holds')
    .option('--listen <addr:port>', `control API address (default ${DEFAULT_LISTEN})`)
    .option('--placement-timeout <seconds>', 'how long a deployment waits for a peer named by sfProcessHost', '60')
    .addHelpText('after', '\nExit codes: 0 stopped by SIGINT or SIGTERM, 1 bad options, key file, data directory or a usage error, 2 the network or the control address could not be set up, 3 refused: a peer that ran first uses this --name or node id.')
    .action(async (opts: import('./action.js').PeerCommandOptions) => setExit(await (await import('./action.js')).peerCommand(opts, io)));
};
