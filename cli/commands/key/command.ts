/**
 * `frog key`'s options. The work is in action.ts, loaded only when the command runs.
 */
import type { Command } from 'commander';
import type { Io } from '../../io.js';
import type { Register } from '../index.js';

export const register: Register = (program: Command, io: Io, setExit) => {
  const key = program.command('key').description('manage group keys');
  key
    .command('generate <file>')
    .description('create a new group key file readable only by its owner')
    .action(async (file: string) => setExit(await (await import('./action.js')).keyGenerateCommand({ file }, io)));
};
