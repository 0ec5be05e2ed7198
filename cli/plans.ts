/** What several commands share: printing diagnostics, and getting a plan from a `.sf` file or a compiled plan file. */
import { readFile } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { compileFile, readPlan, PlanFormatError } from '../compiler/plan.js';
import type { DeploymentPlan } from '../compiler/plan-types.js';
import type { Diagnostic } from '../language/diagnostics.js';
import { Messages, diagnostic } from '../language/messages.js';
import { renderDiagnostics } from '../language/render.js';
import type { SourceFile } from '../language/source.js';
import type { Io } from './io.js';

/** Prints diagnostics to stderr; true when any is an error. */
export function reportDiagnostics(diagnostics: Diagnostic[], sources: Map<string, SourceFile>, io: Io): boolean {
  if (diagnostics.length) {
    io.stderr(renderDiagnostics(diagnostics, (f) => sources.get(f), { cwd: io.cwd, color: io.isTty && !io.env.NO_COLOR }));
  }
  return diagnostics.some((d) => d.severity === 'error');
}

/**
 * The plan in `file`: a `.sf` description is compiled (diagnostics printed); anything else is
 * read as a compiled plan (JSON or msgpack, as `frog compile` writes them).
 */
export async function loadPlan(o: { file: string; includePath?: string[]; name?: string }, io: Io): Promise<DeploymentPlan | undefined> {
  const file = resolvePath(io.cwd, o.file);
  if (!file.endsWith('.sf')) {
    try {
      return readPlan(await readFile(file));
    } catch (e) {
      const reason = e instanceof PlanFormatError ? e.reason : (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
      reportDiagnostics([diagnostic(Messages.BadPlanFile, { file: o.file, reason })], new Map(), io);
      return undefined;
    }
  }
  const result = compileFile(file, { includePath: (o.includePath ?? []).map((p) => resolvePath(io.cwd, p)), env: io.env, name: o.name });
  if (reportDiagnostics(result.diagnostics, result.sources, io) || !result.plan) return undefined;
  return result.plan;
}
