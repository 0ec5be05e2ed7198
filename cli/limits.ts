/**
 * `--max-values` and `--max-depth`: the bounds of a resolution (docs/design/language.md §7.9),
 * shared by every command that resolves a description (resolve, validate, compile, run).
 */
import { InvalidArgumentError, type Command } from 'commander';
import { DEFAULT_MAX_DEPTH, DEFAULT_MAX_VALUES, type ResolveLimits } from '../compiler/limits.js';

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of at least 1.');
  return n;
}

/** Adds the two options to a command. */
export function limitOptions(command: Command): Command {
  return command
    .option('--max-values <n>', `stop resolving after copying this many attribute values (default ${DEFAULT_MAX_VALUES}, or 50 per byte of the sources when more)`, positiveInteger)
    .option('--max-depth <n>', `the longest chain of prototypes or links, the deepest copy (default ${DEFAULT_MAX_DEPTH})`, positiveInteger);
}

/** The limits the options give, for ResolveOptions. */
export function limitsOf(opts: { maxValues?: number; maxDepth?: number }): ResolveLimits {
  return { maxValues: opts.maxValues, maxDepth: opts.maxDepth };
}
