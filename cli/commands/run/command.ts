/**
 * `frog run`'s options. The command itself (run.ts) loads the runtime, the standard
 * components and the store, so it is imported only when `frog run` runs.
 */
import type { Command } from 'commander';
import type { Register } from '../index.js';
import { limitOptions, limitsOf } from '../../limits.js';
import type { ResolveLimits } from '../../../compiler/limits.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export const register: Register = (program: Command, io, setExit) => {
  limitOptions(program
    .command('run')
    .description('compile a description and run it on a peer embedded in this process; exits when its root terminates')
    .argument('<file>', 'the .sf file (or a compiled plan: .json or .plan)')
    .option('-I, --include <dir>', 'add a folder to the include path (repeatable)', collect, [])
    .option('--json', 'print every event as a JSON line on standard output', false)
    .option('--name <peer>', 'the peer name shown in events (default: the host name)')
    .option('--data <dir>', 'checkpoint to this data directory and recover the application it holds')
    .option('--replace', 'with --data: discard an application of the same name from another plan', false)
    .addHelpText('after', '\nExit codes: 0 normal termination, 1 errors in the description, 2 abnormal termination, 128+N after signal N.'))
    .action(async (file: string, opts: { include: string[]; json: boolean; name?: string; data?: string; replace: boolean } & ResolveLimits) => {
      setExit(await (await import('./action.js')).runCommand({ file, includePath: opts.include, json: opts.json, peer: opts.name, data: opts.data, replace: opts.replace, ...limitsOf(opts) }, io));
    });
};
