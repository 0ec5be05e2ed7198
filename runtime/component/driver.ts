/**
 * The lifecycle driver (docs/design/components.md §2): the machinery behind Prim's framework methods,
 * internal to the runtime and not exported from the package. Each component owns one driver,
 * which
 *
 * - moves it through its states: own `deploy` hook, then the children created at deploy time,
 *   in order, then `deployed`; `starting`, own `start` hook, the deployed children in order,
 *   then `running`;
 * - turns a failing hook into an abnormal termination (a LifecycleFailure unwinds the callers);
 * - terminates it once: its timers are cancelled, `terminating` is recorded, the children are
 *   terminated quietly (last created first), the `terminate` hook runs, `terminated` or `failed`
 *   is recorded, the host forgets it, and the parent is notified (unless the parent asked);
 * - passes a child's termination to the `onChildTerminated` hook;
 * - answers liveness pings and pings the children with a deadline of delay × factor;
 * - creates children at run time (`createChild`).
 *
 * Every transition goes through `host.transition`, which writes the checkpoint and then emits
 * the event. A driver reaches other components (children, parent) only through their public
 * framework methods (`sfDeploy`, `sfTerminateQuietlyWith`, `sfTerminatedWith`, ...), so that a
 * component whose class comes from another copy of the runtime still takes part.
 */
import type { TimerHandle } from '../../core/clock.js';
import { Messages, formatMessage } from '../../core/messages/index.js';
import type { PlanNode } from '../../core/plan-types.js';
import type { Prim } from './component.js';
import { ComponentError, LifecycleFailure, abnormalRecord, errorText, type TerminationRecord } from './lifecycle.js';

/** The subclass hooks of a component as the driver calls them (they stay protected on Prim). */
export interface LifecycleHooks {
  deploy(component: Prim): Promise<void>;
  start(component: Prim): Promise<void>;
  terminate(component: Prim, record: TerminationRecord): Promise<void>;
  ping(component: Prim): Promise<void>;
  childTerminated(component: Prim, child: Prim | null, record: TerminationRecord): void;
}

export class LifecycleDriver {
  /** Set when termination begins (never cleared): `Prim.isTerminating`. */
  terminationStarted = false;
  /** Set when the component reached `running` (it may have terminated since): `Prim.hasRun`. */
  reachedRunning = false;
  private quietTermination = false;
  private terminationDone?: Promise<void>;
  // Made on first use: most components never set a timer, and nobody waits for most of them to end.
  private timerSet?: Set<TimerHandle>;
  private ended?: Promise<TerminationRecord>;
  private resolveTerminated?: (r: TerminationRecord) => void;
  private endRecord?: TerminationRecord;

  constructor(
    private readonly component: Prim,
    private readonly hooks: LifecycleHooks,
  ) {}

  /** The component's timers (`Prim.setTimer`), cancelled when it terminates. */
  get timers(): Set<TimerHandle> {
    return (this.timerSet ??= new Set<TimerHandle>());
  }

  /** Resolves with the termination record once the component is terminated or failed. */
  get terminated(): Promise<TerminationRecord> {
    if (!this.ended) {
      const record = this.endRecord;
      this.ended = record ? Promise.resolve(record) : new Promise<TerminationRecord>((r) => (this.resolveTerminated = r));
    }
    return this.ended;
  }

  /** sfDeploy: own hook, then every child created at deploy time, in order. */
  async deploy(): Promise<void> {
    const c = this.component;
    if (this.terminationStarted) throw new LifecycleFailure(c.record ?? abnormalRecord('terminated', c.path));
    try {
      c.checkAssertions();
      await this.hooks.deploy(c);
    } catch (e) {
      throw await this.failWith(e, 'deploy');
    }
    for (const child of c.children.length ? [...c.children] : c.children) {
      if (this.terminationStarted) break;
      if ((child.state !== 'deploying' && child.state !== 'recovering') || child.isTerminating) continue;
      try {
        await child.sfDeploy();
      } catch (e) {
        throw await this.failWith(e, 'deploy');
      }
    }
    if (this.terminationStarted) throw new LifecycleFailure(c.record!);
    await this.recorded('deployed', 'deploy');
  }

