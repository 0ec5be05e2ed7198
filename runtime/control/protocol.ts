/**
 * The control protocol as types (docs/design/control.md §6, §7): for each operation, the request
 * a caller sends, the request as its handler receives it once checked, the answer, and the check.
 * A body that fails its check is refused (SF4409, SF4406) before any handler runs. The CLI
 * imports this module for its types only.
 */
import { readPlan, PlanFormatError, planId } from '../../core/plan-format.js';
import { PLAN_FORMAT, type DeploymentPlan, type PlanNode } from '../../core/plan-types.js';
import { Messages } from '../../core/messages/index.js';
import { ControlRefusal } from './control-server.js';

/** A termination record as it travels (the runtime's TerminationRecord). */
export interface WireRecord {
  type: string;
  reason: string;
  path: string;
  cause?: { name: string; message: string; code?: string };
}

/** One component of a status tree (§6.2). */
export interface ComponentStatus {
  name: string;
  path: string;
  /** The component type as descriptions name it (`Sequence`, `Greeter`). */
  type: string;
  /** The `sfClass` as written, when it is another name for `type` (a SmartFrog class name, a module path). */
  sfClass?: string;
  /** With `attributes`: the component's attributes as plain data (as it publishes them). */
  attributes?: Record<string, unknown>;
  state: string;
  peer: string;
  /** For a proxy: where the subtree runs and its instance. */
  remote?: { peer: string; instance: string };
  children: ComponentStatus[];
}

/** One member as a peer sees it (§6.4). */
export interface MemberStatus {
  name: string;
  id: number;
  state: string;
  control?: string;
  load?: number;
  /** For a member listed as `failed`: when it left the view (ms since the epoch). */
  since?: number;
}

export interface MembersAnswer {
  peer: string;
  control: string;
  stable: boolean;
  leader: string;
  partition: string[];
  members: MemberStatus[];
  counters: { datagramsDropped?: Record<string, number>; [counter: string]: unknown };
}

/**
 * An application that ended on a peer, from that peer's history (§6.2): the last 100, kept in
 * its store when it has one (the persistence layer's HistoryEntry, as it travels).
 */
export interface EndedApplication {
  app: string;
  /** `terminated` (a normal termination record) or `failed` (any other). */
  outcome: 'terminated' | 'failed';
  reason: string;
  /** The path the termination record names: the component that terminated first. */
  path: string;
  /** Epoch milliseconds. */
  time: number;
  /** The peer that ran its root. */
  peer: string;
}

/** `status` without `all`: one peer's view (§6.2). */
export interface PeerStatus {
  peer: string;
  control: string;
  stable: boolean;
  leader: string;
  partition: string[];
  members: MemberStatus[];
  applications: { name: string; root: ComponentStatus }[];
  subtrees: { app: string; path: string; instance: string; parentPeer: string; root: ComponentStatus }[];
  /** The applications whose root ran here and that ended, oldest first. */
  history: EndedApplication[];
  /** What this peer counted (as in `members`); absent from an older frogpond's answer. */
  counters?: MembersAnswer['counters'];
  /** The state-space names this peer provides, sorted (at most 1000); absent from an older frogpond's answer. */
  provides?: string[];
}

/** `status` with `all`: every peer's view, and each application's tree across peers (§6.2). */
export interface GroupStatus {
  peer: string;
  peers: (PeerStatus | { peer: string; error: string })[];
  applications: { name: string; peer: string; root: ComponentStatus }[];
  /** Every answering peer's history merged, oldest first; each entry names its peer. */
  history: EndedApplication[];
}

/** The answer of `deploy-subtree` and `ping-subtree` (§7.1, §7.2). */
export interface SubtreeState {
  state: string;
  record?: WireRecord;
  attributes?: Record<string, unknown>;
}

/** One part placed on a peer (§7). */
export interface SubtreeRef {
  app: string;
  path: string;
  instance: string;
}

export interface DeploySubtreeRequest extends SubtreeRef {
  parentPeer: string;
  node: PlanNode;
  source?: string;
}

export interface SubtreeRecordRequest extends SubtreeRef {
  record?: WireRecord;
}

/** One provider of a state-space name (§6.6): its id, the peer that publishes it when known, its value and time stamp. */
export interface ProviderStatus {
  id: string;
  peer?: string;
  value: unknown;
  time: number;
}

/** The answer of `query` (§6.6). */
export interface QueryAnswer {
  /** The peer that answered. */
  peer: string;
  name: string;
  providers: ProviderStatus[];
}

