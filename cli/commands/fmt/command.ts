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
    .option('--json', 'print {"check", "changed", "unchanged", "failed": [{file, diagnostics}]} on standard output', false)
    .option('-q, --quiet', 'print no file names: the exit code says it', false)
    .addHelpText('after', '\nExit codes: 0 every file formatted (with --check: already formatted), 1 a syntax error, an unreadable or unwritable file, with --check a file that would change, or a usage error.')
    .action(async (files: string[], opts: { check: boolean; json: boolean; quiet: boolean }) => {
      setExit(await (await import('./action.js')).fmtCommand({ files, check: opts.check, json: opts.json, quiet: opts.quiet }, io));
    });
};
