/**
 * The peer daemon (architecture.md "The runtime's parts", issue 7): one group member, one
 * component host, optionally a checkpoint store, a control server, and the state space as
 * components and other peers see it. `start` brings them up in that order (recovering what the
 * store holds), `stop` takes them down in reverse.
 *
 * It publishes `peer/<name>` (`{name, id, epoch, control, load}`) and every component's
 * lifecycle state as `app/<application>/<path>`, places subtrees on other peers through
 * `RemoteSubtree` proxies (placement.ts), runs the subtrees other peers hand to it, and fences
 * them: a subtree whose parent has replaced it or terminated terminates itself when it learns
 * so (after this peer recovers, when the parent's peer reappears, or when the parent deploys a
 * new instance at the same place). LAZY references that leave the part of an application this
 * peer runs continue through the state space (peer-references.ts); before a component starts,
 * the places its references reach are looked up.
 *
 * Control operations (the handlers of `handle`): `deploy`, `status`, `terminate`, `members`
 * for clients; `deploy-subtree`, `ping-subtree`, `terminate-subtree`, `subtree-ended`,
 * `subtree-status` between peers. Bad requests get a ControlRefusal with a code.
 */
import { readPlan, PlanFormatError, planId } from '../../core/plan-format.js';
import { PLAN_FORMAT, type DeploymentPlan, type PlanNode } from '../../core/plan-types.js';
import { Messages, formatMessage } from '../../core/messages/index.js';
import { Checkpointer } from '../persistence/checkpointing.js';
import { SystemClock, type Clock, type TimerHandle } from '../../core/clock.js';
import type { Prim } from '../component/component.js';
import { ControlServer, ControlRefusal } from '../control/control-server.js';
import type { GroupKey } from '../group/authenticated-transport.js';
import type { GroupMember } from '../group/group-member.js';
import type { Clock as GroupClock } from '../group/transport.js';
import { ComponentHost } from '../host/host.js';
import { abnormalRecord, errorText, normalRecord, type TerminationRecord } from '../component/lifecycle.js';
import type { PeerLink } from './peer-link.js';
import { PeerReferences } from './peer-references.js';
import { LifecyclePublisher, PeerDirectory, publishedAttributes, type PeerEntry } from './peer-state.js';
import {
  RemoteSubtree,
  REMOTE_TYPE,
  bindPlacement,
  parseSubtreeAppName,
  placeNode,
  placePlan,
  subtreeAppName,
  type PlacementService,
  type SubtreeName,
  type SubtreeState,
} from './placement.js';
import { discardApplication, recover, type RecoveryReport } from '../persistence/recovery.js';
import { bindRemoteTree } from '../component/references.js';
import type { ComponentRegistry } from '../host/registry.js';
import { GroupStateAccess, type PublishedState, type StateAccess, type StateValue } from '../state/state-access.js';
import type { CheckpointStore } from '../persistence/store/checkpoint-store.js';

/** The runtime's Clock over the group's clock (the fake clock in simulations). */
export class GroupRuntimeClock implements Clock {
  constructor(private readonly clock: GroupClock) {}
  now(): number {
    return this.clock.now();
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const h = this.clock.setTimeout(fn, ms);
    return { cancel: () => this.clock.clearTimeout(h) };
  }
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms));
  }
}

export interface PeerOptions {
  name: string;
  member: GroupMember;
  registry: ComponentRegistry;
  /** Calls to other peers' control APIs. */
  link: PeerLink;
  /** With `listen`, a ControlServer answers on that address, authenticated with this key. */
  key?: GroupKey;
  listen?: string;
  /** The control address to publish when there is no server (in-process peers: `mem:<name>`). */
  controlAddress?: string;
  clock?: Clock;
  /** An opened store: components are checkpointed there and recovered at start. */
  store?: CheckpointStore;
  workingDirectory?: string;
  /** How long a placement waits for an absent peer (default 60 s). */
  placementTimeoutMs?: number;
  liveness?: { delay?: number; factor?: number };
  /** Called by `crash()` once the peer is cut off (in-process tests take its links down there). */
  onCrash?: () => void;
}

const APP_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

interface SubtreeEntry {
  name: SubtreeName;
  internal: string;
  root?: Prim;
  /** Terminated on its parent's word (terminate-subtree or fencing): no notice goes back. */
  byParent: boolean;
}

