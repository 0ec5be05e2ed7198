/**
 * The component API: `Prim`, the base class of every live component (docs/design/components.md §2), as a
 * component author sees it. A subclass
 *
 * - overrides the async hooks `deploy()`, `start()`, `terminate(record)`, `ping()` and, for
 *   components with children, `onChildTerminated(child, record)`;
 * - sets the protected knobs `deploysChildren` (Compound) and `shouldTerminateByDefault`
 *   (workflow-aware components) and reads and changes its `attributes`;
 * - reads its configuration with `sfResolve`, `lookup` and the typed resolvers
 *   (`resolveString`, `resolveNumber`, ...), and changes it with `sfReplaceAttribute`;
 * - creates and terminates children (`createChild`, `terminateChild`, `description`);
 * - ends its work with `finished()` or `sfTerminate(record)`;
 * - uses the helpers: `setTimer` (cancelled at termination), `background`, `output`, `log`,
 *   `stateSpace`, `root()`.
 *
 * Subclasses have a constructor with no arguments: the host constructs, then binds
 * (`sfDeployWith`), then deploys and starts. The lifecycle itself (states, children in order,
 * termination, liveness, recording each transition) is the driver's (driver.ts); the framework
 * methods at the end of the class (`sfDeploy`, `sfStart`, `sfTerminateQuietlyWith`,
 * `sfTerminatedWith`, `sfPing`) hand over to it, are called by the host and between components,
 * and are not meant to be overridden or called by component code.
 */
import { hostname } from 'node:os';
import type { PlanNode } from '../../core/plan-types.js';
import { Applied, Description, Ref, SfDouble, SfFloat, kindOf, type Value } from '../../core/values.js';
import { Messages } from '../../core/messages/index.js';
import type { Clock, TimerHandle } from '../../core/clock.js';
import { decodeValue } from '../../core/canonical.js';
import {
  AttributeError,
  ComponentError,
  abnormalRecord,
  errorText,
  normalRecord,
  type LifecycleState,
  type TerminationRecord,
} from './lifecycle.js';
import { descriptionToNode, nodeToDescription } from './plan-nodes.js';
import type { StateAccess } from '../state/state-access.js';
import { parseRuntimeReference, resolveReference, resolveValue, setOwner } from './references.js';
import { LifecycleDriver, type LifecycleHooks } from './driver.js';

/** The machine's name, the `sfHost` of every component here. */
const HOST_NAME = hostname();

/** A value as a component sees it: the value model plus live component handles. */
export type RuntimeValue = Value | Prim | RuntimeValue[];

/** Marks component classes across module instances (user modules may load their own copy). */
export const COMPONENT_BRAND = Symbol.for('frogpond.component');

/** Evaluates a built-in function for a lazy `$apply` at run time. */
export type RuntimeFunctions = (functionClass: string, operands: [string, Value][], holder: Description) => Value;

/** What a component needs from the host that runs it. Implemented by ComponentHost. */
export interface HostServices {
  readonly peer: string;
  readonly clock: Clock;
  /** Relative paths in attributes (File, Exec's directory) are resolved against this. */
  readonly workingDirectory: string;
  /** The file a component's plan was compiled from ('' when unknown, as for a hand-made plan). */
  sourceOf?(component: Prim): string;
  readonly functions?: RuntimeFunctions;
  readonly livenessDefaults: { delay: number; factor: number };
  /** Records a transition: awaits the host's `onTransition` hook, then emits the event. */
  transition(component: Prim, state: LifecycleState, record?: TerminationRecord): Promise<void>;
  /** Emits a non-lifecycle event (`output`, `log`) for a component. */
  emit(component: Prim, event: string, details: Record<string, unknown>): void;
  /** A description created at run time, placed on the peer its `host` names when the host places subtrees (a peer). */
  placeChild?(node: PlanNode, parent: Prim): PlanNode;
  /** Constructs and binds a component and, for compounds, its subtree (sfDeployWith). */
  instantiate(node: PlanNode, parent: Prim | null, name?: string): Promise<Prim>;
  /** Makes sure a type is available (user modules); throws a ComponentError otherwise. */
  prepareType(type: string, path: string, parent: Prim | null): Promise<void>;
  /** Deploys a description as a new application (no parent). */
  deployApplication(node: PlanNode, name: string): Promise<Prim>;
  /** The application root registered under a name, for `PROCESS:name`. */
  application(name: string): Prim | undefined;
  /** Called when a component has terminated, so the host can forget it. */
  terminated(component: Prim, record: TerminationRecord): void;
  /** Called when a component's attribute is replaced, added or removed; resolves once the change is durable (checkpoints). */
  attributeChanged(component: Prim, name: string, value: RuntimeValue | undefined): Promise<void> | void;
  /** The state space offered to components (runtime/state-access.ts); absent on a bare host. */
  readonly state?: StateAccess;
  /**
   * The data directory of the host's checkpoint store (absolute), when components are
   * checkpointed there and can be recovered; absent otherwise. A component may keep files that
   * must outlive the peer under it (Exec: `exec/`, its programs' exit statuses and output).
   */
  readonly dataDirectory?: string;
}

