/**
 * Connects a component host to a checkpoint store (docs/design/recovery.md §2, §6.2): every
 * lifecycle transition and attribute change writes the component's record, and, when its
 * children list changed, its parent's record, in one commit.
 *
 * Contract:
 * - A transition is acknowledged only once durable: `onTransition` (awaited by the host
 *   before the event is emitted and before the lifecycle goes on) resolves when its commit
 *   has. Concurrent components share commits: the store groups them. A commit that fails
 *   rejects a deploy or start transition (`CheckpointFailed`): the component fails with that
 *   reason instead of going on unrecorded. Termination always completes; a failed commit of
 *   `terminating`, `terminated` or `failed` is reported (`onError`), its record left as it was.
 * - Write-behind for a recovered component's restart, and only what is new: at its
 *   `recovering` and `running` transitions the record it would write is compared with the
 *   durable one (apart from lifecycle and epoch) and committed, without waiting, only when it
 *   differs or ended children's records are due for deletion; `deployed` and `starting` write
 *   nothing. The durable record already says "live, with these attributes", and recovery of it
 *   would do the same again (docs/design/recovery.md §2); `recover` waits for whatever was
 *   written before it returns. Anything a recovered component does meanwhile or after
 *   (attribute changes, termination, new children) follows the ordinary rule.
 * - Attribute changes are committed in call order; `sfReplaceAttribute` returns a promise that
 *   resolves once its commit is durable (and rejects if it failed); `flushed()` resolves once
 *   every commit issued so far is durable. A value with no stored form (a live handle) is
 *   left out of the record, as a volatile attribute is: recovery never restores an older value.
 * - Ended children: a child that terminates while its parent lives keeps its record (with
 *   lifecycle `terminated` or `failed`) until the parent's next checkpoint, which deletes it
 *   in the same commit. So a workflow that records its progress when a child ends (Sequence's
 *   `step`, Parallel's `finished`) never loses the fact that the child ended, and recovery
 *   hands it over (`Prim.recoveredChildren`). Otherwise a terminated component's record is
 *   deleted: terminated components never come back.
 * - Plans are stored by id with the application registry (name → plan id) when deployed
 *   through `deploy`; both are removed when the application's root terminates.
 */
import type { MetricsSink } from '../../core/metrics.js';
import { createHash } from 'node:crypto';
import type { DeploymentPlan, EncodedValue, PlanNode } from '../../core/plan-types.js';
import type { Value } from '../../core/values.js';
import { encodeValue } from '../../core/canonical.js';
import { FrogError } from '../../core/errors.js';
import { Messages } from '../../core/messages/index.js';
import type { Prim, RuntimeValue } from '../component/component.js';
import type { RuntimeEvent } from '../host/events.js';
import type { ComponentHost, DeployOptions, DeployResult } from '../host/host.js';
import { errorText, type LifecycleState } from '../component/lifecycle.js';
import { checkpointAttributes, type Attributes } from './store/attribute-filter.js';
import type { CheckpointChanges, CheckpointStore } from './store/checkpoint-store.js';
import type { ComponentKey, ComponentRecord, StoredDescription } from './store/record.js';

/** What recovery knows about a component before it is rebuilt (keyed by the node it is built from). */
export interface RecoveredState {
  app: string;
  planId: string;
  /** The original description (the node it is rebuilt from carries the checkpointed attributes). */
  description: StoredDescription;
  /** The attributes of its last record (cached attributes keep these values). */
  stored: Attributes;
  /** Records of ended children kept for it (see the contract). */
  endedChildren: string[];
  /** Its durable record, as recovery read it: a restart commit that would only repeat it is skipped. */
  record?: ComponentRecord;
}

interface ComponentState {
  app: string;
  planId: string;
  description: StoredDescription;
  /** The live attributes, encoded, in order. */
  attributes: Map<string, EncodedValue>;
  stored?: Attributes;
  /** Paths of ended children whose records wait for this component's next checkpoint. */
  ended: Set<string>;
  /** A recovered component that is not running again yet (write-behind). */
  restarting: boolean;
  /** While restarting: the record the store holds for it (read by recovery, or written since). */
  written?: ComponentRecord;
}

