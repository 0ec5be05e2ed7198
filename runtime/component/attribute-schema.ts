/**
 * The attributes a component class declares (docs/design/components.md §13): the same checks a
 * `.sf` prototype's schema gives (docs/design/language.md §11.3), for a class that states them in
 * TypeScript instead:
 *
 *     export class Greeter extends Prim {
 *       static attributes = {
 *         who: { type: 'string', required: true, description: 'whom to greet' },
 *         times: { type: 'integer', min: 1 },
 *       } satisfies AttributeSchema;
 *     }
 *
 * `frog validate` (and a peer, before it deploys a plan) checks every component of such a class:
 * a required attribute missing, a value of the wrong type, not among `values` or out of
 * `min`..`max` is an error; an attribute the class does not list (not starting with `sf`, not
 * a child component) is a warning. Values left for run time (LAZY) are not checked.
 */
import type { Diagnostic } from '../../core/diagnostics.js';
import { Messages, diagnostic } from '../../core/messages/index.js';
import type { EncodedValue, PlanNode } from '../../core/plan-types.js';
import { closestName } from '../../core/suggest.js';

export type AttributeType = 'string' | 'integer' | 'number' | 'boolean' | 'vector' | 'description' | 'reference' | 'any';

export interface AttributeSpec {
  /** One type or several (any one matching is enough); `any` when absent. */
  type?: AttributeType | AttributeType[];
  /** Missing is an error. Default false: the class has a default of its own. */
  required?: boolean;
  /** The only values allowed. */
  values?: readonly (string | number | boolean)[];
  /** The range of a number, both ends included. */
  min?: number;
  max?: number;
  /** One line: what the attribute is for (shown in messages). */
  description?: string;
}

export type AttributeSchema = Record<string, AttributeSpec>;

/** The schema a component class declares, if it declares one (a static `attributes` object). */
export function declaredAttributes(cls: unknown): AttributeSchema | undefined {
  const declared = (cls as { attributes?: unknown } | undefined)?.attributes;
  if (!declared || typeof declared !== 'object' || Array.isArray(declared)) return undefined;
  return declared as AttributeSchema;
}

/**
 * Every problem of one plan node against its class's schema, each a diagnostic carrying the
 * node's path and the attribute's name (so that the caller can point at where it was written).
 */
export function checkAttributes(node: PlanNode, schema: AttributeSchema, typeName: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const present = new Map(node.attributes);
  const lazy = new Set(node.lazy);
  const at = (name: string): Partial<Diagnostic> => ({ path: node.path, attribute: name });
  for (const [name, spec] of Object.entries(schema)) {
    const label = spec.description ? `${name} (${spec.description})` : name;
    if (!present.has(name) && !node.children.some((c) => c.name === name)) {
      if (spec.required) out.push(diagnostic(Messages.MissingAttribute, { name: label, path: node.path }, undefined, { path: node.path }));
      continue;
    }
    if (lazy.has(name) || !present.has(name)) continue;
    const problem = valueProblem(spec, present.get(name)!);
    if (problem) out.push(diagnostic(Messages.BadAttribute, { name: label, path: node.path, ...problem }, undefined, at(name)));
  }
  const listed = Object.keys(schema);
  for (const [name] of node.attributes) {
    if (name in schema || name.startsWith('sf') || name.startsWith('phase.')) continue;
    const guess = closestName(name, listed);
    out.push(
      diagnostic(Messages.UnknownAttribute, { name, path: node.path, component: typeName }, undefined, {
        ...at(name),
        ...(guess ? { hint: `Did you mean \`${guess}\`?` } : { hint: `The class lists: ${listed.join(', ')}.` }),
      }),
    );
  }
  return out;
}

/** What is wrong with one encoded value (`expected`, `found`), or undefined. */
function valueProblem(spec: AttributeSpec, v: EncodedValue): { expected: string; found: string } | undefined {
  const types = spec.type === undefined ? ['any'] : Array.isArray(spec.type) ? spec.type : [spec.type];
  if (!types.some((t) => hasType(t, v))) return { expected: types.map(article).join(' or '), found: shown(v) };
  if (spec.values && !spec.values.some((allowed) => allowed === plain(v))) {
    return { expected: `one of ${spec.values.map((a) => JSON.stringify(a)).join(', ')}`, found: shown(v) };
  }
  const n = plain(v);
  if (typeof n === 'number' && ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max))) {
    const range = spec.max === undefined ? `at least ${spec.min}` : spec.min === undefined ? `at most ${spec.max}` : `from ${spec.min} to ${spec.max}`;
    return { expected: `a number ${range}`, found: shown(v) };
  }
  return undefined;
}

function hasType(t: string, v: EncodedValue): boolean {
  const p = plain(v);
  switch (t) {
    case 'any': return true;
    case 'string': return typeof p === 'string';
    case 'integer': return (typeof p === 'number' && Number.isInteger(p)) || (isObject(v) && '$long' in v);
    case 'number': return typeof p === 'number';
    case 'boolean': return typeof p === 'boolean';
    case 'vector': return Array.isArray(v);
    case 'description': return isObject(v) && '$cd' in v;
    case 'reference': return isObject(v) && ('$ref' in v || '$apply' in v);
    default: return false;
  }
}

function isObject(v: EncodedValue): v is Exclude<EncodedValue, null | string | number | boolean | EncodedValue[]> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A scalar's plain value (Long, Float and Double unwrapped), else undefined. */
function plain(v: EncodedValue): string | number | boolean | undefined {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (!isObject(v)) return undefined;
  if ('$long' in v) return Number(v.$long);
  if ('$float' in v) return Number(v.$float);
  if ('$double' in v) return Number(v.$double);
  return undefined;
}

function shown(v: EncodedValue): string {
  if (v === null) return 'NULL';
  if (Array.isArray(v)) return `a vector of ${v.length}`;
  if (isObject(v)) {
    if ('$cd' in v) return 'a description';
    if ('$ref' in v) return `the reference ${v.$ref}`;
    if ('$apply' in v || '$assert' in v) return 'a function';
    if ('$bytes' in v) return 'bytes';
  }
  const text = JSON.stringify(plain(v));
  return text.length > 60 ? text.slice(0, 59) + '…' : text;
}

function article(t: string): string {
  if (t === 'any') return 'anything';
  return /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}
