/** `frog resolve`, `frog validate` and `frog compile`: the resolver and the plan builder from the command line. */
import { writeFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { resolveFile } from '../../../compiler/resolve.js';
import { writeCanonicalJson } from '../../../core/canonical-json.js';
import { unparseConfig } from '../../../compiler/unparse.js';
import { writePlainJson } from '../../../compiler/plain-json.js';
import { Output, type JsonDiagnostic } from '../../output.js';
import type { Io } from '../../io.js';
import type { ResolveFormat } from './command.js';
import type { ResolveLimits } from '../../../compiler/limits.js';

export interface ResolveCommandOptions extends ResolveLimits {
  file: string;
  includePath: string[];
  /** `json` plain JSON, `canonical` the canonical JSON, `sf` a .sf file that resolves to the same (docs/design/language.md §14). */
  format: ResolveFormat;
  /**
   * `--json`: the plain JSON on success; on failure `{"diagnostics": [...]}` instead of text. The
   * warnings of a description that resolves go to stderr, as one `{"diagnostics": [...]}`.
   */
  json?: boolean;
  /** `--compact`: the plain JSON on one line, without spaces. */
  compact?: boolean;
}

const abs = (io: Io, p: string): string => resolvePath(io.cwd, p);

/** Exit 0 with the result on stdout; 1 when the description has errors. */
export async function resolveCommand(o: ResolveCommandOptions, io: Io): Promise<number> {
  const out = new Output('resolve', io, { mode: o.json ? 'json' : 'text' });
  const result = resolveFile(abs(io, o.file), { includePath: o.includePath.map((p) => abs(io, p)), env: io.env, maxValues: o.maxValues, maxDepth: o.maxDepth });
  const failed = out.diagnose(result.diagnostics, result.sources) || !result.description;
  if (failed) {
    if (o.json) out.document({});
    return 1;
  }
  // The document is the plain JSON itself: warnings cannot go in it.
  if (o.json && out.diagnostics.length) io.stderr(JSON.stringify({ diagnostics: out.diagnostics }) + '\n');
  const d = result.description!;
  // The JSON goes out in chunks as it is written (docs/design/output.md): a big result is never one string.
  if (o.format === 'sf') io.stdout(unparseConfig(d));
  else if (o.format === 'canonical') writeCanonicalJson(d, io.stdout);
  else writePlainJson(d, { compact: o.compact, sink: io.stdout });
  return 0;
}

export interface ValidateCommandOptions extends ResolveLimits {
  files: string[];
  includePath: string[];
  /** `{"files": [{"file", "diagnostics"}], "errors", "warnings"}` on stdout. */
  json?: boolean;
  /** Errors only. */
  quiet?: boolean;
  /** Info diagnostics too, and one summary line per file. */
  verbose?: boolean;
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

/** Resolution, plan building and component types: everything `frog run` would reject before deploying. Exit 1 when any file has an error. */
export async function validateCommand(o: ValidateCommandOptions, io: Io): Promise<number> {
  let errors = 0;
  let warnings = 0;
  const files: { file: string; diagnostics: JsonDiagnostic[] }[] = [];
  // The plan builder and the component checks, loaded only by the commands that use them.
  const { compileFile } = await import('../../../compiler/plan.js');
  const { componentDiagnostics } = await import('../../plans.js');
  for (const file of o.files) {
    const out = new Output('validate', io, { mode: o.json ? 'json' : 'text', quiet: o.quiet, verbose: o.verbose });
    const result = compileFile(abs(io, file), { includePath: o.includePath.map((p) => abs(io, p)), env: io.env, maxValues: o.maxValues, maxDepth: o.maxDepth });
    const all = [...result.diagnostics, ...(await componentDiagnostics(result, abs(io, file)))];
    out.diagnose(all, result.sources);
    const e = all.filter((d) => d.severity === 'error').length;
    const w = all.filter((d) => d.severity === 'warning').length;
    errors += e;
    warnings += w;
    files.push({ file, diagnostics: out.diagnostics });
    if (o.verbose && !o.json) io.stderr(`${file}: ${count(e, 'error')}, ${count(w, 'warning')}\n`);
  }
  if (o.json) io.stdout(JSON.stringify({ files, errors, warnings }, null, 2) + '\n');
  return errors ? 1 : 0;
}

export interface CompileCommandOptions extends ResolveLimits {
  file: string;
  includePath: string[];
  output: string;
  name?: string;
  /** `{"plan", "output", "diagnostics"}` on stdout (`plan` and `output` only when written). */
  json?: boolean;
  /** No `plan ... written` line, no warnings. */
  quiet?: boolean;
}

/** Exit 0 when the plan was written; 1 when the description has errors or the plan cannot be written. */
export async function compileCommand(o: CompileCommandOptions, io: Io): Promise<number> {
  const out = new Output('compile', io, { mode: o.json ? 'json' : 'text', quiet: o.quiet });
  const done = (code: number, doc: object = {}): number => {
    if (out.json) out.document(doc);
    return code;
  };
  const { compileFile } = await import('../../../compiler/plan.js');
  const { serialisePlan } = await import('../../../core/plan-format.js');
  const result = compileFile(abs(io, o.file), { includePath: o.includePath.map((p) => abs(io, p)), name: o.name, env: io.env, maxValues: o.maxValues, maxDepth: o.maxDepth });
  if (out.diagnose(result.diagnostics, result.sources) || !result.plan) return done(1);
  const file = abs(io, o.output);
  try {
    writeFileSync(file, serialisePlan(result.plan, file.endsWith('.json') ? 'json' : 'msgpack'));
  } catch (e) {
    out.problem(`cannot write \`${o.output}\`: ${e instanceof Error ? e.message : String(e)}`, { file: o.output });
    return done(1);
  }
  out.note(`plan ${result.plan.id.slice(0, 12)} written to ${o.output}`);
  return done(0, { plan: result.plan.id, output: o.output });
}