const TERMINAL: ReadonlySet<string> = new Set(['terminated', 'failed']);
const LIFECYCLE: ReadonlySet<string> = new Set(['deploying', 'deployed', 'starting', 'running', 'terminating', 'terminated', 'failed', 'recovering']);

/** A plan's id; hand-made plans without one get a hash of their content. */
export function planIdOf(plan: DeploymentPlan): string {
  if (plan.id) return plan.id;
  return 'sha256:' + createHash('sha256').update(JSON.stringify({ ...plan, id: '' })).digest('hex');
}

export function descriptionOf(node: PlanNode): StoredDescription {
  const d: StoredDescription = { type: node.type, host: node.host, attributes: node.attributes, lazy: node.lazy };
  if (node.tags) d.tags = node.tags;
  return d;
}

/** A deploy or start transition whose checkpoint could not be written. */
export class CheckpointFailed extends FrogError {
  constructor(cause: unknown) {
    super(Messages.CheckpointFailed, { reason: errorText(cause) }, { cause });
  }
}

export interface CheckpointerOptions {
  /** A checkpoint that could not be written; by default a `log` event of the component. */
  onError?: (error: unknown, component: Prim) => void;
  /** Where each commit's outcome and latency are reported (the peer's metrics). */
  metrics?: MetricsSink;
}

export class Checkpointer {
  private host?: ComponentHost;
  private readonly states = new WeakMap<Prim, ComponentState>();
  private readonly presets = new WeakMap<PlanNode, RecoveredState>();
  /** Application name → plan id, for applications deployed or recovered here. */
  private readonly appPlans = new Map<string, string>();
  private last: Promise<void> = Promise.resolve();
  private detached = false;
  /** Checkpoints that failed (reported through `onError`). */
  failures = 0;

  constructor(
    readonly store: CheckpointStore,
    private readonly options: CheckpointerOptions = {},
  ) {}

  /** The hooks to give to `new ComponentHost({...})`; then call `attach(host)`. */
  hooks(): { onTransition: (e: RuntimeEvent, c: Prim) => Promise<void> | undefined; onAttributeChange: (c: Prim, n: string, v: RuntimeValue | undefined) => Promise<void> | void } {
    return {
      onTransition: (e, c) => this.onTransition(e, c),
      onAttributeChange: (c, n, v) => this.onAttributeChange(c, n, v),
    };
  }

  attach(host: ComponentHost): void {
    this.host = host;
  }

  /**
   * Stops writing checkpoints: what the store holds stays as it is. Used for a planned stop
   * (SIGTERM), so that terminating the live components does not delete their records.
   */
  detach(): void {
    this.detached = true;
  }

  /** Resolves once every commit issued so far is durable. */
  flushed(): Promise<void> {
    return this.last;
  }

  /** Recovery tells what it knows about a component before rebuilding it from `node`. */
  expect(node: PlanNode, state: RecoveredState): void {
    this.presets.set(node, state);
    this.appPlans.set(state.app, state.planId);
  }

  /** The plan id of an application deployed or recovered here. */
  planOf(app: string): string | undefined {
    return this.appPlans.get(app);
  }

  /**
   * Deploys a plan as the application `name` (default: the plan's name): the plan and the
   * registration are made durable first, then the host deploys.
   */
  async deploy(plan: DeploymentPlan, options: DeployOptions = {}): Promise<DeployResult> {
    const host = this.requireHost();
    if (this.detached) throw new Error('the peer is stopping: no new application is deployed');
    const name = options.name ?? plan.name;
    if (host.application(name)) throw new Error(`an application named \`${name}\` is already running`);
    const id = planIdOf(plan);
    this.appPlans.set(name, id);
    await this.commit({ plans: [{ ...plan, id }], applications: [{ name, planId: id, registered: host.clock.now() }] });
    const result = await host.deploy(plan, { ...options, name });
    if (!result.root) {
      // Nothing was deployed: the registration goes too (best effort: the store may be what failed).
      this.appPlans.delete(name);
      const unused = ![...this.appPlans.values()].includes(id);
      await this.commit({ deleteApplications: [name], ...(unused ? { deletePlans: [id] } : {}) }).catch(() => undefined);
    }
    return result;
  }

  private requireHost(): ComponentHost {
    if (!this.host) throw new Error('Checkpointer.attach(host) was not called');
    return this.host;
  }

