/**
 * `frog run`'s options. The command itself (run.ts) loads the runtime, the standard
 * components and the store, so it is imported only when `frog run` runs.
 */
import { Option, type Command } from 'commander';
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
    .option('--json', 'print every event and diagnostic as a JSON line on standard output, nothing on standard error', false)
    .option('-q, --quiet', "only the components' output and errors: no lifecycle lines", false)
    .addOption(new Option('--verbose', 'every event as a line with all its details, also on a terminal').default(false).conflicts('quiet'))
    .option('--name <peer>', 'the peer name shown in events (default: the host name)')
    .option('--data <dir>', 'checkpoint to this data directory and recover the application it holds')
    .option('--replace', 'with --data: discard an application of the same name from another plan', false)
    .addHelpText('after', '\nExit codes: 0 normal termination, 1 errors in the description or plan, a refused data directory or a usage error, 2 abnormal termination, 128+N after signal N.'))
    .action(async (file: string, opts: { include: string[]; json: boolean; name?: string; data?: string; replace: boolean; quiet: boolean; verbose: boolean } & ResolveLimits) => {
      setExit(await (await import('./action.js')).runCommand({ file, includePath: opts.include, json: opts.json, peer: opts.name, data: opts.data, replace: opts.replace, quiet: opts.quiet, verbose: opts.verbose, ...limitsOf(opts) }, io));
    });
};
