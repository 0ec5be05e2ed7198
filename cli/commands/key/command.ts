/**
 * `frog key`'s options. The work is in action.ts, loaded only when the command runs.
 */
import type { Command } from 'commander';
import type { Io } from '../../io.js';
import type { Register } from '../index.js';

export const register: Register = (program: Command, io: Io, setExit) => {
  const key = program
    .command('key')
    .description('manage group keys')
    .addHelpText('after', '\nExit codes: 0 done, 1 the file exists or cannot be written, or a usage error.');
  key
    .command('generate <file>')
    .description('create a new group key file readable only by its owner')
    .option('--json', 'print {"file", "mode", "diagnostics"} on standard output', false)
    .addHelpText('after', '\nExit codes: 0 written, 1 the file exists or cannot be written, or a usage error.')
    .action(async (file: string, opts: { json: boolean }) => setExit(await (await import('./action.js')).keyGenerateCommand({ file, json: opts.json }, io)));
};
