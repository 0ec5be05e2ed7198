/**
 * ForEach (also registered as DeployOnEach): the service-manager pattern. For each provider of
 * `stateName` in the state space it deploys a copy of `template` as a child, and terminates
 * that child when the provider goes.
 *
 * Attributes:
 * - `stateName` (String, required).
 * - `template` (required): the description to deploy, an eager child description
 *   (`template extends Exec {...}`) or a LAZY/DATA description attribute. Each copy gets
 *   `provider` (the provider's value; a plain object becomes a DATA description, so
 *   `LAZY provider:url` reads a field), `providerId` (its id) and `stateName`.
 * - `restart` ("never", default): what a child's own termination does while its provider is
 *   still there. "never": an abnormal termination fails the ForEach (Compound semantics);
 *   "ignore": it is logged and the ForEach goes on; "on-failure": a fresh copy is deployed
 *   after `restartDelay` ms (1000), at most `maxRestarts` times (3) per provider, then the
 *   ForEach fails; "always": the same after a normal termination too. Under every policy but
 *   "always" a child that terminates normally is not deployed again for that provider.
 * - A change of the provider's value replaces `provider` in the live child.
 *
 * Children are named `each_1`, `each_2`, ... in the order the providers appeared (a restarted
 * copy keeps its name); the number last used is kept in the attribute `deployed`. The
 * ForEach runs until it is terminated. When it is rebuilt by recovery, the rebuilt copies
 * are terminated and the providers visible now are deployed afresh, so a provider that went
 * while the peer was down leaves no copy behind.
 */
import type { PlanNode } from '../../core/plan-types.js';
import { encodeValue } from '../../core/canonical.js';
import { Prim } from '../../runtime/component/component.js';
import { AttributeError, ComponentError, LifecycleFailure, abnormalRecord, errorText, normalRecord, type TerminationRecord } from '../../runtime/component/lifecycle.js';
import type { Observation, ProviderEntry, StateValue } from '../../runtime/state/state-access.js';
import { fromStateValue } from '../../runtime/state/state-values.js';
import { Messages } from '../../core/messages/index.js';
import { stateCall, stateNameOf } from './state-common.js';

const RESTART_POLICIES = ['never', 'ignore', 'on-failure', 'always'] as const;
type RestartPolicy = (typeof RESTART_POLICIES)[number];
const PROVIDER_ATTRIBUTES = new Set(['provider', 'providerId', 'stateName']);

/** One provider and the copy deployed for it. */
interface Slot {
  id: string;
  name: string;
  value: StateValue;
  present: boolean;
  child?: Prim;
  restarts: number;
  /** Work for this provider runs in order (deploy, then terminate if it went meanwhile). */
  chain: Promise<void>;
}

export class ForEach extends Prim {
  private observation?: Observation;
  private template!: PlanNode;
  private stateName = '';
  private policy: RestartPolicy = 'never';
  private readonly slots = new Map<string, Slot>();
  private readonly byChildName = new Map<string, Slot>();
  private counter = 0;

  protected override async deploy(): Promise<void> {
    this.stateName = stateNameOf(this);
    const policy = this.resolveString('restart', 'never');
    if (!(RESTART_POLICIES as readonly string[]).includes(policy)) {
      const params = { name: 'restart', path: this.path, expected: 'one of "never", "ignore", "on-failure", "always"', found: JSON.stringify(policy) };
      throw new AttributeError(Messages.BadAttribute, params, this.path);
    }
    this.policy = policy as RestartPolicy;
    this.resolveInteger('maxRestarts', 3);
    this.resolveNumber('restartDelay', 1000);
    const template = this.description('template');
    if (!template) {
      throw new ComponentError(Messages.MissingAttribute, { name: 'template', path: this.path }, this.path);
    }
    this.template = template;
    void this.stateSpace;
  }

  protected override async start(): Promise<void> {
    if (this.recovered) {
      this.counter = this.resolveInteger('deployed', 0);
      const rebuilt = [...this.children];
      await Promise.all(rebuilt.map((c) => this.terminateChild(c, normalRecord('replaced after recovery', c.path))));
    }
    this.observation = stateCall(this, () =>
      this.stateSpace.observe(this.stateName, {
        added: (p) => this.added(p),
        changed: (p) => this.changed(p),
        removed: (p) => this.removed(p),
      }),
    );
  }

  protected override async terminate(): Promise<void> {
    this.observation?.close();
    for (const slot of this.slots.values()) slot.present = false;
  }

  /** The ids of the providers that have a live copy, in order (for tests and status). */
  deployedFor(): string[] {
    return [...this.slots.values()].filter((s) => s.child && !s.child.isTerminating).map((s) => s.id);
  }

