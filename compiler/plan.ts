/**
 * Deployment plans (architecture.md): the resolved `sfConfig` as a tree of component nodes.
 * A node's children are the eager descriptions among its attributes, in order; a LAZY or
 * DATA description is a plain value. Every node needs an `sfClass`. The id is the SHA-256
 * of the canonical msgpack encoding of the plan without its id, so the same sources give
 * the same bytes.
 */
import { createHash } from 'node:crypto';
import { basename, extname, resolve as resolvePath } from 'node:path';
import { DiagnosticBag, type Diagnostic } from '../core/diagnostics.js';
import { Messages, diagnostic } from '../core/messages/index.js';
import type { SourceFile } from '../core/source.js';
import { encodeValue, msgpackDecodeCanonical, msgpackEncodeCanonical } from '../core/canonical.js';
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
}

/** Resolves a file and compiles it: the whole pipeline of `frog compile`. */
export function compileFile(path: string, options: ResolveOptions & CompileOptions = {}): CompileFileResult {
  const resolved = resolveFile(path, options);
  if (!resolved.description) return { diagnostics: resolved.diagnostics, sources: resolved.sources };
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

export function planId(plan: DeploymentPlan | Omit<DeploymentPlan, 'id'>): string {
  const { format, name, source, root } = plan;
  const bytes = msgpackEncodeCanonical({ format, name, source, root } as unknown as EncodedValue);
  return createHash('sha256').update(bytes).digest('hex');
}

/** The plan's bytes: JSON text (for `.json`) or canonical msgpack. */
export function serialisePlan(plan: DeploymentPlan, format: 'json' | 'msgpack'): Uint8Array {
  if (format === 'json') return Buffer.from(JSON.stringify(plan, null, 2) + '\n');
  return msgpackEncodeCanonical(plan as unknown as EncodedValue);
}

export class PlanFormatError extends Error {
  constructor(readonly reason: string) {
    super(`Invalid deployment plan: ${reason}.`);
  }
}

/** Reads a plan from JSON or msgpack bytes and checks its shape and id. */
export function readPlan(bytes: Uint8Array): DeploymentPlan {
  let value: unknown;
  const text = bytes.length && bytes[0] === 0x7b ? Buffer.from(bytes).toString('utf8') : undefined;
  try {
    value = text !== undefined ? JSON.parse(text) : msgpackDecodeCanonical(bytes);
  } catch (e) {
    throw new PlanFormatError(`it is neither JSON nor msgpack (${e instanceof Error ? e.message : String(e)})`);
  }
  const plan = value as DeploymentPlan;
  if (!plan || typeof plan !== 'object') throw new PlanFormatError('it is not an object');
  if (plan.format === undefined) throw new PlanFormatError(`it has no \`format\` field: it is not a plan written by \`frog compile\` (a description is a .sf file)`);
  if (plan.format !== PLAN_FORMAT) throw new PlanFormatError(`its format ${JSON.stringify(plan.format)} is not ${PLAN_FORMAT}, the only one this frogpond reads`);
  checkNode(plan.root, 'root');
  if (typeof plan.id !== 'string' || plan.id !== planId(plan)) throw new PlanFormatError('its id does not match its content');
  return plan;
}

function checkNode(n: unknown, where: string, depth = 0): void {
  if (depth > 1000) throw new PlanFormatError('it is nested too deeply');
  const node = n as PlanNode;
  if (!node || typeof node !== 'object') throw new PlanFormatError(`${where} is not a node`);
  for (const key of ['name', 'path', 'type', 'host'] as const) {
    if (typeof node[key] !== 'string') throw new PlanFormatError(`${where}.${key} is not a string`);
  }
  if (!Array.isArray(node.attributes) || !Array.isArray(node.lazy) || !Array.isArray(node.children)) {
    throw new PlanFormatError(`${where} lacks attributes, lazy or children`);
  }
  node.children.forEach((c, i) => checkNode(c, `${node.path}.children[${i}]`, depth + 1));
}