export interface ComponentStatus {
  name: string;
  path: string;
  type: string;
  state: string;
  peer: string;
  /** For a proxy: where the subtree runs and its instance. */
  remote?: { peer: string; instance: string };
  children: ComponentStatus[];
}

export interface PeerStatus {
  peer: string;
  control: string;
  stable: boolean;
  leader: string;
  partition: string[];
  members: { name: string; id: number; state: string; control?: string; load?: number }[];
  applications: { name: string; root: ComponentStatus }[];
  subtrees: { app: string; path: string; instance: string; parentPeer: string; root: ComponentStatus }[];
}

function refuse(operation: string, reason: string): never {
  throw new ControlRefusal(Messages.BadControlRequest.code, formatMessage(Messages.BadControlRequest, { operation, reason }), 400);
}

function str(body: unknown, field: string, operation: string, optional = false): string {
  const v = (body as Record<string, unknown> | null)?.[field];
  if ((v === undefined || v === '') && optional) return '';
  if (typeof v !== 'string' || v.length === 0 || v.length > 4096) refuse(operation, `\`${field}\` must be a non-empty String`);
  return v;
}

export class Peer implements PlacementService {
  readonly name: string;
  readonly host: ComponentHost;
  readonly member: GroupMember;
  readonly state: StateAccess;
  readonly directory: PeerDirectory;
  readonly placementTimeoutMs: number;
  readonly checkpointer?: Checkpointer;
  recovery?: RecoveryReport;
  private readonly clock: Clock;
  private readonly publisher: LifecyclePublisher;
  /** LAZY references that reach components on other peers (peer-references.ts). */
  readonly references: PeerReferences;
  private readonly proxies = new Map<string, RemoteSubtree>();
  private readonly subtrees = new Map<string, SubtreeEntry>();
  /** Recorded subtrees waiting for their parent's word after a restart: key → application name. */
  private readonly pending = new Map<string, string>();
  private storeOps: Promise<void> = Promise.resolve();
  private server?: ControlServer;
  private self?: PublishedState;
  private controlAddress = '';
  private recovering = false;
  private stopping = false;
  private loadTimer?: TimerHandle;
  private offGroup?: () => void;
  private offDirectory?: () => void;

  constructor(private readonly options: PeerOptions) {
    this.name = options.name;
    this.member = options.member;
    this.clock = options.clock ?? new SystemClock();
    this.placementTimeoutMs = options.placementTimeoutMs ?? 60_000;
    this.state = new GroupStateAccess(options.member.stateSpace);
    this.directory = new PeerDirectory(this.state, this.clock);
    this.publisher = new LifecyclePublisher(this.state, this.name, (c) => this.publicLocation(c), (c) => c instanceof RemoteSubtree);
    if (options.store) this.checkpointer = new Checkpointer(options.store);
    const hooks = this.checkpointer?.hooks();
    if (!options.registry.has(REMOTE_TYPE)) options.registry.register(REMOTE_TYPE, RemoteSubtree);
    this.host = new ComponentHost({
      registry: options.registry,
      peer: this.name,
      clock: this.clock,
      workingDirectory: options.workingDirectory,
      liveness: options.liveness,
      state: this.state,
      onTransition: async (e, c) => {
        if (hooks) await hooks.onTransition(e, c);
        this.publisher.onTransition(e, c);
        if (!c.parent && (e.event === 'terminated' || e.event === 'failed')) this.rootEnded(c, e.record);
        this.loadChanged();
        // Before it starts, the places its references reach on other peers are looked up.
        if (e.event === 'starting' && !this.stopping) await this.references.prepare(c);
      },
      describe: (c) => {
        const l = this.publicLocation(c);
        if (!l) return undefined;
        return l.path === c.path ? { app: l.app } : { app: l.app, path: l.path };
      },
      onAttributeChange: (c, n, v) => {
        const durable = hooks?.onAttributeChange(c, n, v);
        this.publisher.onAttributeChange(c);
        return durable;
      },
    });
    this.checkpointer?.attach(this.host);
    bindPlacement(this.host, this);
    this.references = new PeerReferences({ state: this.state, clock: this.clock, host: this.host, locate: (c) => this.publicLocation(c) });
    bindRemoteTree(this.host, this.references);
  }

  get peerName(): string {
    return this.name;
  }

  get control(): string {
    return this.controlAddress;
  }

