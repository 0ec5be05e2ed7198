/**
 * The options of `frog explain`: why an attribute has its value. The work is in action.ts, loaded only when the command runs.
 */
import type { Command } from 'commander';
import type { Register } from '../index.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export const register: Register = (program: Command, io, setExit) => {
  program
    .command('explain')
    .description('explain why an attribute has its value: the prototypes, overrides, placements and lookups that produced it')
    .argument('<file>', 'the .sf file')
    .argument('<path>', 'the attribute, from sfConfig (web:port, or sfConfig:web:port), or from the root (ROOT:Base:port)')
    .option('-I, --include <dir>', 'add a folder to the include path (repeatable)', collect, [])
    .option('--json', 'print the explanation as JSON: the value and every step with its file, line and column; diagnostics too')
    .addHelpText('after', '\nExit codes: 0 explained, 1 errors in the description, a path that names no attribute, or a usage error.')
    .action(async (file: string, path: string, opts: { include: string[]; json?: boolean }) => {
      setExit(await (await import('./action.js')).explainCommand({ file, path, includePath: opts.include, json: opts.json === true }, io));
    });
};
