/**
 * `frog fmt`'s options. The work is in action.ts, loaded only when the command runs.
 */
import type { Command } from 'commander';
import type { Register } from '../index.js';

export const register: Register = (program: Command, io, setExit) => {
  program
    .command('fmt')
    .description('format .sf files in place (comments kept); --check lists the files that would change')
    .argument('<files...>', '.sf files to format')
    .option('--check', 'change nothing: print the files that are not formatted, exit 1 if there is any', false)
    .action(async (files: string[], opts: { check: boolean }) => {
      setExit(await (await import('./action.js')).fmtCommand({ files, check: opts.check }, io));
    });
};
