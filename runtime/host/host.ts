/**
 * The component host of one peer (docs/design/pipeline.md §5): instantiates
 * plan trees through the registry, drives their lifecycle, runs liveness senders at
 * application roots, and reports every transition on one event stream.
 *
 * Hook points for checkpoints and recovery (docs/design/recovery.md):
 * - `onTransition(event, component)` is awaited before a transition's event is emitted and
 *   before the lifecycle goes on: a transition is acknowledged only once the hook resolves
 *   (the store makes its checkpoint durable there).
 * - `onAttributeChange(component, name, value)` reports every attribute replacement; what it
 *   returns is what `sfReplaceAttribute` returns (resolved once the change is durable).
 * - `instantiate(node, parent, name)` rebuilds a component from a recorded description;
 *   recovery sets `component.recovered` and emits `recovered` with `emit`.
 */
import { hostname } from 'node:os';
import type { DeploymentPlan, PlanNode } from '../../core/plan-types.js';
import type { Diagnostic } from '../../core/diagnostics.js';
import { Messages, formatMessage } from '../../core/messages/index.js';
import { SystemClock, type Clock } from '../../core/clock.js';
import { Prim, type HostServices, type RuntimeFunctions, type RuntimeValue } from '../component/component.js';
import { EventStream, type RuntimeEvent } from './events.js';
import { ComponentError, LifecycleFailure, abnormalRecord, errorText, normalRecord, type LifecycleState, type TerminationRecord } from '../component/lifecycle.js';
import { LivenessSender, ParentWatchdog } from './liveness.js';
import type { ComponentRegistry } from './registry.js';
import type { StateAccess } from '../state/state-access.js';

export interface ComponentHostOptions {
  registry: ComponentRegistry;
  /** The peer's name in events (default: the host name). */
  peer?: string;
  clock?: Clock;
  /** Relative paths in attributes are resolved against this (default: the process's working directory). */
  workingDirectory?: string;
  /** Built-in functions for lazy `$apply` values. */
  functions?: RuntimeFunctions;
  /** Process defaults of sfLivenessDelay (seconds) and sfLivenessFactor: 15 and 2 (docs/design/components.md §3, §12-B5). */
  liveness?: { delay?: number; factor?: number };
  /** Awaited for every transition before its event is emitted (checkpoints). */
  onTransition?: (event: RuntimeEvent, component: Prim) => Promise<void> | void;
  onAttributeChange?: (component: Prim, name: string, value: RuntimeValue | undefined) => Promise<void> | void;
  /**
   * Fields added to every event of a component: a peer adds the application's name and, for a
   * part placed here by another peer, the part's path in its application (`app`, `path`).
   */
  describe?: (component: Prim) => Record<string, unknown> | undefined;
  /** The state space offered to components (`Prim.stateSpace`); may also be set later. */
  state?: StateAccess;
  /** The data directory of the checkpoint store, when there is one on disk (`HostServices.dataDirectory`). */
  dataDirectory?: string;
  /**
   * Places a description created at run time (`createChild`) whose `host` names another peer:
   * a peer replaces it by a proxy that deploys it there (runtime/peer/placement.ts). Without
   * it, `host` is ignored and the child runs here.
   */
  place?: (node: PlanNode, source: string) => PlanNode;
}

/** A recorded subtree to rebuild: the node to construct from, its name, and its recorded live children. */
export interface RebuildNode {
  node: PlanNode;
  name: string;
  children: RebuildNode[];
  /** Children that ended (terminated or failed) while the peer was down, by name: workflows resume from them. */
  finishedChildren?: ReadonlyMap<string, 'terminated' | 'failed'>;
}

/** The outcome of `deploy`: the running root, or the diagnostics that prevented deployment. */
export interface DeployResult {
  diagnostics: Diagnostic[];
  /** The application root; it may already have failed (see `whenTerminated`). */
  root?: Prim;
  /** Resolves with the root's termination record (immediately when deployment never began). */
  terminated: Promise<TerminationRecord>;
}