/** The request of the streaming operation `monitor` (§6.5): only events of this application, of this peer. */
export interface MonitorRequest {
  app?: string;
  peer?: string;
}

/** For each operation: the request sent, the request checked, the answer. */
export interface Protocol {
  deploy: { request: { plan: string; name?: string; wait?: number }; checked: { plan: DeploymentPlan; name: string; wait: number }; answer: { app: string; peer: string; state: string; record?: WireRecord } };
  status: { request: { all?: boolean; timeoutMs?: number; attributes?: boolean }; checked: { all: boolean; timeoutMs: number; attributes: boolean }; answer: PeerStatus | GroupStatus };
  terminate: { request: { app: string; local?: boolean; parts?: boolean }; checked: { app: string; local: boolean; parts: boolean }; answer: { app: string; peer: string; terminated: true } };
  members: { request: Record<string, never>; checked: Record<string, never>; answer: MembersAnswer };
  /** The providers of a state-space name, as this peer sees them (§6.6). */
  query: { request: { name: string }; checked: { name: string }; answer: QueryAnswer };
  'deploy-subtree': { request: DeploySubtreeRequest; checked: Required<DeploySubtreeRequest>; answer: SubtreeState };
  'ping-subtree': { request: SubtreeRef; checked: SubtreeRef; answer: SubtreeState };
  'terminate-subtree': { request: SubtreeRecordRequest; checked: SubtreeRecordRequest; answer: { terminated: boolean } };
  'subtree-ended': { request: SubtreeRecordRequest; checked: SubtreeRecordRequest; answer: { known: boolean } };
  'subtree-status': { request: SubtreeRef; checked: SubtreeRef; answer: { verdict: 'current' | 'replaced' | 'gone' | 'unknown' } };
  /** Whether this peer runs an application of that name, or has accepted a deploy of it (§6.1). */
  'application-claim': { request: { app: string }; checked: { app: string }; answer: { running: boolean; reserved: boolean; since?: number } };
}

export type Operation = keyof Protocol;
export type RequestOf<Op extends Operation> = Protocol[Op]['request'];
export type CheckedOf<Op extends Operation> = Protocol[Op]['checked'];
export type AnswerOf<Op extends Operation> = Protocol[Op]['answer'];

/** A handler for every operation, given its checked request. */
export type Handlers = { [Op in Operation]: (request: CheckedOf<Op>) => AnswerOf<Op> | Promise<AnswerOf<Op>> };

const APP_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** Refuses a request of `operation` (SF4409, 400). */
export function refuse(operation: string, reason: string): never {
  throw new ControlRefusal(Messages.BadControlRequest, { operation, reason }, 400);
}

function str(body: unknown, field: string, operation: string, optional = false): string {
  const v = (body as Record<string, unknown> | null)?.[field];
  if ((v === undefined || v === '') && optional) return '';
  if (typeof v !== 'string' || v.length === 0 || v.length > 4096) refuse(operation, `\`${field}\` must be a non-empty String`);
  return v;
}

function reason(e: unknown): string {
  return e instanceof PlanFormatError ? e.reason : e instanceof Error ? e.message : String(e);
}

function subtreeRef(body: unknown, op: string): SubtreeRef {
  const app = str(body, 'app', op);
  const path = str(body, 'path', op);
  const instance = str(body, 'instance', op);
  return { app, path, instance };
}

/** Checks a node's shape the way a plan file is checked (readPlan), without an id. */
function checkedNode(node: unknown, op: string): PlanNode {
  if (!node || typeof node !== 'object') refuse(op, '`node` must be a plan node');
  const plan = { format: PLAN_FORMAT, id: '', name: 'subtree', source: '', root: node as PlanNode };
  plan.id = planId(plan as DeploymentPlan);
  try {
    return readPlan(Buffer.from(JSON.stringify(plan))).root;
  } catch (e) {
    refuse(op, reason(e));
  }
}

type Given = { type?: unknown; reason?: unknown; path?: unknown; cause?: unknown } | undefined;