interface LivenessInfo {
  /** Seconds between pings; 0 disables checking for this subtree. */
  delay: number;
  factor: number;
}

/**
 * A JavaScript number given to `sfReplaceAttribute` as the value model has it: an Integer when
 * it is a whole number of 32 bits, else a Long when whole (`Date.now()`), else a Double. A plain
 * number outside the Integer range would be checkpointed as one and could not be read back: the
 * peer would not recover (found by the render farm's manager-kill, test/runtime/attribute-numbers.test.ts).
 */
function modelNumbers(value: RuntimeValue): RuntimeValue {
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return value >= -(2 ** 31) && value < 2 ** 31 ? value : BigInt(value);
    return new SfDouble(value);
  }
  if (Array.isArray(value) && value.some((v) => typeof v === 'number' || Array.isArray(v))) return value.map(modelNumbers);
  return value;
}

export class Prim {
  /** The attribute name of this component in its parent. */
  name = '';
  /** The complete name: `sfConfig:a:b`. */
  path = '';
  type = '';
  /** The description this component was made from. */
  node!: PlanNode;
  host!: HostServices;
  parent: Prim | null = null;
  /** Live children, in creation order. */
  readonly children: Prim[] = [];
  state: LifecycleState = 'deploying';
  /** The record this component terminated with, once it is terminating. */
  record?: TerminationRecord;
  /** Set by recovery (docs/design/recovery.md) when this component was rebuilt from a checkpoint. */
  recovered = false;
  /**
   * Set by recovery: children recorded as ended (`terminated` or `failed`) when the peer
   * went down, by name, so that a workflow does not run a finished step again.
   */
  recoveredChildren?: ReadonlyMap<string, 'terminated' | 'failed'>;
  readonly liveness: LivenessInfo = { delay: 0, factor: 2 };
  /** Clock time of the last ping from the parent (child-side liveness). */
  lastPinged = 0;

  /** The working copy of the description's attributes (docs/design/components.md §1 "context"). */
  protected readonly attributes = new Map<string, RuntimeValue>();
  /** Whether eager child descriptions are created at deploy time (Compound) or left to the component (Prim, workflows). */
  protected deploysChildren = false;
  /** Default of `sfShouldTerminate` for workflow-aware components (docs/design/components.md §2.4). */
  protected shouldTerminateByDefault = false;