  private commit(changes: CheckpointChanges): Promise<void> {
    const metrics = this.options.metrics;
    const started = metrics ? performance.now() : 0;
    const p = this.store.commit(changes);
    if (metrics) {
      p.then(
        () => metrics.checkpointCommit('ok', (performance.now() - started) / 1000),
        () => metrics.checkpointCommit('failed', (performance.now() - started) / 1000),
      );
    }
    this.last = p.catch(() => undefined);
    return p;
  }

  private stateOf(c: Prim): ComponentState | undefined {
    const known = this.states.get(c);
    if (known) return known;
    const preset = this.presets.get(c.node);
    let s: ComponentState;
    if (preset) {
      this.presets.delete(c.node);
      s = {
        app: preset.app,
        planId: preset.planId,
        description: preset.description,
        attributes: new Map(c.node.attributes),
        stored: preset.stored,
        ended: new Set(preset.endedChildren),
        restarting: true,
        written: preset.record,
      };
    } else {
      let app: string | undefined;
      let planId = '';
      if (c.parent) {
        const ps = this.states.get(c.parent);
        if (!ps) return undefined;
        app = ps.app;
        planId = ps.planId;
      } else {
        app = this.host?.applicationOf(c);
        if (!app) return undefined;
        planId = this.appPlans.get(app) ?? '';
      }
      s = { app, planId, description: descriptionOf(c.node), attributes: new Map(c.node.attributes), ended: new Set(), restarting: false };
    }
    this.states.set(c, s);
    return s;
  }

  private record(c: Prim, s: ComponentState, lifecycle: LifecycleState): ComponentRecord {
    const { attributes, tags } = checkpointAttributes([...s.attributes], c.node.tags, s.stored);
    s.stored = attributes;
    const r: ComponentRecord = {
      app: s.app,
      path: c.path,
      parent: c.parent?.path ?? null,
      planId: s.planId,
      description: s.description,
      attributes,
      children: c.children.map((x) => x.name),
      lifecycle,
      epoch: this.store.incarnation().epoch,
    };
    if (tags) r.tags = tags;
    return r;
  }

  /** The changes that checkpoint `c` as it is now: its record, and the removal of its ended children's records. */
  private own(c: Prim, s: ComponentState, lifecycle: LifecycleState, changes: { put: ComponentRecord[]; delete: ComponentKey[] }): void {
    const r = this.record(c, s, lifecycle);
    changes.put.push(r);
    if (s.restarting) s.written = r;
    for (const path of s.ended) changes.delete.push({ app: s.app, path });
    s.ended.clear();
  }

  /** Not async: a restart transition written behind returns nothing to wait for (ComponentHost.transition). */
  private onTransition(event: RuntimeEvent, c: Prim): Promise<void> | undefined {
    if (this.detached || !LIFECYCLE.has(event.event)) return;
    const state = event.event as LifecycleState;
    const s = this.stateOf(c);
    if (!s) return;
    const changes = { put: [] as ComponentRecord[], delete: [] as ComponentKey[] } satisfies CheckpointChanges;
    const extra: CheckpointChanges = {};
    const parent = c.parent;
    const ps = parent ? this.states.get(parent) : undefined;
    const behind = s.restarting && (state === 'recovering' || state === 'deployed' || state === 'starting' || state === 'running');
    if (TERMINAL.has(state)) {
      for (const path of s.ended) changes.delete.push({ app: s.app, path });
      s.ended.clear();
      if (parent && ps && !parent.isTerminating) {
        // Kept until the parent's next checkpoint (see the contract).
        changes.put.push(this.record(c, s, state));
        this.own(parent, ps, parent.state, changes);
        ps.ended.add(c.path);
      } else {
        changes.delete.push({ app: s.app, path: c.path });
      }
      if (!parent && this.host?.applicationOf(c) === s.app && this.appPlans.get(s.app) === s.planId) {
        this.appPlans.delete(s.app);
        extra.deleteApplications = [s.app];
        if (s.planId && ![...this.appPlans.values()].includes(s.planId)) extra.deletePlans = [s.planId];
      }
      this.states.delete(c);
    } else if (behind) {
      this.restart(c, s, state, changes);
      // Its parent is restarting too (a tree is rebuilt from its root): its record already
      // lists this child, and its own restart commits write it if anything differs.
      if (state === 'recovering' && parent && ps && !ps.restarting) this.own(parent, ps, parent.state, changes);
    } else {
      this.own(c, s, state, changes);
      if ((state === 'deploying' || state === 'recovering') && parent && ps) this.own(parent, ps, parent.state, changes);
    }
    if (state === 'running' || TERMINAL.has(state) || state === 'terminating') s.restarting = false;
    if (behind) {
      if (changes.put.length || changes.delete.length) this.commit(changes).catch((e) => this.failed(e, c));
      return;
    }
    return this.commit({ ...changes, ...extra }).catch((e) => {
      this.failed(e, c);
      if (state !== 'terminating' && !TERMINAL.has(state)) throw new CheckpointFailed(e);
    });
  }