  /** sfStart: own hook, then every deployed child, in order; then `running`. */
  async start(): Promise<void> {
    const c = this.component;
    if (this.terminationStarted) throw new LifecycleFailure(c.record!);
    await this.recorded('starting', 'start');
    try {
      await this.hooks.start(c);
    } catch (e) {
      throw await this.failWith(e, 'start');
    }
    for (const child of c.children.length ? [...c.children] : c.children) {
      if (this.terminationStarted) break;
      if (child.state !== 'deployed' || child.isTerminating) continue;
      try {
        await child.sfStart();
      } catch (e) {
        throw await this.failWith(e, 'start');
      }
    }
    // A component may have finished its work (and terminated) while starting.
    if (!this.terminationStarted) {
      this.reachedRunning = true;
      await this.recorded('running', 'start');
    }
  }

  /**
   * A deploy or start transition. One that cannot be recorded (its checkpoint failed) fails
   * the component, which terminates itself and tells its parent, as a failing hook does.
   */
  private async recorded(state: 'deployed' | 'starting' | 'running', phase: 'deploy' | 'start'): Promise<void> {
    const c = this.component;
    try {
      await c.host.transition(c, (c.state = state));
    } catch (e) {
      throw await this.failWith(e, phase);
    }
  }

  /**
   * A lifecycle phase failed. A LifecycleFailure from a child has already been handled by
   * notification; any other error terminates the component abnormally (notifying the parent).
   */
  private async failWith(e: unknown, phase: 'deploy' | 'start'): Promise<LifecycleFailure> {
    if (e instanceof LifecycleFailure) {
      // A child failed and was terminated; this component follows with the same record
      // (Compound semantics; workflows may have chosen otherwise in onChildTerminated).
      return e;
    }
    const c = this.component;
    const record = abnormalRecord(`${phase} failed: ${errorText(e)}`, c.path, e);
    void c.sfTerminate(record);
    return new LifecycleFailure(record);
  }

  /** sfTerminate: the first call starts the termination; later calls return its promise. */
  terminate(record: TerminationRecord): Promise<void> {
    if (this.terminationDone) return this.terminationDone;
    const c = this.component;
    this.terminationStarted = true;
    const rec: TerminationRecord = { ...record, path: record.path || c.path };
    c.record = rec;
    this.terminationDone = this.runTermination(rec);
    return this.terminationDone;
  }

  /** sfTerminateQuietlyWith: terminates without notifying the parent (the parent initiated it). */
  terminateQuietly(record: TerminationRecord): Promise<void> {
    if (!this.terminationStarted) this.quietTermination = true;
    return this.component.sfTerminate(record);
  }

  private async runTermination(rec: TerminationRecord): Promise<void> {
    const c = this.component;
    if (this.timerSet) {
      for (const t of this.timerSet) t.cancel();
      this.timerSet.clear();
    }
    await c.host.transition(c, (c.state = 'terminating'), rec);
    await this.terminateChildren(rec);
    try {
      await this.hooks.terminate(c, rec);
    } catch (e) {
      c.log(`terminate failed: ${errorText(e)}`);
    }
    const parent = c.parent;
    if (parent) {
      const i = parent.children.indexOf(c);
      if (i >= 0) parent.children.splice(i, 1);
    }
    await c.host.transition(c, (c.state = rec.type === 'normal' ? 'terminated' : 'failed'), rec);
    c.host.terminated(c, rec);
    this.endRecord = rec;
    this.resolveTerminated?.(rec);
    if (parent && !this.quietTermination) parent.sfTerminatedWith(rec, c);
  }