  /** The hooks as the lifecycle driver calls them; they stay protected for everyone else. */
  static readonly #hooks: LifecycleHooks = {
    deploy: (c) => c.deploy(),
    start: (c) => c.start(),
    terminate: (c, record) => c.terminate(record),
    ping: (c) => c.ping(),
    childTerminated: (c, child, record) => c.onChildTerminated(child, record),
  };
  /** The machinery that moves this component through its lifecycle (driver.ts). */
  readonly #lifecycle = new LifecycleDriver(this, Prim.#hooks);
  private childDescriptions?: Map<string, Description>;
  private attributeWatchers?: Set<(name: string, value: RuntimeValue | undefined) => void>;

  // --- hooks for subclasses ------------------------------------------------------

  /** sfDeploy: read the configuration and prepare. Throwing fails the component. */
  protected async deploy(): Promise<void> {}
  /** sfStart: begin activity. Throwing fails the component. */
  protected async start(): Promise<void> {}
  /** sfTerminateWith: release resources. Called once, after the children have terminated. */
  protected async terminate(_record: TerminationRecord): Promise<void> {}
  /** Liveness: return = alive, throw = dead. A ping that never returns is noticed by the parent's deadline. */
  protected async ping(): Promise<void> {}
  /**
   * A child terminated and notified this component. Default (Compound semantics, §2.3):
   * terminate with the same record. `child` is null when a child could not even be constructed.
   */
  protected onChildTerminated(_child: Prim | null, record: TerminationRecord): void {
    void this.sfTerminate(record);
  }

  // --- lifecycle, as the component sees it ---------------------------------------

  /** True once the component has been running (it may have terminated since). */
  get hasRun(): boolean {
    return this.#lifecycle.reachedRunning;
  }

  get isTerminating(): boolean {
    return this.#lifecycle.terminationStarted;
  }

  /** Resolves with the termination record once this component is terminated or failed. */
  whenTerminated(): Promise<TerminationRecord> {
    return this.#lifecycle.terminated;
  }

  /**
   * sfTerminate: terminates this component and its subtree, then notifies the parent.
   * Idempotent: later calls return the first termination's promise.
   */
  sfTerminate(record: TerminationRecord = normalRecord('terminated', this.path)): Promise<void> {
    return this.#lifecycle.terminate(record);
  }

  /** sfDetach: this component leaves its parent; its termination no longer affects it. */
  sfDetach(): void {
    const parent = this.parent;
    if (!parent) return;
    const i = parent.children.indexOf(this);
    if (i >= 0) parent.children.splice(i, 1);
    this.parent = null;
  }

  /**
   * Checks the lazy (dynamic) assertions among the attributes against the live tree
   * (docs/design/language.md §11); called before the deploy hook, and callable again at any time.
   * Throws a ComponentError (SF4008) naming the assertion and what failed.
   */
  checkAssertions(): void {
    for (const [name, v] of this.attributes) {
      if (!(v instanceof Applied) || v.kind !== 'assert' || v.data) continue;
      try {
        resolveValue(v, this, this);
      } catch (e) {
        throw new ComponentError(Messages.RuntimeAssertion, { name, path: this.path, reason: errorText(e) }, this.path);
      }
    }
  }

  // --- attributes ------------------------------------------------------------------

  /** The names of the attributes in the working copy, in order. */
  attributeNames(): string[] {
    return [...this.attributes.keys()];
  }

  /** The stored value, unresolved (a LAZY reference stays a Ref). */
  rawAttribute(name: string): RuntimeValue | undefined {
    return this.attributes.get(name);
  }

  hasAttribute(name: string): boolean {
    return this.attributes.has(name);
  }

  /**
   * sfResolve for one of this component's attributes (a HERE lookup): LAZY references and
   * lazy functions are resolved now, against the live tree. A name that is not an attribute
   * finds a live child, then a child description. Missing ⇒ `dflt` if given, else SF4005.
   */
  sfResolve(name: string, dflt?: RuntimeValue): RuntimeValue {
    if (this.attributes.has(name)) return resolveValue(this.attributes.get(name)!, this, this);
    const child = this.children.find((c) => c.name === name);
    if (child) return child;
    const d = this.childDescription(name);
    if (d) return d;
    if (dflt !== undefined) return dflt;
    throw this.missing(name);
  }

  /** Resolves a reference (text such as `PARENT:x`, `ATTRIB server`, or a Ref) from this component. */
  lookup(reference: string | Ref): RuntimeValue {
    const ref = typeof reference === 'string' ? parseRuntimeReference(reference, this.path) : reference;
    return resolveReference(ref, this, this);
  }

  /**
   * Replaces (or adds) an attribute. The live value changes at once; the promise resolves
   * once the change is durable on a peer with a store (at once otherwise) and rejects if its
   * checkpoint could not be written. Not awaiting it is allowed: the change is then written
   * in call order, and a failure is reported as a `log` event of this component.
   */
  sfReplaceAttribute(name: string, value: RuntimeValue): Promise<void> {
    value = modelNumbers(value);
    if (value instanceof Description) setOwner(value, this);
    this.attributes.set(name, value);
    const durable = acknowledged(this.host.attributeChanged(this, name, value));
    this.notifyWatchers(name, value);
    return durable;
  }

  sfAddAttribute(name: string, value: RuntimeValue): Promise<void> {
    return this.sfReplaceAttribute(name, value);
  }

  sfRemoveAttribute(name: string): Promise<void> {
    if (!this.attributes.delete(name)) return Promise.resolve();
    const durable = acknowledged(this.host.attributeChanged(this, name, undefined));
    this.notifyWatchers(name, undefined);
    return durable;
  }

  /**
   * Calls `watcher` after each replacement, addition or removal of one of this component's
   * attributes (StatePublisher republishes then). Returns the function that stops it. A
   * watcher that throws is removed.
   */
  watchAttributes(watcher: (name: string, value: RuntimeValue | undefined) => void): () => void {
    (this.attributeWatchers ??= new Set()).add(watcher);
    return () => void this.attributeWatchers?.delete(watcher);
  }

  private notifyWatchers(name: string, value: RuntimeValue | undefined): void {
    if (!this.attributeWatchers) return;
    for (const w of [...this.attributeWatchers]) {
      try {
        w(name, value);
      } catch {
        this.attributeWatchers.delete(w);
      }
    }
  }

  private missing(name: string): AttributeError {
    return new AttributeError(Messages.MissingAttribute, { name, path: this.path }, this.path);
  }

  private badKind(name: string, expected: string, found: RuntimeValue): AttributeError {
    const kind = found instanceof Prim ? 'a component' : kindOf(found as Value);
    const shown = typeof found === 'string' ? `${kind} ${JSON.stringify(found)}` : typeof found === 'number' || typeof found === 'boolean' ? `${kind} ${found}` : kind;
    return new AttributeError(Messages.BadAttribute, { name, path: this.path, expected, found: shown }, this.path);
  }

  /** A String attribute; numbers and booleans are not converted (SF4004). */
  resolveString(name: string, dflt?: string): string {
    const v = this.sfResolve(name, dflt);
    if (typeof v !== 'string') throw this.badKind(name, 'a String', v);
    return v;
  }

  /** An optional String attribute (NULL or absent ⇒ undefined). */
  resolveOptionalString(name: string): string | undefined {
    const v = this.sfResolve(name, null);
    if (v === null) return undefined;
    if (typeof v !== 'string') throw this.badKind(name, 'a String', v);
    return v;
  }

  /** Any number kind (Integer, Long, Float, Double) as a JavaScript number. */
  resolveNumber(name: string, dflt?: number): number {
    const v = this.sfResolve(name, dflt);
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint') return Number(v);
    if (v instanceof SfFloat || v instanceof SfDouble) return v.value;
    throw this.badKind(name, 'a number', v);
  }

  resolveInteger(name: string, dflt?: number): number {
    const n = this.resolveNumber(name, dflt);
    if (!Number.isInteger(n)) throw this.badKind(name, 'a whole number', this.sfResolve(name, dflt));
    return n;
  }

  /** A Boolean; the strings "true" and "false" are accepted as SmartFrog does for sfExport. */
  resolveBoolean(name: string, dflt?: boolean): boolean {
    const v = this.sfResolve(name, dflt);
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === 'false') return v === 'true';
    throw this.badKind(name, 'a Boolean', v);
  }

  resolveVector(name: string, dflt?: RuntimeValue[]): RuntimeValue[] {
    const v = this.sfResolve(name, dflt as Value[] | undefined);
    if (!Array.isArray(v)) throw this.badKind(name, 'a vector', v);
    return v;
  }

  /** A vector of strings; numbers and booleans inside are written as text. */
  resolveStringVector(name: string, dflt?: string[]): string[] {
    const v = this.resolveVector(name, dflt);
    return v.map((item) => {
      if (typeof item === 'string') return item;
      if (typeof item === 'number' || typeof item === 'boolean' || typeof item === 'bigint') return String(item);
      throw this.badKind(name, 'a vector of Strings', v);
    });
  }

  /** A component handle (typically from a LAZY reference). */
  resolveComponent(name: string): Prim {
    const v = this.sfResolve(name);
    if (!(v instanceof Prim)) throw this.badKind(name, 'a reference to a live component', v);
    return v;
  }

  // --- descriptions and children -------------------------------------------------

  /** The eager child descriptions of the plan, in order (workflow "actions"). */
  childNodes(): PlanNode[] {
    return this.node.children;
  }

  /**
   * A deployable description by attribute name: an eager child description of the plan, or
   * an attribute holding a (LAZY or DATA) description with an `sfClass`.
   */
  description(name: string): PlanNode | undefined {
    const child = this.node.children.find((c) => c.name === name);
    if (child) return child;
    const v = this.attributes.get(name);
    let d: RuntimeValue | undefined = v;
    if (v instanceof Ref) d = this.sfResolve(name);
    if (d instanceof Description) return descriptionToNode(name, `${this.path}:${name}`, d, this.path);
    return undefined;
  }

  /** A child description as a Description value (for references that walk into it). */
  childDescription(name: string): Description | undefined {
    const node = this.node?.children.find((c) => c.name === name);
    if (!node) return undefined;
    this.childDescriptions ??= new Map();
    let d = this.childDescriptions.get(name);
    if (!d) {
      d = nodeToDescription(node);
      setOwner(d, this);
      this.childDescriptions.set(name, d);
    }
    return d;
  }

  /**
   * Deploys a description as a new child and drives it through deploy and start
   * (sfCreateNewChild). Never throws: when the child fails, it terminates and notifies this
   * component through `onChildTerminated` (with `child` null if it could not be constructed).
   * On a peer, a description whose `host` names another peer is deployed there, behind a proxy
   * child (docs/design/components.md §5.2), as `sfProcessHost` does in a plan.
   */
  createChild(node: PlanNode, name = node.name): Promise<Prim | undefined> {
    return this.#lifecycle.createChild(node, name);
  }

  /** Terminates a child without being notified of it. */
  terminateChild(child: Prim, record: TerminationRecord = normalRecord('terminated by its parent', child.path)): Promise<void> {
    return child.sfTerminateQuietlyWith(record);
  }

  /**
   * sfSelfDetachAndOrTerminate (§2.4): after its work, a workflow-aware component reads
   * `sfShouldDetach`, `sfShouldTerminate` (default per class) and `sfShouldTerminateQuietly`.
   */
  finished(record: TerminationRecord = normalRecord('finished', this.path)): void {
    if (this.isTerminating) return;
    if (this.resolveBoolean('sfShouldDetach', false)) this.sfDetach();
    if (this.resolveBoolean('sfShouldTerminateQuietly', false)) void this.sfTerminateQuietlyWith(record);
    else if (this.resolveBoolean('sfShouldTerminate', this.shouldTerminateByDefault)) void this.sfTerminate(record);
  }

  // --- helpers for component authors ------------------------------------------

  /** A timer cancelled automatically when the component terminates. */
  setTimer(fn: () => void, ms: number): TimerHandle {
    const timers = this.#lifecycle.timers;
    const handle = this.host.clock.setTimeout(() => {
      timers.delete(handle);
      fn();
    }, ms);
    timers.add(handle);
    return handle;
  }

  /**
   * Runs background work; an error in it terminates this component abnormally rather than
   * becoming an unhandled rejection.
   */
  background(task: () => Promise<void>): void {
    task().catch((e) => {
      if (!this.isTerminating) void this.sfTerminate(abnormalRecord(errorText(e), this.path, e));
    });
  }

  /** Writes a line of output to the event stream (`output` events; Echo, Exec). */
  output(text: string, stream: 'stdout' | 'stderr' = 'stdout'): void {
    this.host.emit(this, 'output', { stream, text });
  }

  /** A note about what the component is doing (`log` events). */
  log(text: string): void {
    this.host.emit(this, 'log', { stream: 'log', text });
  }

  /**
   * The state space of the host (publish and observe named state). Throws a ComponentError
   * (SF4601) when the host has none. Named `stateSpace` because `state` is the lifecycle state.
   */
  get stateSpace(): StateAccess {
    const access = this.host.state;
    if (!access) throw new ComponentError(Messages.NoStateSpace, { path: this.path }, this.path);
    return access;
  }

  /** The root of this component's application. */
  root(): Prim {
    let p: Prim = this;
    while (p.parent) p = p.parent;
    return p;
  }

  // --- framework: the host and other components call these; component code does not ---------

  /** Framework: binds the component to its host, parent and description. */
  sfDeployWith(host: HostServices, parent: Prim | null, node: PlanNode, name = node.name): void {
    this.host = host;
    this.parent = parent;
    this.node = node;
    this.name = name;
    this.type = node.type;
    this.path = parent ? `${parent.path}:${name}` : name;
    for (const [attr, encoded] of node.attributes) {
      const value = decodeValue(encoded);
      if (value instanceof Description) setOwner(value, this);
      this.attributes.set(attr, value);
    }
    // Liveness settings are ATTRIB lookups: own attribute, else the parent's, else the process default.
    const defaults = host.livenessDefaults;
    this.liveness.delay = this.numberAttribute('sfLivenessDelay') ?? parent?.liveness.delay ?? defaults.delay;
    this.liveness.factor = this.numberAttribute('sfLivenessFactor') ?? parent?.liveness.factor ?? defaults.factor;
    // Runtime attributes (docs/design/components.md §2.1): the liveness settings in force, stored back as
    // Long and Integer, and where the component runs. All are volatile: never checkpointed.
    if (Number.isInteger(this.liveness.delay)) this.attributes.set('sfLivenessDelay', BigInt(this.liveness.delay));
    if (Number.isInteger(this.liveness.factor)) this.attributes.set('sfLivenessFactor', this.liveness.factor);
    this.attributes.set('sfHost', HOST_NAME);
    this.attributes.set('sfProcess', host.peer);
    this.lastPinged = host.clock.now();
    if (parent) parent.children.push(this);
  }

  private numberAttribute(name: string): number | undefined {
    const v = this.attributes.get(name);
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint') return Number(v);
    if (v instanceof SfFloat || v instanceof SfDouble) return v.value;
    return undefined;
  }

  /** True for a Compound: its eager children are created at deploy time. */
  get createsChildrenAtDeploy(): boolean {
    return this.deploysChildren;
  }

  /** sfDeploy: own hook, then every child created at deploy time, in order (the driver). */
  sfDeploy(): Promise<void> {
    return this.#lifecycle.deploy();
  }

  /** sfStart: own hook, then every deployed child, in order; then `running` (the driver). */
  sfStart(): Promise<void> {
    return this.#lifecycle.start();
  }

  /** Terminates without notifying the parent (the parent initiated it). */
  sfTerminateQuietlyWith(record: TerminationRecord): Promise<void> {
    return this.#lifecycle.terminateQuietly(record);
  }

  /** sfTerminatedWith: a component reports its termination. Only children are listened to. */
  sfTerminatedWith(record: TerminationRecord, child: Prim | null): void {
    this.#lifecycle.childTerminated(record, child);
  }

  /**
   * sfPing: liveness (the driver). Throws when terminated or when the `ping` hook throws; then
   * pings the children whose liveness is enabled, each with a deadline of delay × factor.
   */
  sfPing(_source: unknown = null): Promise<void> {
    return this.#lifecycle.ping();
  }
}
Object.defineProperty(Prim.prototype, COMPONENT_BRAND, { value: true });

/** True for classes derived from Prim, even from another copy of this module. */
export function isComponentClass(cls: unknown): cls is new () => Prim {
  return typeof cls === 'function' && Boolean((cls as { prototype?: Record<symbol, unknown> }).prototype?.[COMPONENT_BRAND]);
}

/** A change's acknowledgement: a promise that callers may await or ignore (a rejection nobody awaits is not fatal). */
function acknowledged(result: Promise<void> | void): Promise<void> {
  if (!result) return Promise.resolve();
  result.catch(() => undefined);
  return result;
}
