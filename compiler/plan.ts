/**
 * Deployment plans (docs/design/pipeline.md): the resolved `sfConfig` as a tree of component nodes.
 * A node's children are the eager descriptions among its attributes, in order; a LAZY or
 * DATA description is a plain value. Every node needs an `sfClass`. The id is the SHA-256
 * of the canonical msgpack encoding of the plan without its id, so the same sources give
 * the same bytes.
 */
import { basename, extname, resolve as resolvePath } from 'node:path';
import { DiagnosticBag, type Diagnostic } from '../core/diagnostics.js';
import { Messages, diagnostic } from '../core/messages/index.js';
import type { SourceFile } from '../core/source.js';
import { encodeValue } from '../core/canonical.js';
import { planId } from '../core/plan-format.js';
import { isLazyValue } from './link-phase.js';
import { PLAN_FORMAT, type DeploymentPlan, type EncodedValue, type PlanNode } from '../core/plan-types.js';
import { resolveFile, type ResolveOptions } from './resolve.js';
import { Description } from '../core/values.js';

export interface CompileOptions {
  /** The application name; defaults to the source file's base name without extension. */
  name?: string;
  /** The file the description came from. */
  source?: string;
}

export interface CompileResult {
  plan?: DeploymentPlan;
  diagnostics: Diagnostic[];
}

/** Turns a resolved `sfConfig` into a deployment plan. */
export function compile(description: Description, options: CompileOptions = {}): CompileResult {
  const bag = new DiagnosticBag();
  if (!description.eager) {
    // A data description is not a component; the root of a plan must be one (pipeline.md §3.5).
    bag.add(diagnostic(Messages.RootIsData, {}, description.span));
    return { diagnostics: bag.items };
  }
  const root = node(description, 'sfConfig', 'sfConfig', bag);
  if (bag.hasErrors) return { diagnostics: bag.items };
  const source = options.source ? resolvePath(options.source) : '';
  const name = options.name ?? (source ? basename(source, extname(source)) : 'app');
  const withoutId = { format: PLAN_FORMAT as typeof PLAN_FORMAT, id: '', name, source, root };
  const id = planId(withoutId);
  return { plan: { format: PLAN_FORMAT, id, name, source, root }, diagnostics: bag.items };
}

export interface CompileFileResult extends CompileResult {
  sources: Map<string, SourceFile>;
  /** The resolved `sfConfig` the plan was built from (for diagnostics with source spans). */
  description?: Description;
  /**
   * On resolution errors, the components that did resolve (see `componentsOf`) with the
   * partial `sfConfig` they came from: their types can still be checked in the same run.
   */
  partial?: { root: PlanNode; description: Description };
}

/** Resolves a file and compiles it: the whole pipeline of `frog compile`. */
export function compileFile(path: string, options: ResolveOptions & CompileOptions = {}): CompileFileResult {
  const resolved = resolveFile(path, options);
  if (!resolved.description) {
    const partial = resolved.partial ? { root: componentsOf(resolved.partial), description: resolved.partial } : undefined;
    return { diagnostics: resolved.diagnostics, sources: resolved.sources, ...(partial ? { partial } : {}) };
  }
  const compiled = compile(resolved.description, { name: options.name, source: path });
  return { ...compiled, diagnostics: [...resolved.diagnostics, ...compiled.diagnostics], sources: resolved.sources, description: resolved.description };
}

function node(cd: Description, name: string, path: string, bag: DiagnosticBag): PlanNode {
  const attributes: [string, EncodedValue][] = [];
  const tags: Record<string, string[]> = {};
  const lazy: string[] = [];
  const children: PlanNode[] = [];
  for (const [attrName, attr] of cd.attrs) {
    const v = attr.value;
    if (v instanceof Description && v.eager) {
      children.push(node(v, attrName, `${path}:${attrName}`, bag));
      continue;
    }
    attributes.push([attrName, encodeValue(v)]);
    if (attr.tags?.size) tags[attrName] = [...attr.tags].sort();
    if (isLazyValue(v)) lazy.push(attrName);
  }
  const type = cd.get('sfClass');
  if (typeof type !== 'string' || type === '') {
    bag.add(diagnostic(Messages.NoComponentClass, { path }, cd.span));
  }
  const host = cd.get('sfProcessHost');
  const result: PlanNode = {
    name,
    path,
    type: typeof type === 'string' ? type : '',
    host: typeof host === 'string' ? host : '',
    attributes,
    lazy,
    children,
  };
  if (Object.keys(tags).length) result.tags = tags;
  return result;
}

/**
 * The component tree of a partly resolved `sfConfig` (docs/design/pipeline.md §3.2), for the
 * checks that need only each component's type: a node for every eager description whose
 * `sfClass` resolved to a name, with no attributes (they may hold what failed). A description
 * whose prototypes failed (broken) or whose class did not resolve has no node of its own;
 * its components hang from the nearest ancestor that has one.
 */
export function componentsOf(cd: Description): PlanNode {
  const root: PlanNode = { name: 'sfConfig', path: 'sfConfig', type: '', host: '', attributes: [], lazy: [], children: [] };
  const visit = (d: Description, path: string, parent: PlanNode): void => {
    for (const [name, attr] of d.attrs) {
      const v = attr.value;
      if (!(v instanceof Description) || !v.eager) continue;
      const childPath = `${path}:${name}`;
      const type = v.broken ? undefined : v.get('sfClass');
      if (typeof type === 'string' && type !== '') {
        const node: PlanNode = { name, path: childPath, type, host: '', attributes: [], lazy: [], children: [] };
        parent.children.push(node);
        visit(v, childPath, node);
      } else {
        visit(v, childPath, parent);
      }
    }
  };
  const type = cd.broken ? undefined : cd.get('sfClass');
  if (typeof type === 'string') root.type = type;
  visit(cd, 'sfConfig', root);
  return root;
}