  // --- start and stop ------------------------------------------------------------------

  async start(): Promise<void> {
    this.member.start();
    this.offGroup = this.member.onEvent((e) => {
      if (e.type === 'joined' && e.subject) this.directory.watch(e.subject.name);
      if (e.type === 'stable') for (const m of e.members ?? []) if (m.name !== this.name) this.directory.watch(m.name);
    });
    this.offDirectory = this.directory.onChange((event, e) => {
      if (event === 'present') this.parentPresent(e.name);
    });
    if (this.options.listen !== undefined) {
      if (!this.options.key) throw new Error('a control server needs the group key');
      const server = new ControlServer({ key: this.options.key, listen: this.options.listen, now: () => Date.now() });
      for (const op of OPERATIONS) server.route(op, (body) => this.handle(op, body));
      this.controlAddress = await server.start();
      this.server = server;
    } else this.controlAddress = this.options.controlAddress ?? `mem:${this.name}`;
    this.self = this.state.publish(`peer/${this.name}`, this.selfValue());
    if (this.checkpointer) {
      this.recovering = true;
      const subtreeApps: string[] = [];
      try {
        // User modules of recorded applications are loaded before their components are rebuilt.
        const store = this.checkpointer.store;
        const apps = await store.listApplications();
        for (const a of apps) {
          const plan = await store.getPlan(a.planId);
          if (plan) await this.host.registry.preparePlan(plan);
          if (parseSubtreeAppName(a.name)) subtreeApps.push(a.name);
        }
        // Subtrees placed here by other peers wait for their parent's word (below): never two copies.
        const own = apps.map((a) => a.name).filter((n) => !parseSubtreeAppName(n));
        this.recovery = await recover(this.host, this.checkpointer, { applications: own });
      } finally {
        this.recovering = false;
      }
      for (const internal of subtreeApps) {
        const name = parseSubtreeAppName(internal)!;
        this.pending.set(keyOf(name.app, name.path), internal);
        void this.resumeSubtree(name, internal);
      }
      this.loadChanged();
    }
  }

  /**
   * A subtree recorded here before a restart is rebuilt only if its parent's peer says it is
   * still the current instance; if the parent replaced it, terminated, or does not come back
   * within the placement timeout, its records are discarded (its type's `finishRecovered` runs).
   */
  private async resumeSubtree(name: SubtreeName, internal: string): Promise<void> {
    const key = keyOf(name.app, name.path);
    this.directory.watch(name.parentPeer);
    let verdict = 'gone';
    for (let attempt = 0; attempt < 30 && !this.stopping; attempt++) {
      const parent = await this.directory.whenPresent(name.parentPeer, this.placementTimeoutMs, undefined, 5000, () => this.stopping || this.pending.get(key) !== internal);
      if (!parent || this.pending.get(key) !== internal) break;
      try {
        const answer = await this.options.link.call<{ verdict: string }>(parent.control, 'subtree-status', { app: name.app, path: name.path, instance: name.instance }, 10_000);
        verdict = answer?.verdict ?? 'unknown';
      } catch {
        verdict = 'unknown';
      }
      if (verdict !== 'unknown') break;
      await this.clock.sleep(1000);
    }
    await this.resolvePending(key, internal, verdict === 'current');
  }

  /** Recovers (when `keep`) or discards a pending recorded subtree, one store operation at a time. */
  private resolvePending(key: string, internal: string, keep: boolean): Promise<void> {
    const run = async () => {
      if (this.pending.get(key) !== internal || this.stopping) return;
      this.pending.delete(key);
      const name = parseSubtreeAppName(internal)!;
      if (!keep) {
        const n = await discardApplication(this.host, this.checkpointer!, internal);
        this.host.events.emit({ time: this.clock.now(), peer: this.name, event: 'log', subject: name.path, stream: 'log', text: formatMessage(Messages.SubtreeFenced, { path: name.path, instance: name.instance, verdict: 'replaced or terminated', peer: name.parentPeer }) + ` (${n} recorded components discarded, never restarted)` });
        return;
      }
      const report = await recover(this.host, this.checkpointer!, { applications: [internal], remoteParent: () => true });
      for (const a of report.applications) {
        const entry: SubtreeEntry = { name, internal, root: a.root, byParent: false };
        this.subtrees.set(key, entry);
      }
      this.loadChanged();
    };
    this.storeOps = this.storeOps.then(run, run).catch(() => undefined);
    return this.storeOps;
  }