/** Each operation's request check (§6, §7): the request as its handler gets it, or a ControlRefusal. */
export const CHECKS: { [Op in Operation]: (body: unknown) => CheckedOf<Op> } = {
  deploy(body) {
    const b = (body ?? {}) as { plan?: unknown; name?: unknown; wait?: unknown };
    if (typeof b.plan !== 'string') refuse('deploy', '`plan` must be the plan file, base64-encoded');
    let plan: DeploymentPlan;
    try {
      plan = readPlan(Buffer.from(b.plan, 'base64'));
    } catch (e) {
      refuse('deploy', reason(e));
    }
    const name = b.name === undefined || b.name === '' ? plan.name : b.name;
    if (typeof name !== 'string' || !APP_NAME.test(name)) {
      throw new ControlRefusal(Messages.BadApplicationName, { name: String(name).slice(0, 80) }, 400);
    }
    const wait = typeof b.wait === 'number' && b.wait > 0 ? Math.min(b.wait, 600_000) : 0;
    return { plan, name, wait };
  },
  status(body) {
    const b = (body ?? {}) as { all?: unknown; timeoutMs?: unknown; attributes?: unknown };
    // How long each other peer is given, asked in parallel (default 3 s, 0.25 to 30 s).
    const timeoutMs = typeof b.timeoutMs === 'number' && Number.isFinite(b.timeoutMs) ? Math.min(30_000, Math.max(250, b.timeoutMs)) : 3000;
    return { all: Boolean(b.all), timeoutMs, attributes: b.attributes === true };
  },
  terminate(body) {
    const app = str(body, 'app', 'terminate');
    return { app, local: Boolean((body as { local?: unknown }).local), parts: (body as { parts?: unknown }).parts === true };
  },
  members: () => ({}),
  query: (body) => ({ name: str(body, 'name', 'query') }),
  'deploy-subtree'(body) {
    const op = 'deploy-subtree';
    const app = str(body, 'app', op);
    const path = str(body, 'path', op);
    const instance = str(body, 'instance', op);
    const parentPeer = str(body, 'parentPeer', op);
    const source = str(body, 'source', op, true);
    if (!APP_NAME.test(app) || !/^[0-9a-z]{1,64}$/.test(instance) || /[@#]/.test(path)) refuse(op, 'malformed `app`, `path` or `instance`');
    const node = checkedNode((body as { node?: unknown }).node, op);
    return { app, path, instance, parentPeer, source, node };
  },
  'ping-subtree': (body) => subtreeRef(body, 'ping-subtree'),
  'terminate-subtree'(body) {
    const ref = subtreeRef(body, 'terminate-subtree');
    // A record without a type and a reason is left out: the part ends with a normal one.
    const given = (body as { record?: Given }).record;
    const ok = given && typeof given.type === 'string' && typeof given.reason === 'string';
    return ok ? { ...ref, record: { type: given.type as string, reason: given.reason as string, path: String(given.path ?? '') } } : ref;
  },
  'subtree-ended'(body) {
    const ref = subtreeRef(body, 'subtree-ended');
    // A record without a type and a reason is left out: the proxy ends with an abnormal one.
    const r = (body as { record?: Given }).record;
    if (!r || typeof r.type !== 'string' || typeof r.reason !== 'string') return ref;
    return { ...ref, record: { type: r.type, reason: r.reason, path: String(r.path ?? ref.path), ...(r.cause ? { cause: r.cause as WireRecord['cause'] } : {}) } };
  },
  'subtree-status': (body) => subtreeRef(body, 'subtree-status'),
  'application-claim': (body) => ({ app: str(body, 'app', 'application-claim') }),
};

/** The operations, in the order of §6 and §7. */
export const OPERATIONS = Object.keys(CHECKS) as Operation[];

export function isOperation(name: string): name is Operation {
  return Object.hasOwn(CHECKS, name);
}

/** Checks `body` for `operation` and hands it to its handler; an unknown operation is refused. */
export function dispatch(handlers: Handlers, operation: string, body: unknown): unknown {
  if (!isOperation(operation)) throw new ControlRefusal(Messages.ControlNoOperation, { operation }, 404);
  const handler = handlers[operation] as (request: unknown) => unknown;
  return handler(CHECKS[operation](body));
}

/** The streaming operations (§6.5): answered with a stream of signed lines, not one answer. */
export const STREAM_OPERATIONS = ['monitor'] as const;

/** Checks a `monitor` request: `app` and `peer` are optional filters, each at most 256 characters. */
export function checkMonitor(body: unknown): MonitorRequest {
  const b = (body ?? {}) as { app?: unknown; peer?: unknown };
  const out: MonitorRequest = {};
  for (const field of ['app', 'peer'] as const) {
    const v = b[field];
    if (v === undefined || v === '' || v === null) continue;
    if (typeof v !== 'string' || v.length > 256) refuse('monitor', `\`${field}\` must be a String of at most 256 characters`);
    out[field] = v;
  }
  return out;
}
