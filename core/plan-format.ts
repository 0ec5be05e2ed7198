/**
 * The deployment plan as bytes: its content id, its two encodings (JSON text and canonical
 * msgpack) and the check every reader applies (`readPlan`). The compiler writes plans; the
 * peers, the store and the CLI read them, so this lives at the bottom with the plan's types.
 */
import { createHash } from 'node:crypto';
import { msgpackDecodeCanonical, msgpackEncodeCanonical } from './canonical.js';
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
