/** `frog resolve`, `frog validate` and `frog compile`: the resolver and the plan builder from the command line. */
import { writeFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { resolveFile } from '../../../compiler/resolve.js';
import { toCanonicalJson } from '../../../core/canonical.js';
import { unparseConfig } from '../../../compiler/unparse.js';
import { toPlainJson } from '../../../compiler/plain-json.js';
import { reportDiagnostics } from '../../report.js';
import type { Io } from '../../io.js';
import type { ResolveFormat } from './command.js';
import type { ResolveLimits } from '../../../compiler/limits.js';

export interface ResolveCommandOptions extends ResolveLimits {
  file: string;
  includePath: string[];
  /** `json` plain JSON, `canonical` the canonical JSON, `sf` a .sf file that resolves to the same (docs/design/language.md §14). */
  format: ResolveFormat;
}


const abs = (io: Io, p: string): string => resolvePath(io.cwd, p);

export async function resolveCommand(o: ResolveCommandOptions, io: Io): Promise<number> {
  const result = resolveFile(abs(io, o.file), { includePath: o.includePath.map((p) => abs(io, p)), env: io.env, maxValues: o.maxValues, maxDepth: o.maxDepth });
  if (reportDiagnostics(result.diagnostics, result.sources, io) || !result.description) return 1;
  const d = result.description;
  io.stdout(o.format === 'sf' ? unparseConfig(d) : o.format === 'canonical' ? toCanonicalJson(d) : toPlainJson(d));
  return 0;
}

/** Resolution, plan building and component types: everything `frog run` would reject before deploying. */
export async function validateCommand(o: { files: string[]; includePath: string[] } & ResolveLimits, io: Io): Promise<number> {
  // The plan builder and the component checks, loaded only by the commands that use them.
  const { compileFile } = await import('../../../compiler/plan.js');
  const { componentDiagnostics } = await import('../../plans.js');
  let failed = false;
  for (const file of o.files) {
    const result = compileFile(abs(io, file), { includePath: o.includePath.map((p) => abs(io, p)), env: io.env, maxValues: o.maxValues, maxDepth: o.maxDepth });
    const types = await componentDiagnostics(result, abs(io, file));
    if (reportDiagnostics([...result.diagnostics, ...types], result.sources, io)) failed = true;
  }
  return failed ? 1 : 0;
}

export async function compileCommand(o: { file: string; includePath: string[]; output: string; name?: string } & ResolveLimits, io: Io): Promise<number> {
  const { compileFile } = await import('../../../compiler/plan.js');
  const { serialisePlan } = await import('../../../core/plan-format.js');
  const result = compileFile(abs(io, o.file), { includePath: o.includePath.map((p) => abs(io, p)), name: o.name, env: io.env, maxValues: o.maxValues, maxDepth: o.maxDepth });
  if (reportDiagnostics(result.diagnostics, result.sources, io) || !result.plan) return 1;
  const out = abs(io, o.output);
  try {
    writeFileSync(out, serialisePlan(result.plan, out.endsWith('.json') ? 'json' : 'msgpack'));
  } catch (e) {
    io.stderr(`frog compile: cannot write \`${o.output}\`: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  io.stderr(`plan ${result.plan.id.slice(0, 12)} written to ${o.output}\n`);
  return 0;
}

