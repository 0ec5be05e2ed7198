/** What several commands share: printing diagnostics, and getting a plan from a `.sf` file or a compiled plan file. */
import { readFile } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { compileFile, componentsOf, type CompileFileResult } from '../compiler/plan.js';
import { readPlan, PlanFormatError } from '../core/plan-format.js';
import type { DeploymentPlan, PlanNode } from '../core/plan-types.js';
import type { Diagnostic } from '../core/diagnostics.js';
import { Messages, diagnostic } from '../core/messages/index.js';
import type { Io } from './io.js';
import { reportDiagnostics } from './report.js';

export { reportDiagnostics };
import type { Description } from '../core/values.js';

/**
 * The plan in `file`: a `.sf` description is compiled (diagnostics printed); anything else is
 * read as a compiled plan (JSON or msgpack, as `frog compile` writes them).
 */
export async function loadPlan(o: { file: string; includePath?: string[]; name?: string; checkTypes?: 'all' | 'names'; maxValues?: number; maxDepth?: number }, io: Io): Promise<DeploymentPlan | undefined> {
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
  const result = compileFile(file, { includePath: (o.includePath ?? []).map((p) => resolvePath(io.cwd, p)), env: io.env, name: o.name, maxValues: o.maxValues, maxDepth: o.maxDepth });
  const types = o.checkTypes ? await componentDiagnostics(result, file, { loadModules: o.checkTypes === 'all' }) : [];
  if (reportDiagnostics([...result.diagnostics, ...types], result.sources, io) || !result.plan) return undefined;
  return result.plan;
}

/**
 * The component checks of a compiled file (checkComponentTypes): on the plan when there is
 * one; else on the components that did resolve, types only, so that a mistake in one place
 * does not hide an independent one in another (docs/design/pipeline.md §3.2).
 */
export async function componentDiagnostics(result: CompileFileResult, source: string, options: { loadModules?: boolean } = {}): Promise<Diagnostic[]> {
  if (result.plan) return checkComponentTypes(result.plan, result.description, options);
  const partial = result.partial ?? (result.description ? { root: componentsOf(result.description), description: result.description } : undefined);
  if (!partial) return [];
  return checkComponentTypes({ root: partial.root, source }, partial.description, { ...options, attributes: false });
}

/**
 * Every component type of a plan that this frogpond cannot provide: unknown names, user
 * modules that are missing, do not load, or do not export the class (SF4001–SF4003), and the
 * attributes of components whose class declares them; each with the span of what chose it
 * (the attribute, else `sfClass`) when the description is at hand. `attributes: false` for the
 * component tree of a description that did not resolve (compiler/plan.ts componentsOf).
 */
export async function checkComponentTypes(
  plan: { root: PlanNode; source: string },
  description?: Description,
  options: { loadModules?: boolean; attributes?: boolean } = {},
): Promise<Diagnostic[]> {
  // Loaded here, not at start-up: only the commands that check types need the component library.
  const [{ createStandardRegistry }, { ComponentRegistry }] = await Promise.all([import('../stdlib/index.js'), import('../runtime/host/registry.js')]);
  const registry = createStandardRegistry();
  let diagnostics: Diagnostic[];
  if (options.loadModules ?? true) diagnostics = await registry.prepare(plan.root, plan.source, { attributes: options.attributes });
  else {
    // Names only: user modules are loaded where the parts run, which may be other machines.
    diagnostics = [];
    const visit = (node: PlanNode): void => {
      if (node.type !== '' && !registry.has(node.type) && !ComponentRegistry.isModuleType(node.type)) {
        diagnostics.push(diagnostic(Messages.UnknownComponentType, { type: node.type, path: node.path }, undefined, { path: node.path }));
      }
      node.children.forEach(visit);
    };
    visit(plan.root);
  }
  if (!description || !diagnostics.length) return diagnostics;
  return diagnostics.map((d) => {
    const cd = d.path ? descriptionAt(description, d.path) : undefined;
    const span = (d.attribute ? cd?.attrs.get(d.attribute)?.span : undefined) ?? cd?.attrs.get('sfClass')?.span ?? cd?.span;
    return span && !d.span ? { ...d, span } : d;
  });
}

/** The description at a component path (`sfConfig:a:b`) below `root` (the `sfConfig`). */
function descriptionAt(root: Description, path: string): Description | undefined {
  let cd: Description | undefined = root;
  for (const name of path.split(':').slice(1)) {
    const v: unknown = cd?.get(name);
    cd = v instanceof Object && 'attrs' in v ? (v as Description) : undefined;
  }
  return cd;
}
