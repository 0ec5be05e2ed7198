/**
 * The deployment plan as bytes: its content id, its two encodings (JSON text and canonical
 * msgpack) and the check every reader applies (`readPlan`). The compiler writes plans; the
 * peers, the store and the CLI read them, so this lives at the bottom with the plan's types.
 */
import { createHash } from 'node:crypto';
import { CanonicalError, decodeValue, msgpackDecodeCanonical, msgpackEncodeCanonical } from './canonical.js';
import { FrogError } from './errors.js';
import { Messages } from './messages/index.js';
import { PLAN_FORMAT, type DeploymentPlan, type EncodedValue, type PlanNode } from './plan-types.js';

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

/** Bytes that are not a valid plan (SF3203); `reason` says why, for messages that embed it. */
export class PlanFormatError extends FrogError {
  constructor(readonly reason: string) {
    super(Messages.PlanInvalid, { reason });
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
  if (typeof plan.name !== 'string' || plan.name === '') throw new PlanFormatError('its `name` is not a non-empty string');
  if (typeof plan.source !== 'string') throw new PlanFormatError('its `source` is not a string');
  checkNode(plan.root, 'root');
  if (typeof plan.id !== 'string' || plan.id !== planId(plan)) throw new PlanFormatError('its id does not match its content');
  return plan;
}

/** The most nodes one plan may hold: far above any real application, far below what exhausts a peer. */
export const MAX_PLAN_NODES = 1_000_000;

/**
 * Checks a node tree completely, so that a peer never meets a malformed plan half-way through
 * a deployment: every field has its type, attribute and child names are strings and unique
 * within a node (a child and an attribute may not share a name), every path is its parent's
 * path and its name, `lazy` and `tags` name attributes the node has, and every attribute value
 * is a canonical value. `where` names the node in the reason.
 */
export function checkNode(n: unknown, where: string): void {
  let count = 0;
  const visit = (n: unknown, where: string, parentPath: string | undefined, depth: number): void => {
    if (depth > 1000) throw new PlanFormatError('it is nested too deeply');
    if (++count > MAX_PLAN_NODES) throw new PlanFormatError(`it has more than ${MAX_PLAN_NODES} components`);
    const node = n as PlanNode;
    if (!node || typeof node !== 'object' || Array.isArray(node)) throw new PlanFormatError(`${where} is not a node`);
    for (const key of ['name', 'path', 'type', 'host'] as const) {
      if (typeof node[key] !== 'string') throw new PlanFormatError(`${where}.${key} is not a string`);
    }
    if (node.name === '') throw new PlanFormatError(`${where} has an empty name`);
    if (parentPath !== undefined && node.path !== `${parentPath}:${node.name}`) {
      throw new PlanFormatError(`${where}.path is \`${node.path}\`, not its parent's path and its name (\`${parentPath}:${node.name}\`)`);
    }
    if (!Array.isArray(node.attributes) || !Array.isArray(node.lazy) || !Array.isArray(node.children)) {
      throw new PlanFormatError(`${where} lacks attributes, lazy or children`);
    }
    const names = new Set<string>();
    node.attributes.forEach((entry: unknown, i) => {
      if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string' || entry[0] === '') {
        throw new PlanFormatError(`${node.path}.attributes[${i}] is not a [name, value] pair`);
      }
      const name = entry[0];
      if (names.has(name)) throw new PlanFormatError(`${node.path} has the attribute \`${name}\` twice`);
      names.add(name);
      try {
        decodeValue(entry[1] as EncodedValue);
      } catch (e) {
        if (!(e instanceof CanonicalError)) throw e;
        throw new PlanFormatError(`the value of ${node.path}:${name} is not a canonical value: ${e.message}`);
      }
    });
    node.lazy.forEach((name: unknown, i) => {
      if (typeof name !== 'string' || !names.has(name)) throw new PlanFormatError(`${node.path}.lazy[${i}] does not name an attribute of the node`);
    });
    if (node.tags !== undefined) {
      if (!node.tags || typeof node.tags !== 'object' || Array.isArray(node.tags)) throw new PlanFormatError(`${node.path}.tags is not an object`);
      for (const [name, tags] of Object.entries(node.tags)) {
        if (!names.has(name)) throw new PlanFormatError(`${node.path}.tags names \`${name}\`, which is not an attribute of the node`);
        if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string')) throw new PlanFormatError(`${node.path}.tags.${name} is not a list of strings`);
      }
    }
    node.children.forEach((c, i) => {
      visit(c, `${node.path}.children[${i}]`, node.path, depth + 1);
      const name = (c as PlanNode).name;
      if (names.has(name)) throw new PlanFormatError(`${node.path} has two parts named \`${name}\``);
      names.add(name);
    });
  };
  visit(n, where, undefined, 0);
}