  /**
   * A restart transition of a recovered component (write-behind): its record is written only
   * when it would say something the durable one does not (apart from the lifecycle, which is
   * a restart state either way, and the epoch), or when ended children's records are due for
   * deletion. At `recovering` its children are about to be rebuilt from the recorded list, so
   * the record keeps that list; at `running` the live record is compared. An unchanged tree is thus recovered without a single write:
   * the records that brought it back already say everything a restart would write again.
   */
  private restart(c: Prim, s: ComponentState, state: LifecycleState, changes: { put: ComponentRecord[]; delete: ComponentKey[] }): void {
    // Deploying and starting change nothing a record holds: what they do (attribute changes,
    // new or ended children) is written by its own commit. `running` checks the whole record.
    if (state === 'deployed' || state === 'starting') return;
    // At `running`, only its children can differ from what `recovering` compared (or wrote):
    // anything else that changed since was written by its own commit, which updated `written`.
    if (state === 'running' && !s.ended.size && s.written && sameNames(c.children, s.written.children)) return;
    const r = this.record(c, s, state);
    if (state === 'recovering' && s.written) r.children = s.written.children;
    if (!s.ended.size && s.written && sameRecord(r, s.written)) return;
    changes.put.push(r);
    for (const path of s.ended) changes.delete.push({ app: s.app, path });
    s.ended.clear();
    s.written = r;
  }

  private onAttributeChange(c: Prim, name: string, value: RuntimeValue | undefined): Promise<void> | void {
    if (this.detached) return;
    const s = this.states.get(c);
    if (!s) return;
    if (value === undefined) s.attributes.delete(name);
    else {
      try {
        s.attributes.set(name, encodeValue(value as Value));
      } catch {
        // A live component handle has no stored form; it is found again through its
        // reference. The record drops the attribute rather than keep an older value.
        if (!s.attributes.delete(name)) return;
      }
    }
    if (TERMINAL.has(c.state)) return;
    const changes = { put: [] as ComponentRecord[], delete: [] as ComponentKey[] };
    this.own(c, s, c.state, changes);
    const done = this.commit(changes);
    done.catch((e) => this.failed(e, c));
    return done;
  }

  private failed(error: unknown, c: Prim): void {
    this.failures++;
    if (this.options.onError) this.options.onError(error, c);
    else this.host?.emit(c, 'log', { stream: 'log', text: `checkpoint failed: ${errorText(error)}` });
  }
}


/** Whether the live children are the ones a record lists, in order. */
function sameNames(children: readonly Prim[], names: readonly string[]): boolean {
  if (children.length !== names.length) return false;
  for (let i = 0; i < names.length; i++) if (children[i]!.name !== names[i]) return false;
  return true;
}

/** Two records that say the same apart from their lifecycle and epoch. */
export function sameRecord(a: ComponentRecord, b: ComponentRecord): boolean {
  return (
    a.app === b.app &&
    a.path === b.path &&
    a.parent === b.parent &&
    a.planId === b.planId &&
    sameJson(a.children, b.children) &&
    sameJson(a.attributes, b.attributes) &&
    sameJson(a.tags, b.tags) &&
    (a.description === b.description || sameJson(a.description, b.description))
  );
}

/** Deep equality of JSON-like data (encoded values, records' fields); key order matters, as it does to the encoding. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i]!;
    if (k !== kb[i] || !sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}
