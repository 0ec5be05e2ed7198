/**
 * Reading a compiled plan file (`frog compile -o PLAN`): JSON, or msgpack for `.plan`.
 * A malformed file is a reason, never a crash.
 */
import { readFile } from 'node:fs/promises';
import { unpack } from 'msgpackr';
import { PLAN_FORMAT, type DeploymentPlan, type PlanNode } from '../compiler/plan-types.js';

export class PlanFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanFileError';
  }
}

function checkNode(n: unknown, where: string): asserts n is PlanNode {
  if (typeof n !== 'object' || n === null) throw new PlanFileError(`${where} is not a component node`);
  const node = n as Record<string, unknown>;
  for (const key of ['name', 'path', 'type', 'host'] as const) {
    if (typeof node[key] !== 'string') throw new PlanFileError(`${where} has no string \`${key}\``);
  }
  if (!Array.isArray(node.attributes)) throw new PlanFileError(`${where} has no \`attributes\` list`);
  if (!Array.isArray(node.lazy)) node.lazy = [];
  if (!Array.isArray(node.children)) throw new PlanFileError(`${where} has no \`children\` list`);
  for (const a of node.attributes) {
    if (!Array.isArray(a) || a.length !== 2 || typeof a[0] !== 'string') throw new PlanFileError(`${where} has a malformed attribute`);
  }
  (node.children as unknown[]).forEach((c, i) => checkNode(c, `${node.path as string}: child ${i}`));
}

/** Checks the shape of a decoded plan; throws PlanFileError with a reason. */
export function checkPlan(data: unknown): DeploymentPlan {
  if (typeof data !== 'object' || data === null) throw new PlanFileError('not a plan object');
  const plan = data as Record<string, unknown>;
  if (plan.format !== PLAN_FORMAT) throw new PlanFileError(`unsupported plan format ${JSON.stringify(plan.format)} (expected ${PLAN_FORMAT})`);
  if (typeof plan.name !== 'string') throw new PlanFileError('the plan has no name');
  if (typeof plan.source !== 'string') plan.source = '';
  if (typeof plan.id !== 'string') plan.id = '';
  checkNode(plan.root, 'the root');
  return plan as unknown as DeploymentPlan;
}

export async function loadPlanFile(file: string): Promise<DeploymentPlan> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new PlanFileError((e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message);
  }
  let data: unknown;
  try {
    data = file.endsWith('.json') ? JSON.parse(bytes.toString('utf8')) : unpack(bytes);
  } catch (e) {
    throw new PlanFileError(`not a ${file.endsWith('.json') ? 'JSON' : 'msgpack'} plan (${(e as Error).message})`);
  }
  return checkPlan(data);
}