export interface DeployOptions {
  /** The application name (default: the plan's name). */
  name?: string;
  /** The root's parent is on another peer: watch for its pings instead of sending our own. */
  remoteParent?: boolean;
  /**
   * Called with the root the moment it is registered as the application, before it deploys:
   * a caller that must be able to end the application from then on (a terminate that raced
   * its deploy) gets hold of it there. Terminating it in the call stops it from deploying.
   */
  onRoot?: (root: Prim) => void;
}

/** The promise of a transition that had nothing to wait for. */
const DONE: Promise<void> = Promise.resolve();

export class ComponentHost implements HostServices {
  readonly peer: string;
  readonly clock: Clock;
  readonly workingDirectory: string;
  readonly functions?: RuntimeFunctions;
  readonly livenessDefaults: { delay: number; factor: number };
  readonly events = new EventStream();
  readonly registry: ComponentRegistry;
  /** The state space offered to components; a peer sets it once its group member exists. */
  state?: StateAccess;
  readonly dataDirectory?: string;
  private readonly placer?: (node: PlanNode, source: string) => PlanNode;
  private readonly applications = new Map<string, Prim>();
  private readonly senders = new Map<Prim, { stop(): void }>();
  private readonly sources = new Map<Prim, string>();
  private readonly rootNames = new WeakMap<Prim, string>();
  private readonly onTransition?: ComponentHostOptions['onTransition'];
  private readonly onAttributeChange?: ComponentHostOptions['onAttributeChange'];
  private readonly describe?: ComponentHostOptions['describe'];
  private unnamed = 0;

  constructor(options: ComponentHostOptions) {
    this.registry = options.registry;
    this.peer = options.peer ?? hostname();
    this.clock = options.clock ?? new SystemClock();
    this.workingDirectory = options.workingDirectory ?? process.cwd();
    this.functions = options.functions;
    this.livenessDefaults = { delay: options.liveness?.delay ?? 15, factor: options.liveness?.factor ?? 2 };
    this.onTransition = options.onTransition;
    this.onAttributeChange = options.onAttributeChange;
    this.describe = options.describe;
    this.state = options.state;
    this.dataDirectory = options.dataDirectory;
    this.placer = options.place;
  }

  /**
   * Deploys a plan: checks that every component type is available (diagnostics, nothing
   * deployed, when not), then deployWith → deploy → start on the root. Returns once the
   * root is running or has failed; never throws for a bad plan or a failing component.
   */
  async deploy(plan: DeploymentPlan, options: DeployOptions = {}): Promise<DeployResult> {
    const diagnostics = (await this.registry.preparePlan(plan)).filter((d) => d.severity === 'error');
    if (diagnostics.length) {
      return { diagnostics, terminated: Promise.resolve(abnormalRecord(diagnostics[0].message, diagnostics[0].path ?? plan.root.path)) };
    }
    let root: Prim;
    try {
      root = await this.deployRoot(plan.root, options.name ?? plan.name, plan.source, options.remoteParent ?? false, options.onRoot);
    } catch (e) {
      // The root itself could not be built (construction, binding or its first checkpoint failed):
      // that is a diagnostic for the caller, not an exception.
      const path = e instanceof ComponentError ? e.path : plan.root.path;
      const record = e instanceof LifecycleFailure ? e.record : abnormalRecord(errorText(e), path, e);
      const d: Diagnostic = {
        code: e instanceof ComponentError && e.code ? e.code : Messages.DeployFailed.code,
        severity: 'error',
        message: e instanceof ComponentError ? e.message : formatMessage(Messages.DeployFailed, { path: record.path, reason: record.reason }),
        path: record.path,
      };
      return { diagnostics: [d], terminated: Promise.resolve(record) };
    }
    return { diagnostics, root, terminated: root.whenTerminated() };
  }

