/**
 * `frog peer`'s options. The command itself (peer.ts) loads the whole runtime, the store
 * and the network transports, so it is imported only when `frog peer` runs: every other
 * command starts without paying for it.
 */
import { Command } from 'commander';
import { DEFAULT_PROFILE, PROFILES } from '../../../runtime/group/profiles.js';
import type { Io } from '../../io.js';
import type { Register } from '../index.js';
import { DEFAULT_PEER } from '../../defaults.js';
import type { ConfigKind } from './config.js';

export const DEFAULT_GROUP = '239.255.42.42:4242';
export const DEFAULT_INTERFACE = '127.0.0.1';
export const DEFAULT_LISTEN = DEFAULT_PEER;

/** The options that are not configuration: they say where the configuration is, or what to do with it. */
const NOT_CONFIG = new Set(['config', 'print-config', 'json', 'verbose']);
/** The kind of value of each option that is not plain text (config.ts). */
const KINDS: Record<string, ConfigKind> = { join: 'list', 'join-port': 'integer', nice: 'number', id: 'integer', 'placement-timeout': 'number', 'key-file': 'path', data: 'path', 'http-token-file': 'path' };

function declare(program: Command): Command {
  return program
    .command('peer')
    .description('run a peer: heartbeat group member, component host, checkpoint store (--data) and control API')
    .option('--config <file>', 'read the options from a TOML file (options given here override it)')
    .option('--print-config', 'print the effective configuration as TOML and exit')
    .option('--name <name>', 'peer name (default: the host name)')
    .option('--id <n>', 'node id 0..2047 (default: derived from the name)')
    .option('--group <addr:port>', 'multicast group', DEFAULT_GROUP)
    .option('--key-file <file>', 'group key file (or FROG_KEY_FILE)')
    .option('--interface <addr>', 'interface address for the group and peer links', DEFAULT_INTERFACE)
    .option('--join <host:port,...>', 'also heartbeat over unicast UDP, starting from these members (where multicast is not routed)')
    .option('--join-port <n>', 'UDP port for unicast heartbeats on the interface (default: the group port; 0: any free port)')
    .option('--nice <n>', 'scheduling priority, -20 (first) to 19 (last): a negative one keeps heartbeats timely on a busy host (needs root or CAP_SYS_NICE)')
    .option('--profile <profile>', `timing profile: ${Object.keys(PROFILES).join(', ')}`, DEFAULT_PROFILE)
    .option('--events <format>', 'write events as JSON lines (json)')
    .option('--json', 'the same as --events json: events and diagnostics as JSON lines on standard output, nothing on standard error')
    .option('--verbose', 'as text, every group event (connections, clock steps) and every component event')
    .option('--data <dir>', 'data directory: checkpoint components there and recover what it holds')
    .option('--listen <addr:port>', `control API address (default ${DEFAULT_LISTEN})`)
    .option('--placement-timeout <seconds>', 'how long a deployment waits for a peer named by sfProcessHost', '60')
    .option('--http <addr:port>', 'serve the web view (/), /metrics, /api/status, /api/events and /api/query over HTTP there (off by default)')
    .option('--http-token-file <file>', 'bearer token the HTTP listener requires; needed beyond loopback (or FROG_HTTP_TOKEN_FILE)');
}

/** Every key a configuration file may hold (the long options but --config and --print-config) and its kind. */
export function peerConfigKeys(command: Command = declare(new Command())): Map<string, ConfigKind> {
  const keys = new Map<string, ConfigKind>();
  for (const o of command.options) {
    const key = (o.long ?? '').replace(/^--/, '');
    if (key && !NOT_CONFIG.has(key)) keys.set(key, KINDS[key] ?? 'string');
  }
  return keys;
}

export const register: Register = (program: Command, io: Io, setExit) => {
  const command = declare(program);
  const keys = peerConfigKeys(command);
  command
    .addHelpText('after', '\nExit codes: 0 stopped by SIGINT or SIGTERM, 1 bad options, configuration, key file, data directory or a usage error, 2 the network or the control address could not be set up, 3 refused: a peer that ran first uses this --name or node id.')
    .action(async (opts: import('./action.js').PeerCommandOptions, cmd: Command) => {
      // Options left at their defaults may be set by the configuration file; those given may not.
      const defaults = [...keys.keys()].map((k) => cmd.options.find((o) => o.long === `--${k}`)!.attributeName()).filter((a) => cmd.getOptionValueSource(a) === 'default');
      setExit(await (await import('./action.js')).peerCommand({ ...opts, defaults, configKeys: keys }, io));
    });
};
