/**
 * `frog parse`'s options. The work is in action.ts, loaded only when the command runs.
 */
import type { Command } from 'commander';
import type { Register } from '../index.js';

export const register: Register = (program: Command, io, setExit) => {
  program
    .command('parse')
    .description('parse .sf files and print their syntax trees (diagnostics on stderr)')
    .argument('<files...>', '.sf files to parse')
    .option('--json', 'print one JSON array of {file, ast, diagnostics} instead of s-expressions and text', false)
    .addHelpText('after', '\nExit codes: 0 no syntax error, 1 a syntax error, an unreadable file or a usage error.')
    .action(async (files: string[], opts: { json: boolean }) => {
      setExit(await (await import('./action.js')).parseCommand({ files, json: opts.json }, io));
    });
};
