/**
 * The options of `frog resolve`, `frog validate` and `frog compile`. The work is in action.ts, loaded only when the command runs.
 */
import { Option, type Command } from 'commander';
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
    .option('--format <format>', `${RESOLVE_FORMATS.join(', ')}`, 'json')
    .option('--json', 'plain JSON (as --format json); on failure {"diagnostics": [...]} on standard output instead of text', false)
    .option('--compact', 'plain JSON on one line, without spaces (with --format json or --json)', false))
    .addHelpText('after', '\nExit codes: 0 resolved, 1 errors in the description or a usage error.')
    .action(async (file: string, opts: { include: string[]; format: string; json: boolean; compact: boolean } & ResolveLimits) => {
      const format = RESOLVE_FORMATS.find((f) => f === opts.format);
      const usage = !format
        ? `unknown format \`${opts.format}\`; use one of ${RESOLVE_FORMATS.join(', ')}`
        : opts.json && format !== 'json'
          ? `--json prints plain JSON; it cannot be used with --format ${format}`
          : opts.compact && format !== 'json'
            ? `--compact writes plain JSON; it cannot be used with --format ${format}`
            : undefined;
      if (usage || !format) {
        // A usage error, with commander's code for those (1).
        if (opts.json) io.stdout(JSON.stringify({ diagnostics: [(await import('../../output.js')).problemJson(usage!)] }, null, 2) + '\n');
        else io.stderr(`frog resolve: ${usage}\n`);
        setExit(1);
        return;
      }
      setExit(await (await import('./action.js')).resolveCommand({ file, includePath: opts.include, format, json: opts.json, compact: opts.compact, ...limitsOf(opts) }, io));
    });
  limitOptions(program
    .command('validate')
    .description('resolve descriptions and report every problem; exit 0 when there is none')
    .argument('<files...>', 'the .sf files')
    .option('-I, --include <dir>', 'add a folder to the include path (repeatable)', collect, []))
    .option('--json', 'print {"files": [{"file", "diagnostics"}], "errors", "warnings"} on standard output', false)
    .option('-q, --quiet', 'errors only, no warnings', false)
    .addOption(new Option('--verbose', 'info diagnostics too, and one summary line per file').default(false).conflicts('quiet'))
    .addHelpText('after', '\nExit codes: 0 no errors (warnings allowed), 1 an error in any file or a usage error.')
    .action(async (files: string[], opts: { include: string[]; json: boolean; quiet: boolean; verbose: boolean } & ResolveLimits) => {
      setExit(await (await import('./action.js')).validateCommand({ files, includePath: opts.include, json: opts.json, quiet: opts.quiet, verbose: opts.verbose, ...limitsOf(opts) }, io));
    });
  limitOptions(program
    .command('compile')
    .description('compile a description into a deployment plan (JSON for .json, msgpack otherwise)')
    .argument('<file>', 'the .sf file')
    .option('-I, --include <dir>', 'add a folder to the include path (repeatable)', collect, [])
    .requiredOption('-o, --output <plan>', 'the plan file to write')
    .option('--name <app>', 'the application name (default: the file name)'))
    .option('--json', 'print {"plan", "output", "diagnostics"} on standard output', false)
    .option('-q, --quiet', 'no "plan written" line, no warnings', false)
    .addHelpText('after', '\nExit codes: 0 plan written, 1 errors in the description, the plan cannot be written, or a usage error.')
    .action(async (file: string, opts: { include: string[]; output: string; name?: string; json: boolean; quiet: boolean } & ResolveLimits) => {
      setExit(await (await import('./action.js')).compileCommand({ file, includePath: opts.include, output: opts.output, name: opts.name, json: opts.json, quiet: opts.quiet, ...limitsOf(opts) }, io));
    });
};