  /**
   * Children are terminated quietly, last created first (docs/design/components.md §2.3, §12-B2):
   * one at a time with `sfSyncTerminate true`, otherwise all at once. Either way the
   * component reports `terminated` only after its children have: a terminated subtree
   * has no live parts (SmartFrog did not wait in the asynchronous case).
   */
  private async terminateChildren(rec: TerminationRecord): Promise<void> {
    const c = this.component;
    const children = [...c.children].reverse();
    if (!children.length) return;
    let sync = false;
    try {
      sync = c.resolveBoolean('sfSyncTerminate', false);
    } catch {
      sync = false;
    }
    if (sync) {
      for (const child of children) await child.sfTerminateQuietlyWith(rec);
    } else {
      await Promise.all(children.map((child) => child.sfTerminateQuietlyWith(rec)));
    }
  }

  /** sfTerminatedWith: a component reports its termination. Only children are listened to. */
  childTerminated(record: TerminationRecord, child: Prim | null): void {
    const c = this.component;
    if (child && child.parent !== c) return;
    if (this.terminationStarted) return;
    try {
      this.hooks.childTerminated(c, child, record);
    } catch (e) {
      void c.sfTerminate(abnormalRecord(`handling the termination of a child failed: ${errorText(e)}`, c.path, e));
    }
  }

  /**
   * sfPing: liveness. Throws when terminated or when the `ping` hook throws; then pings the
   * children whose liveness is enabled, each with a deadline of delay × factor, without
   * waiting; a child that fails or misses its deadline is terminated abnormally (which
   * propagates as usual).
   */
  async ping(): Promise<void> {
    const c = this.component;
    if (this.terminationStarted) throw new ComponentError('component terminated', c.path);
    c.lastPinged = c.host.clock.now();
    await this.hooks.ping(c);
    // Children are pinged without waiting for them: each has its own deadline, so a hung
    // component is the one blamed, not its ancestors.
    for (const child of c.children) {
      if (child.liveness.delay > 0 && !child.isTerminating) void pingWithDeadline(child, c);
    }
  }

  /**
   * createChild: constructs and binds a child from a description, then drives it through
   * deploy and start. Never throws: when the child fails, it terminates and notifies the
   * component (with `child` null if it could not be constructed).
   */
  async createChild(node: PlanNode, name: string): Promise<Prim | undefined> {
    const c = this.component;
    if (this.terminationStarted) return undefined;
    let child: Prim;
    try {
      node = c.host.placeChild ? c.host.placeChild(node, c) : node;
      await c.host.prepareType(node.type, `${c.path}:${name}`, c);
      child = await c.host.instantiate(node, c, name);
    } catch (e) {
      const record = e instanceof LifecycleFailure ? e.record : abnormalRecord(`deploy failed: ${errorText(e)}`, `${c.path}:${name}`, e);
      c.sfTerminatedWith(record, null);
      return undefined;
    }
    try {
      if (!child.isTerminating) await child.sfDeploy();
      if (!child.isTerminating) await child.sfStart();
    } catch {
      // Reported through onChildTerminated by the child's own termination.
    }
    return child;
  }
}

/** Pings a child with a deadline of delay × factor; on failure the child is failed. */
async function pingWithDeadline(child: Prim, parent: Prim): Promise<void> {
  const seconds = child.liveness.delay * child.liveness.factor;
  let timer: TimerHandle | undefined;
  const deadline = new Promise<'late'>((resolve) => (timer = parent.host.clock.setTimeout(() => resolve('late'), seconds * 1000)));
  try {
    const outcome = await Promise.race([child.sfPing(parent).then(() => 'ok' as const), deadline]);
    if (outcome === 'late' && !child.isTerminating) {
      const reason = formatMessage(Messages.LivenessFailure, { path: child.path, seconds });
      void child.sfTerminate({ type: 'abnormal', reason, path: child.path, cause: { name: 'LivenessFailure', message: reason, code: Messages.LivenessFailure.code } });
    }
  } catch (e) {
    if (!child.isTerminating) void child.sfTerminate(abnormalRecord(`liveness ping failed: ${errorText(e)}`, child.path, e));
  } finally {
    timer?.cancel();
  }
}