  /** Deploys a node as a new application and drives it to running (or failure). */
  async deployApplication(node: PlanNode, name: string): Promise<Prim> {
    return this.deployRoot(node, name, '', false);
  }

  private async deployRoot(node: PlanNode, appName: string, source: string, remoteParent: boolean, onRoot?: (root: Prim) => void): Promise<Prim> {
    let name = appName || `unnamed_${++this.unnamed}`;
    while (this.applications.has(name)) name = `${appName || 'unnamed'}_${++this.unnamed}`;
    const root = await this.instantiate(node, null, node.name, source, name);
    return this.runApplication(root, name, remoteParent, onRoot);
  }

  /**
   * Registers a root as the application `name` (liveness sender or watchdog) and drives it
   * through deploy and start. Used for new roots and for roots rebuilt by recovery.
   */
  async runApplication(root: Prim, name: string, remoteParent = false, onRoot?: (root: Prim) => void): Promise<Prim> {
    this.applications.set(name, root);
    onRoot?.(root);
    const sender = remoteParent ? new ParentWatchdog(this.clock, root) : new LivenessSender(this.clock, root);
    this.senders.set(root, sender);
    sender.start();
    try {
      if (!root.isTerminating) await root.sfDeploy();
      if (!root.isTerminating) await root.sfStart();
    } catch (e) {
      if (!(e instanceof LifecycleFailure)) void root.sfTerminate(abnormalRecord(errorText(e), root.path, e));
    }
    return root;
  }

  /**
   * sfDeployWith for a subtree: constructs and binds the component, emits `deploying`, and
   * for a Compound creates its eager children (recursively, in order) before any of them
   * deploys. A child that cannot be constructed fails the new component.
   */
  async instantiate(node: PlanNode, parent: Prim | null, name = node.name, source = '', application?: string): Promise<Prim> {
    const prim = this.construct(node, parent, name, source, application);
    await this.transition(prim, 'deploying');
    if (prim.createsChildrenAtDeploy) {
      for (const child of node.children) {
        if (prim.isTerminating) break;
        try {
          await this.instantiate(child, prim);
        } catch (e) {
          const record = e instanceof LifecycleFailure ? e.record : abnormalRecord(errorText(e), `${prim.path}:${child.name}`, e);
          void prim.sfTerminate(record);
          break;
        }
      }
    }
    return prim;
  }

  /** Constructs and binds one component (sfDeployWith), without children or events. */
  private construct(node: PlanNode, parent: Prim | null, name: string, source: string, application?: string): Prim {
    const cls = this.registry.get(node.type, parent ? this.sourceOf(parent) : source);
    const path = parent ? `${parent.path}:${name}` : name;
    if (!cls) throw new ComponentError(Messages.UnknownComponentType, { type: node.type, path }, path);
    let prim: Prim;
    try {
      prim = new cls();
    } catch (e) {
      throw new LifecycleFailure(abnormalRecord(`construction failed: ${errorText(e)}`, path, e));
    }
    try {
      prim.sfDeployWith(this, parent, node, name);
    } catch (e) {
      throw new LifecycleFailure(abnormalRecord(`deployWith failed: ${errorText(e)}`, path, e));
    }
    if (!parent) {
      if (source) this.sources.set(prim, source);
      // Known before the first transition, so that checkpoints can name the application.
      this.rootNames.set(prim, application ?? name);
    }
    return prim;
  }

  /**
   * Rebuilds a recorded subtree (recovery, docs/design/recovery.md §3): each component is constructed
   * from its description with its checkpointed attributes, marked `recovered`, reports
   * `recovering`, then its recorded children are rebuilt in order, whatever its type (a
   * workflow's live children are recorded too). Nothing is deployed or started: the caller
   * runs the lifecycle again (`runApplication`). A child that cannot be rebuilt fails the
   * component, as in `instantiate`.
   */
  async rebuild(tree: RebuildNode, parent: Prim | null, source = '', application?: string): Promise<Prim> {
    const prim = this.construct(tree.node, parent, tree.name, source, application);
    prim.recovered = true;
    if (tree.finishedChildren?.size) prim.recoveredChildren = tree.finishedChildren;
    await this.transition(prim, (prim.state = 'recovering'));
    for (const child of tree.children) {
      if (prim.isTerminating) break;
      try {
        await this.rebuild(child, prim);
      } catch (e) {
        const record = e instanceof LifecycleFailure ? e.record : abnormalRecord(errorText(e), `${prim.path}:${child.name}`, e);
        void prim.sfTerminate(record);
        break;
      }
    }
    return prim;
  }

