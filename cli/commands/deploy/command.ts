/**
 * `frog deploy`'s options. The work is in action.ts, loaded only when the command runs.
 */
import type { Command } from 'commander';
import { DEFAULT_PEER } from '../../defaults.js';
import type { Register } from '../index.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export const register: Register = (program: Command, io, setExit) => {
  program
    .command('deploy')
    .description('compile a description (or read a plan) and deploy it to a running peer')
    .argument('<file>', 'the .sf file, or a compiled plan (.json or .plan)')
    .option('--peer <addr:port>', 'the peer to send it to', DEFAULT_PEER)
    .option('--key-file <file>', 'group key file (or FROG_KEY_FILE)')
    .option('--name <app>', 'the application name (default: the plan name)')
    .option('-I, --include <dir>', 'add a folder to the include path (repeatable)', collect, [])
    .option('--wait <seconds>', 'wait this long for the application to run (0: do not wait)', '120')
    .option('--no-wait', 'fire and forget: exit once the peer has accepted the plan')
    .option('--timeout <seconds>', 'how long to wait for the peer to answer, beyond --wait (default 30)')
    .option('--json', 'print the peer\'s answer {"app", "peer", "state", "record"?, "diagnostics"} on standard output', false)
    .option('-q, --quiet', 'print nothing but errors: the exit code says it', false)
    .addHelpText('after', '\nExit codes: 0 deployed (or terminated normally), 1 errors in the description, options or key file, or a usage error, 2 refused, unreachable or failed.')
    .action(async (file: string, opts: { peer: string; keyFile?: string; name?: string; include: string[]; wait: string | false; timeout?: string; json: boolean; quiet: boolean }) => {
      setExit(await (await import('./action.js')).deployCommand({ file, peer: opts.peer, keyFile: opts.keyFile, name: opts.name, includePath: opts.include, wait: opts.wait === false ? 0 : Number(opts.wait), timeout: opts.timeout, json: opts.json, quiet: opts.quiet }, io));
    });
};
