/**
 * The options of `frog resolve`, `frog validate` and `frog compile`. The work is in action.ts, loaded only when the command runs.
 */
import type { Command } from 'commander';
import type { Register } from '../index.js';
import { limitOptions, limitsOf } from '../../limits.js';
import type { ResolveLimits } from '../../../compiler/limits.js';

/** The output formats of `frog resolve` (docs/design/language.md §14). */
export const RESOLVE_FORMATS = ['json', 'canonical', 'sf'] as const;
export type ResolveFormat = (typeof RESOLVE_FORMATS)[number];

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export const register: Register = (program: Command, io, setExit) => {
  limitOptions(program
    .command('resolve')
    .description('resolve a description and print its sfConfig (plain JSON, canonical JSON or .sf text)')
    .argument('<file>', 'the .sf file')
    .option('-I, --include <dir>', 'add a folder to the include path (repeatable)', collect, [])
    .option('--format <format>', `${RESOLVE_FORMATS.join(', ')}`, 'json'))
    .action(async (file: string, opts: { include: string[]; format: string } & ResolveLimits) => {
      const format = RESOLVE_FORMATS.find((f) => f === opts.format);
      if (!format) {
        // A usage error, with commander's code for those (1).
        io.stderr(`frog resolve: unknown format \`${opts.format}\`; use one of ${RESOLVE_FORMATS.join(', ')}\n`);
        setExit(1);
        return;
      }
      setExit(await (await import('./action.js')).resolveCommand({ file, includePath: opts.include, format, ...limitsOf(opts) }, io));
    });
  limitOptions(program
    .command('validate')
    .description('resolve descriptions and report every problem; exit 0 when there is none')
    .argument('<files...>', 'the .sf files')
    .option('-I, --include <dir>', 'add a folder to the include path (repeatable)', collect, []))
    .action(async (files: string[], opts: { include: string[] } & ResolveLimits) => {
      setExit(await (await import('./action.js')).validateCommand({ files, includePath: opts.include, ...limitsOf(opts) }, io));
    });
  limitOptions(program
    .command('compile')
    .description('compile a description into a deployment plan (JSON for .json, msgpack otherwise)')
    .argument('<file>', 'the .sf file')
    .option('-I, --include <dir>', 'add a folder to the include path (repeatable)', collect, [])
    .requiredOption('-o, --output <plan>', 'the plan file to write')
    .option('--name <app>', 'the application name (default: the file name)'))
    .action(async (file: string, opts: { include: string[]; output: string; name?: string } & ResolveLimits) => {
      setExit(await (await import('./action.js')).compileCommand({ file, includePath: opts.include, output: opts.output, name: opts.name, ...limitsOf(opts) }, io));
    });
};