  private added(p: ProviderEntry): void {
    if (this.isTerminating) return;
    let name: string;
    do name = `each_${++this.counter}`;
    while (this.children.some((c) => c.name === name));
    this.sfReplaceAttribute('deployed', this.counter);
    const slot: Slot = { id: p.id, name, value: p.value, present: true, restarts: 0, chain: Promise.resolve() };
    this.slots.set(p.id, slot);
    this.byChildName.set(name, slot);
    this.enqueue(slot, () => this.deployCopy(slot));
  }

  private changed(p: ProviderEntry): void {
    const slot = this.slots.get(p.id);
    if (!slot || this.isTerminating) return;
    slot.value = p.value;
    const child = slot.child;
    if (child && !child.isTerminating) child.sfReplaceAttribute('provider', fromStateValue(p.value));
  }

  private removed(p: ProviderEntry): void {
    const slot = this.slots.get(p.id);
    if (!slot) return;
    slot.present = false;
    this.slots.delete(p.id);
    this.enqueue(slot, async () => {
      const child = slot.child;
      slot.child = undefined;
      this.byChildName.delete(slot.name);
      if (child && !child.isTerminating) await this.terminateChild(child, normalRecord(`provider \`${slot.id}\` of \`${this.stateName}\` has gone`, child.path));
    });
  }

  private enqueue(slot: Slot, work: () => Promise<void>): void {
    slot.chain = slot.chain.then(work).catch((e) => {
      if (!this.isTerminating) void this.sfTerminate(abnormalRecord(errorText(e), this.path, e));
    });
  }

  /** The template with this provider's attributes. */
  private nodeFor(slot: Slot): PlanNode {
    const t = this.template;
    const attributes = t.attributes.filter(([n]) => !PROVIDER_ATTRIBUTES.has(n));
    attributes.push(['provider', encodeValue(fromStateValue(slot.value))], ['providerId', slot.id], ['stateName', this.stateName]);
    return { ...t, name: slot.name, path: `${this.path}:${slot.name}`, attributes, lazy: t.lazy.filter((n) => !PROVIDER_ATTRIBUTES.has(n)) };
  }

  /**
   * Deploys one copy and drives it to running. A copy that cannot be built, or fails while
   * deploying or starting, is handled by the restart policy like any other termination.
   */
  private async deployCopy(slot: Slot): Promise<void> {
    if (!slot.present || this.isTerminating) return;
    const node = this.nodeFor(slot);
    let child: Prim;
    try {
      await this.host.prepareType(node.type, node.path, this);
      if (!slot.present || this.isTerminating) return;
      child = await this.host.instantiate(node, this, slot.name);
    } catch (e) {
      const record = e instanceof LifecycleFailure ? e.record : abnormalRecord(`deploy failed: ${errorText(e)}`, node.path, e);
      this.copyEnded(slot, record);
      return;
    }
    slot.child = child;
    try {
      if (!child.isTerminating) await child.sfDeploy();
      if (!child.isTerminating) await child.sfStart();
    } catch {
      // Reported through onChildTerminated by the child's own termination.
    }
    // The provider went while the copy was starting: the removal is queued after this work.
  }

  protected override onChildTerminated(child: Prim | null, record: TerminationRecord): void {
    if (!child) return;
    const slot = this.byChildName.get(child.name);
    if (!slot || slot.child !== child) return;
    slot.child = undefined;
    this.copyEnded(slot, record);
  }

  /** A copy terminated by itself while its provider is (or was) there: the restart policy decides. */
  private copyEnded(slot: Slot, record: TerminationRecord): void {
    if (this.isTerminating || !slot.present) return;
    const normal = record.type === 'normal';
    if (normal && this.policy !== 'always') return;
    if (!normal && this.policy === 'never') {
      void this.sfTerminate(record);
      return;
    }
    if (!normal && this.policy === 'ignore') {
      this.log(`the copy for provider \`${slot.id}\` failed (${record.reason}); not restarted`);
      return;
    }
    const max = this.resolveInteger('maxRestarts', 3);
    if (slot.restarts >= max) {
      if (normal) return;
      void this.sfTerminate({ ...record, reason: `${record.reason} (after ${slot.restarts} restarts)` });
      return;
    }
    slot.restarts++;
    this.log(`restarting the copy for provider \`${slot.id}\` (restart ${slot.restarts} of ${max})`);
    this.setTimer(() => this.enqueue(slot, () => this.deployCopy(slot)), this.resolveNumber('restartDelay', 1000));
  }
}