  /**
   * Stops the peer. With a store, a planned stop: the components are stopped but their records
   * kept for the next start. Parents of subtrees here learn it through the group (this peer's
   * `peer/<name>` goes), and treat it as a failure. `reason` (a signal name) is recorded in the store.
   */
  async stop(reason = 'stopped'): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await this.server?.stop();
    this.checkpointer?.detach();
    this.self?.withdraw();
    for (const e of this.subtrees.values()) e.byParent = true;
    await this.host.terminateAll(normalRecord(`peer ${this.name} stopped (${reason})`));
    this.loadTimer?.cancel();
    this.offGroup?.();
    this.offDirectory?.();
    this.publisher.close();
    this.references.close();
    this.directory.close();
    await this.member.stop();
    await this.options.store?.close({ clean: true, reason });
  }

  /**
   * Stops as a crash would, for in-process tests: the group and control links go first, the
   * store is detached, so nothing leaves this peer and its records stay as they were; then the
   * components are stopped silently so that their timers do not outlive it.
   */
  async crash(): Promise<void> {
    this.stopping = true;
    await this.server?.stop();
    this.checkpointer?.detach();
    this.loadTimer?.cancel();
    await this.member.stop();
    this.references.close();
    this.options.onCrash?.();
    await this.host.terminateAll(abnormalRecord('the peer crashed'));
  }

  private selfValue(): StateValue {
    const id = this.member.identity;
    return { name: this.name, id: id.id, epoch: id.epoch, control: this.controlAddress, load: this.publisher.size };
  }

  private loadChanged(): void {
    if (this.loadTimer || !this.self || this.stopping) return;
    this.loadTimer = this.clock.setTimeout(() => {
      this.loadTimer = undefined;
      if (!this.stopping && this.self && !this.self.withdrawn) this.self.update(this.selfValue());
    }, 1000);
  }

  // --- where components are published -----------------------------------------------------

  /** The application and complete path of a component (a subtree's paths are those of its application). */
  publicLocation(c: Prim): { app: string; path: string; instance?: string; within?: string } | undefined {
    const root = c.root();
    const internal = this.host.applicationOf(root);
    if (!internal) return undefined;
    const sub = parseSubtreeAppName(internal);
    if (!sub) return { app: internal, path: c.path };
    const path = sub.path + c.path.slice(root.path.length);
    return c === root ? { app: sub.app, path, instance: sub.instance } : { app: sub.app, path, within: sub.instance };
  }

  locate(c: Prim): { app: string; path: string } | undefined {
    const l = this.publicLocation(c);
    return l && { app: l.app, path: l.path };
  }

  // --- PlacementService -----------------------------------------------------------------

  whenPresent(peer: string, timeoutMs: number, progress: (waitedMs: number) => void, cancelled: () => boolean): Promise<PeerEntry | undefined> {
    return this.directory.whenPresent(peer, timeoutMs, progress, Math.max(1000, Math.min(5000, timeoutMs / 4)), () => cancelled() || this.stopping);
  }

  call<T>(peer: PeerEntry, operation: string, body: unknown, timeoutMs?: number): Promise<T> {
    return this.options.link.call<T>(peer.control, operation, body, timeoutMs);
  }

  observe(name: string, handlers: { value(id: string, v: StateValue): void; removed(id: string): void }) {
    return this.state.observe(name, {
      added: (p) => handlers.value(p.id, p.value),
      changed: (p) => handlers.value(p.id, p.value),
      removed: (p) => handlers.removed(p.id),
    });
  }

  onPeerGone(peer: string, handler: (e: PeerEntry) => void): () => void {
    return this.directory.onChange((event, e) => {
      if (event === 'gone' && e.name === peer) handler(e);
    });
  }

  register(proxy: RemoteSubtree, key: string): void {
    this.proxies.set(key, proxy);
  }

  unregister(proxy: RemoteSubtree, key: string): void {
    if (this.proxies.get(key) === proxy) this.proxies.delete(key);
  }

  // --- subtrees run here ----------------------------------------------------------------------

  private rootEnded(root: Prim, record: TerminationRecord | undefined): void {
    const internal = this.host.applicationOf(root);
    const name = internal ? parseSubtreeAppName(internal) : undefined;
    if (!name) return;
    const key = keyOf(name.app, name.path);
    const entry = this.subtrees.get(key);
    if (!entry || entry.name.instance !== name.instance) return;
    this.subtrees.delete(key);
    if (entry.byParent || this.stopping) return;
    // Tell the parent at once (the state space tells it too, within its bounds).
    const parent = this.directory.get(name.parentPeer);
    if (parent) {
      void this.options.link
        .call(parent.control, 'subtree-ended', { app: name.app, path: name.path, instance: name.instance, record: record ?? abnormalRecord('ended', root.path) }, 10_000)
        .catch(() => undefined);
    }
  }

  /** The parent's peer is (again) present: its subtrees here ask whether they are still wanted. */
  private parentPresent(peer: string): void {
    for (const e of this.subtrees.values()) if (e.name.parentPeer === peer) void this.checkWithParent(e);
  }

  /** Fencing: asks the parent's peer about this subtree; terminates it when replaced or gone. */
  private async checkWithParent(entry: SubtreeEntry, attempt = 0): Promise<void> {
    if (this.stopping || attempt > 30) return;
    const parent = this.directory.get(entry.name.parentPeer);
    if (!parent) return; // Checked again when it appears; the watchdog ends it meanwhile.
    let verdict: string;
    try {
      const answer = await this.options.link.call<{ verdict: string }>(parent.control, 'subtree-status', { app: entry.name.app, path: entry.name.path, instance: entry.name.instance }, 10_000);
      verdict = answer?.verdict ?? 'unknown';
    } catch {
      verdict = 'unknown';
    }
    if (this.subtrees.get(keyOf(entry.name.app, entry.name.path)) !== entry) return;
    if (verdict === 'unknown') {
      this.clock.setTimeout(() => void this.checkWithParent(entry, attempt + 1), 2000);
      return;
    }
    if (verdict === 'current') return;
    await this.fence(entry, verdict === 'replaced' ? 'replaced' : 'terminated');
  }

  private async fence(entry: SubtreeEntry, verdict: string): Promise<void> {
    entry.byParent = true;
    this.subtrees.delete(keyOf(entry.name.app, entry.name.path));
    const root = entry.root;
    if (!root || root.isTerminating) return;
    const message = formatMessage(Messages.SubtreeFenced, { path: entry.name.path, instance: entry.name.instance, verdict, peer: entry.name.parentPeer });
    this.host.emit(root, 'log', { stream: 'log', text: message });
    await root.sfTerminate({ type: 'abnormal', reason: message, path: root.path, cause: { name: 'SubtreeFenced', message, code: Messages.SubtreeFenced.code } });
  }

  // --- control operations -----------------------------------------------------------------

  /** Dispatches one control operation (the ControlServer and in-process links call this). */
  async handle(operation: string, body: unknown): Promise<unknown> {
    if (this.stopping) throw new ControlRefusal('SF4308', `The operation failed: peer \`${this.name}\` is stopping.`, 503);
    switch (operation) {
      case 'deploy':
        return this.opDeploy(body);
      case 'status':
        return this.opStatus(body);
      case 'terminate':
        return this.opTerminate(body);
      case 'members':
        return this.opMembers();
      case 'deploy-subtree':
        return this.opDeploySubtree(body);
      case 'ping-subtree':
        return this.opPingSubtree(body);
      case 'terminate-subtree':
        return this.opTerminateSubtree(body);
      case 'subtree-ended':
        return this.opSubtreeEnded(body);
      case 'subtree-status':
        return this.opSubtreeStatus(body);
      default:
        throw new ControlRefusal('SF4301', `Unknown operation \`${operation}\`.`, 404);
    }
  }

  /** `deploy {plan: base64 of a plan (msgpack or JSON), name?, wait?}` → `{app, state, record?}`. */
  private async opDeploy(body: unknown): Promise<unknown> {
    const b = (body ?? {}) as { plan?: unknown; name?: unknown; wait?: unknown };
    if (typeof b.plan !== 'string') refuse('deploy', '`plan` must be the plan file, base64-encoded');
    let plan: DeploymentPlan;
    try {
      plan = readPlan(Buffer.from(b.plan, 'base64'));
    } catch (e) {
      refuse('deploy', e instanceof PlanFormatError ? e.reason : errorText(e));
    }
    const name = b.name === undefined || b.name === '' ? plan.name : b.name;
    if (typeof name !== 'string' || !APP_NAME.test(name)) {
      throw new ControlRefusal(Messages.BadApplicationName.code, formatMessage(Messages.BadApplicationName, { name: String(name).slice(0, 80) }), 400);
    }
    if (this.host.application(name)) {
      throw new ControlRefusal(Messages.ApplicationExists.code, formatMessage(Messages.ApplicationExists, { name, peer: this.name }), 409);
    }
    const placed = placePlan(plan, this.name);
    const diagnostics = await this.host.registry.preparePlan(placed);
    if (diagnostics.length) throw new ControlRefusal(diagnostics[0]!.code, diagnostics.map((d) => d.message).join(' '), 400);
    const deploying = (this.checkpointer ? this.checkpointer.deploy(placed, { name }) : this.host.deploy(placed, { name })).then((r) => {
      // No root: it could not be built or its first checkpoint failed; say so, never "deploying".
      if (!r.root) throw new ControlRefusal(r.diagnostics[0]?.code ?? Messages.DeployFailed.code, r.diagnostics.map((d) => d.message).join(' ') || 'the application could not be deployed', 400);
      return r.root;
    });
    const wait = typeof b.wait === 'number' && b.wait > 0 ? Math.min(b.wait, 600_000) : 0;
    let root: Prim | undefined;
    if (wait) {
      let timer: TimerHandle | undefined;
      const late = new Promise<undefined>((resolve) => (timer = this.clock.setTimeout(() => resolve(undefined), wait)));
      try {
        root = await Promise.race([deploying, late]);
        // A failure is reported once the root has finished terminating.
        if (root?.isTerminating) await Promise.race([root.whenTerminated(), late]);
      } catch (e) {
        if (e instanceof ControlRefusal) throw e;
        refuse('deploy', errorText(e));
      } finally {
        timer?.cancel();
      }
    } else deploying.catch(() => undefined);
    root ??= this.host.application(name);
    return { app: name, peer: this.name, state: root?.state ?? 'deploying', ...(root?.record ? { record: root.record } : {}) };
  }

  /** `terminate {app, local?}`: terminates the application where its root runs. */
  private async opTerminate(body: unknown): Promise<unknown> {
    const app = str(body, 'app', 'terminate');
    const local = Boolean((body as { local?: unknown }).local);
    const root = parseSubtreeAppName(app) ? undefined : this.host.application(app);
    if (root) {
      await root.sfTerminate(normalRecord(`terminated by request (frog terminate ${app})`, root.path));
      return { app, peer: this.name, terminated: true };
    }
    if (!local) {
      for (const p of this.directory.entries()) {
        if (p.name === this.name) continue;
        try {
          const r = await this.options.link.call<{ terminated?: boolean }>(p.control, 'terminate', { app, local: true }, 30_000);
          if (r?.terminated) return r;
        } catch {
          // That peer does not have it (or cannot be reached): ask the next.
        }
      }
    }
    throw new ControlRefusal(Messages.UnknownApplication.code, formatMessage(Messages.UnknownApplication, { app }), 404);
  }

  private opMembers(): unknown {
    const snap = this.member.snapshot();
    const names = new Map(snap.peers.map((p) => [p.id, p.name]));
    names.set(snap.id, snap.name);
    const nameOf = (id: number) => names.get(id) ?? String(id);
    return {
      peer: this.name,
      control: this.controlAddress,
      stable: snap.stable,
      leader: nameOf(snap.leader),
      partition: snap.partition.map(nameOf),
      members: [
        { name: this.name, id: snap.id, state: 'self', control: this.controlAddress, load: this.publisher.size },
        ...snap.peers.map((p) => {
          const e = this.directory.get(p.name);
          return { name: p.name, id: p.id, state: String(p.state), ...(e ? { control: e.control, load: e.load } : {}) };
        }),
      ],
      counters: this.member.stats(),
    };
  }

  private tree(c: Prim): ComponentStatus {
    const loc = this.publicLocation(c);
    const s: ComponentStatus = { name: c.name, path: loc?.path ?? c.path, type: c.type, state: c.state, peer: this.name, children: c.children.map((x) => this.tree(x)) };
    if (c instanceof RemoteSubtree) s.remote = { peer: c.targetPeer, instance: c.claimedInstance };
    return s;
  }

  private localStatus(): PeerStatus {
    const m = this.opMembers() as { stable: boolean; leader: string; partition: string[]; members: PeerStatus['members'] };
    const applications: PeerStatus['applications'] = [];
    const subtrees: PeerStatus['subtrees'] = [];
    for (const internal of this.host.applicationNames()) {
      const root = this.host.application(internal);
      if (!root) continue;
      const sub = parseSubtreeAppName(internal);
      if (sub) subtrees.push({ app: sub.app, path: sub.path, instance: sub.instance, parentPeer: sub.parentPeer, root: this.tree(root) });
      else applications.push({ name: internal, root: this.tree(root) });
    }
    return { peer: this.name, control: this.controlAddress, stable: m.stable, leader: m.leader, partition: m.partition, members: m.members, applications, subtrees };
  }

  /**
   * `status {all?}`: this peer's view; with `all`, every present peer's too, and the
   * applications with the subtrees of other peers grafted under their proxies.
   */
  private async opStatus(body: unknown): Promise<unknown> {
    const all = Boolean((body as { all?: unknown } | null)?.all);
    const local = this.localStatus();
    if (!all) return local;
    const peers: (PeerStatus | { peer: string; error: string })[] = [local];
    for (const p of this.directory.entries()) {
      if (p.name === this.name) continue;
      try {
        peers.push(await this.options.link.call<PeerStatus>(p.control, 'status', {}, 10_000));
      } catch (e) {
        peers.push({ peer: p.name, error: errorText(e) });
      }
    }
    const statuses = peers.filter((p): p is PeerStatus => 'applications' in p);
    const subtrees = new Map(statuses.flatMap((s) => s.subtrees.map((t) => [`${t.app}\u0000${t.path}\u0000${t.instance}`, t.root] as const)));
    const graft = (app: string, c: ComponentStatus): ComponentStatus => {
      if (c.remote) {
        const remote = subtrees.get(`${app}\u0000${c.path}\u0000${c.remote.instance}`);
        if (remote) return { ...graft(app, remote), name: c.name, remote: c.remote };
        return { ...c, state: c.state === 'running' ? 'unknown' : c.state };
      }
      return { ...c, children: c.children.map((x) => graft(app, x)) };
    };
    const applications = statuses.flatMap((s) => s.applications.map((a) => ({ name: a.name, peer: s.peer, root: graft(a.name, a.root) })));
    return { peer: this.name, peers, applications };
  }

  /** `deploy-subtree {app, path, instance, parentPeer, node, source?}` → SubtreeState once running or ended. */
  private async opDeploySubtree(body: unknown): Promise<SubtreeState> {
    const op = 'deploy-subtree';
    const app = str(body, 'app', op);
    const path = str(body, 'path', op);
    const instance = str(body, 'instance', op);
    const parentPeer = str(body, 'parentPeer', op);
    const source = str(body, 'source', op, true);
    if (!APP_NAME.test(app) || !/^[0-9a-z]{1,64}$/.test(instance) || /[@#]/.test(path)) refuse(op, 'malformed `app`, `path` or `instance`');
    const node = checkedNode((body as { node?: unknown }).node, op);
    const name: SubtreeName = { app, path, instance, parentPeer };
    const key = keyOf(app, path);
    const waiting = this.pending.get(key);
    if (waiting) {
      const recorded = parseSubtreeAppName(waiting)!;
      await this.resolvePending(key, waiting, recorded.instance === instance);
    }
    const existing = this.subtrees.get(key);
    if (existing && existing.name.instance === instance && existing.root) return subtreeState(existing.root);
    // The parent replaced an older copy: never two live copies of one subtree.
    if (existing) await this.fence(existing, 'replaced');
    const internal = subtreeAppName(name);
    const plan: DeploymentPlan = { format: PLAN_FORMAT, id: '', name: internal, source, root: placeNode(node, this.name, source) };
    plan.id = planId(plan);
    const entry: SubtreeEntry = { name, internal, byParent: false };
    this.subtrees.set(key, entry);
    this.directory.watch(parentPeer);
    const deployed = this.checkpointer ? await this.checkpointer.deploy(plan, { name: internal, remoteParent: true }) : await this.host.deploy(plan, { name: internal, remoteParent: true });
    if (deployed.diagnostics.length || !deployed.root) {
      if (this.subtrees.get(key) === entry) this.subtrees.delete(key);
      const d = deployed.diagnostics[0];
      return { state: 'failed', record: abnormalRecord(d ? `${d.code}: ${d.message}` : 'the subtree could not be deployed', path) };
    }
    entry.root = deployed.root;
    return subtreeState(deployed.root);
  }

  private findSubtree(body: unknown, op: string): { entry?: SubtreeEntry; app: string; path: string; instance: string } {
    const app = str(body, 'app', op);
    const path = str(body, 'path', op);
    const instance = str(body, 'instance', op);
    const entry = this.subtrees.get(keyOf(app, path));
    return { entry: entry && entry.name.instance === instance && entry.root && !entry.root.isTerminating ? entry : undefined, app, path, instance };
  }

  private async opPingSubtree(body: unknown): Promise<SubtreeState> {
    const { entry, app, path, instance } = this.findSubtree(body, 'ping-subtree');
    // Still being deployed here (its components may wait, e.g. for the places their references reach): alive.
    const deploying = this.subtrees.get(keyOf(app, path));
    if (!entry && deploying && deploying.name.instance === instance && !deploying.root) return { state: 'deploying' };
    if (!entry) throw new ControlRefusal(Messages.UnknownSubtree.code, formatMessage(Messages.UnknownSubtree, { peer: this.name, path, app, instance }), 404);
    await entry.root!.sfPing(null);
    return subtreeState(entry.root!);
  }

  private async opTerminateSubtree(body: unknown): Promise<unknown> {
    const { entry } = this.findSubtree(body, 'terminate-subtree');
    if (!entry) return { terminated: false };
    entry.byParent = true;
    const given = (body as { record?: TerminationRecord }).record;
    const record = given && typeof given.type === 'string' && typeof given.reason === 'string' ? { type: given.type, reason: given.reason, path: String(given.path ?? '') } : normalRecord('terminated by its parent');
    await entry.root!.sfTerminate(record);
    return { terminated: true };
  }

  /** From a subtree's peer: it ended by itself; the proxy ends with its record. */
  private opSubtreeEnded(body: unknown): unknown {
    const op = 'subtree-ended';
    const app = str(body, 'app', op);
    const path = str(body, 'path', op);
    const instance = str(body, 'instance', op);
    const proxy = this.proxies.get(keyOf(app, path));
    if (!proxy || proxy.instance !== instance) return { known: false };
    const r = (body as { record?: TerminationRecord }).record;
    const record = r && typeof r.type === 'string' && typeof r.reason === 'string' ? { type: r.type, reason: r.reason, path: String(r.path ?? path), ...(r.cause ? { cause: r.cause } : {}) } : abnormalRecord('the remote subtree ended', path);
    proxy.ended(record);
    return { known: true };
  }

  /** Fencing: is this instance still the one the proxy stands for? `current`, `replaced`, `gone` or `unknown` (still recovering). */
  private opSubtreeStatus(body: unknown): unknown {
    const op = 'subtree-status';
    const app = str(body, 'app', op);
    const path = str(body, 'path', op);
    const instance = str(body, 'instance', op);
    if (this.recovering) return { verdict: 'unknown' };
    const proxy = this.proxies.get(keyOf(app, path));
    if (!proxy || proxy.isTerminating) return { verdict: 'gone' };
    return { verdict: proxy.claimedInstance === instance ? 'current' : 'replaced' };
  }
}

const OPERATIONS = ['deploy', 'status', 'terminate', 'members', 'deploy-subtree', 'ping-subtree', 'terminate-subtree', 'subtree-ended', 'subtree-status'];

function keyOf(app: string, path: string): string {
  return `${app}\u0000${path}`;
}

function subtreeState(root: Prim): SubtreeState {
  return { state: root.state, ...(root.record ? { record: root.record } : {}), attributes: publishedAttributes(root) };
}

/** Checks a node's shape the way a plan file is checked (readPlan), without an id. */
function checkedNode(node: unknown, op: string): PlanNode {
  if (!node || typeof node !== 'object') refuse(op, '`node` must be a plan node');
  const plan = { format: PLAN_FORMAT, id: '', name: 'subtree', source: '', root: node as PlanNode };
  plan.id = planId(plan as DeploymentPlan);
  try {
    return readPlan(Buffer.from(JSON.stringify(plan))).root;
  } catch (e) {
    refuse(op, e instanceof PlanFormatError ? e.reason : errorText(e));
  }
}