  /** A description created at run time under `parent`, placed on the peer its `host` names (ComponentHostOptions.place). */
  placeChild(node: PlanNode, parent: Prim): PlanNode {
    return this.placer && node.host && node.host !== this.peer ? this.placer(node, this.sourceOf(parent)) : node;
  }

  /** The application name of a root component (set before its first transition). */
  applicationOf(root: Prim): string | undefined {
    return this.rootNames.get(root);
  }

  /** The file the plan of a component's application was compiled from ('' when unknown). */
  sourceOf(component: Prim | null): string {
    if (!component) return '';
    return this.sources.get(component.root()) ?? '';
  }

  async prepareType(type: string, path: string, parent: Prim | null): Promise<void> {
    const d = await this.registry.prepareType(type, path, this.sourceOf(parent));
    if (d) throw new ComponentError(d.message, path, d.code);
  }

  /**
   * Records a transition: its event is emitted once the `onTransition` hook has resolved. Not an
   * async function: when the hook has nothing to wait for (no store, a restart commit written
   * behind), the event goes out now and one shared resolved promise is returned, so that a
   * deployment of 100,000 components does not make a promise per transition.
   */
  transition(component: Prim, state: LifecycleState, record?: TerminationRecord): Promise<void> {
    const event: RuntimeEvent = { time: this.clock.now(), peer: this.peer, event: state, subject: component.path, type: component.type };
    if (record) event.record = record;
    if (this.describe) Object.assign(event, this.describe(component));
    if (this.onTransition) {
      let pending: Promise<void> | void;
      try {
        pending = this.onTransition(event, component);
      } catch (e) {
        return Promise.reject(e);
      }
      if (pending) return pending.then(() => this.events.emit(event));
    }
    this.events.emit(event);
    return DONE;
  }

  emit(component: Prim, event: string, details: Record<string, unknown>): void {
    this.events.emit({ time: this.clock.now(), peer: this.peer, event, subject: component.path, ...this.describe?.(component), ...details });
  }

  application(name: string): Prim | undefined {
    return this.applications.get(name);
  }

  /** The running applications by name. */
  applicationNames(): string[] {
    return [...this.applications.keys()];
  }

  terminated(component: Prim, _record: TerminationRecord): void {
    if (component.parent) return;
    this.senders.get(component)?.stop();
    this.senders.delete(component);
    this.sources.delete(component);
    for (const [name, app] of this.applications) if (app === component) this.applications.delete(name);
  }

  attributeChanged(component: Prim, name: string, value: RuntimeValue | undefined): Promise<void> | void {
    return this.onAttributeChange?.(component, name, value);
  }

  /** Finds a live component by its complete name (`sfConfig:a:b`) in any application. */
  find(path: string): Prim | undefined {
    const [first, ...rest] = path.split(':');
    for (const app of this.applications.values()) {
      if (app.name !== first) continue;
      let c: Prim | undefined = app;
      for (const part of rest) c = c?.children.find((x) => x.name === part);
      if (c) return c;
    }
    return undefined;
  }

  /** Terminates every application (last deployed first) and waits for them. */
  async terminateAll(record: TerminationRecord = normalRecord('the host is shutting down')): Promise<void> {
    const apps = [...this.applications.values()].reverse();
    for (const app of apps) await app.sfTerminate({ ...record, path: record.path || app.path });
  }
}
