/**
 * The peer daemon (docs/design/pipeline.md §5): one group member, one
 * component host, optionally a checkpoint store, a control server, and the state space as
 * components and other peers see it. `start` brings them up in that order (recovering what the
 * store holds), `stop` takes them down in reverse. This class only builds and wires its parts:
 *
 * - presence.ts publishes `peer/<name>` (`{name, id, epoch, control, load}`), and
 *   peer-state.ts every component's lifecycle state as `app/<application>/<path>`;
 * - placement-service.ts serves the `RemoteSubtree` proxies (placement.ts) that place
 *   subtrees on other peers; parts.ts runs the subtrees other peers hand to it; fencing.ts
 *   terminates those whose parent has replaced them or terminated; resume.ts recovers what the
 *   store holds, a recorded subtree only on its parent's word;
 * - history.ts keeps the applications of this peer that ended (kept in the store when there is
 *   one), for `status`;
 * - applications.ts and status.ts answer the clients; handlers.ts maps every operation of the
 *   control protocol (runtime/control/protocol.ts) to its handler;
 * - LAZY references that leave the part of an application this peer runs continue through the
 *   state space (peer-references.ts); before a component starts, the places its references
 *   reach are looked up.
 */
import { SystemClock, type Clock, type TimerHandle } from '../../core/clock.js';
import { Messages } from '../../core/messages/index.js';
import type { Prim } from '../component/component.js';
import { abnormalRecord, normalRecord } from '../component/lifecycle.js';
import { bindRemoteTree } from '../component/references.js';
import { ControlServer, ControlRefusal } from '../control/control-server.js';
import { checkMonitor, OPERATIONS, dispatch, type AnswerOf, type Handlers, type Operation, type RequestOf } from '../control/protocol.js';
import type { GroupKey } from '../group/authenticated-transport.js';
import { eventRecord, type GroupMember } from '../group/group-member.js';
import { EventStream, type RuntimeEvent } from '../host/events.js';
import { ComponentHost } from '../host/host.js';
import { HttpListener } from '../http/http-listener.js';
import { PeerMetrics } from '../http/metrics.js';
import type { ComponentRegistry } from '../host/registry.js';
import { Checkpointer } from '../persistence/checkpointing.js';
import type { RecoveryReport } from '../persistence/recovery.js';
import type { CheckpointStore } from '../persistence/store/checkpoint-store.js';
import { GroupStateAccess, type StateAccess, type StateValue } from '../state/state-access.js';
import { Applications } from './applications.js';
import type { PeerContext } from './context.js';
import { Fencing } from './fencing.js';
import { peerHandlers } from './handlers.js';
import { History } from './history.js';
import { publicLocation, type PublicLocation } from './location.js';
import { Parts } from './parts.js';
import type { PeerLink } from './peer-link.js';
import { PeerReferences } from './peer-references.js';
import { LifecyclePublisher, PeerDirectory, type PeerEntry } from './peer-state.js';
import { RemoteSubtree, REMOTE_TYPE, bindPlacement, placeNode, type PlacementService } from './placement.js';
import { PeerPlacement } from './placement-service.js';
import { PeerPresence } from './presence.js';
import { Resume } from './resume.js';
import { Status } from './status.js';

/** How long a stop waits for the components to terminate before it goes on. */
export const DEFAULT_STOP_TIMEOUT_MS = 10_000;

export interface PeerOptions {
  name: string;
  member: GroupMember;
  registry: ComponentRegistry;
  /** Calls to other peers' control APIs. */
  link: PeerLink;
  /** With `listen`, a ControlServer answers on that address, authenticated with this key. */
  key?: GroupKey;
  listen?: string;
  /**
   * Where the control server listens instead when `listen` turns out to be taken (EADDRINUSE)
   * as it binds, and what to tell: `frog peer` without `--listen` gives its default address
   * here, so that two peers starting at once on one machine both start (a check of the port
   * beforehand cannot see the other one bind in between).
   */
  listenFallback?: { listen: string; onUse: () => void };
  /** The control address to publish when there is no server (in-process peers: `mem:<name>`). */
  controlAddress?: string;
  /** Time for the host, placement and directory (default: the system clock); in-process tests pass the group's manual clock. */
  clock?: Clock;
  /** An opened store: components are checkpointed there and recovered at start. */
  store?: CheckpointStore;
  /** The store's data directory on disk, for components that keep files there (Exec); none for a memory store. */
  dataDirectory?: string;
  workingDirectory?: string;
  /** How long a placement waits for an absent peer (default 60 s). */
  placementTimeoutMs?: number;
  /** How long `stop` waits for the components to terminate (default 10 s). */
  stopTimeoutMs?: number;
  liveness?: { delay?: number; factor?: number };
  /** Called by `crash()` once the peer is cut off (in-process tests take its links down there). */
  onCrash?: () => void;
  /** This peer's metrics (default: a registry of its own). */
  metrics?: PeerMetrics;
  /** An HTTP listener for operators (`frog peer --http`): its address, and the bearer token it requires. */
  http?: { listen: string; token?: string };
  /** How often an idle `monitor` stream sends a keep-alive line (tests shorten it). */
  streamKeepaliveMs?: number;
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
  /** LAZY references that reach components on other peers (peer-references.ts). */
  readonly references: PeerReferences;
  /** The applications of this peer that ended (history.ts). */
  readonly history: History;
  /** This peer's metrics, in a registry of its own. */
  readonly metrics: PeerMetrics;
  /**
   * Every event of this peer: its components' lifecycle and output (the host's events) and the
   * group's membership events (as `--events json` writes them). `monitor` and the HTTP
   * listener's `/api/events` stream these.
   */
  readonly events = new EventStream();
  private http?: HttpListener;
  private httpAddress = '';
  private readonly clock: Clock;
  private readonly publisher: LifecyclePublisher;
  private readonly presence: PeerPresence;
  private readonly placement: PeerPlacement;
  private readonly parts: Parts;
  private readonly fencing: Fencing;
  private readonly resume: Resume;
  private readonly handlers: Handlers;
  private readonly status: Status;
  private readonly applications: Applications;
  private server?: ControlServer;
  private controlAddress = '';
  private stopping = false;
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
    this.metrics = options.metrics ?? new PeerMetrics();
    if (options.store) this.checkpointer = new Checkpointer(options.store, { metrics: this.metrics });
    const hooks = this.checkpointer?.hooks();
    if (!options.registry.has(REMOTE_TYPE)) options.registry.register(REMOTE_TYPE, RemoteSubtree);
    this.host = new ComponentHost({
      registry: options.registry,
      peer: this.name,
      clock: this.clock,
      workingDirectory: options.workingDirectory,
      dataDirectory: options.store ? options.dataDirectory : undefined,
      liveness: options.liveness,
      state: this.state,
      // A child created at run time with a `host` of another peer goes there (components.md §5.2).
      place: (node, source) => (node.type === REMOTE_TYPE ? node : placeNode(node, this.name, source)),
      onTransition: async (e, c) => {
        if (hooks) await hooks.onTransition(e, c);
        this.publisher.onTransition(e, c);
        if (!c.parent && (e.event === 'terminated' || e.event === 'failed')) {
          if (e.event === 'failed') this.metrics.applicationFailed();
          this.parts.rootEnded(c, e.record);
          this.history.rootEnded(c, e);
        }
        this.presence.loadChanged();
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
    const ctx: PeerContext = {
      name: this.name,
      member: this.member,
      host: this.host,
      state: this.state,
      clock: this.clock,
      link: options.link,
      directory: this.directory,
      checkpointer: this.checkpointer,
      placementTimeoutMs: this.placementTimeoutMs,
      control: () => this.controlAddress,
      load: () => this.publisher.size,
      stopping: () => this.stopping,
      loadChanged: () => this.presence.loadChanged(),
      publicLocation: (c) => this.publicLocation(c),
    };
    this.placement = new PeerPlacement(ctx);
    bindPlacement(this.host, this.placement);
    this.references = new PeerReferences({ state: this.state, clock: this.clock, host: this.host, locate: (c) => this.publicLocation(c) });
    bindRemoteTree(this.host, this.references);
    this.presence = new PeerPresence(ctx);
    this.parts = new Parts(ctx, {
      fence: (entry, verdict) => this.fencing.fence(entry, verdict),
      pendingAt: (key) => this.resume.pendingAt(key),
      resolvePending: (key, internal, keep) => this.resume.resolvePending(key, internal, keep),
    });
    this.fencing = new Fencing(ctx, this.parts);
    this.resume = new Resume(ctx, this.parts);
    this.history = new History(ctx);
    this.status = new Status(ctx, this.history);
    this.applications = new Applications(ctx);
    this.resume.onRecovered = (name, registered) => this.applications.recovered(name, registered);
    // An application not recovered (docs/design/recovery.md §3.1): failed in the history, with its
    // code and reason, and a log line; a deploy of its name replaces its kept records.
    this.resume.onFailed = (f) => {
      const text = `${f.code}: ${f.message}`;
      this.history.recoveryFailed({ app: f.name, outcome: 'failed', reason: text, path: 'sfConfig', time: this.clock.now(), peer: this.name });
      this.host.events.emit({ time: this.clock.now(), peer: this.name, event: 'log', subject: f.name, stream: 'log', text });
    };
    this.applications.replaceFailed = (name) => this.resume.replaceFailed(name);
    this.host.events.subscribe((e) => this.events.emit(e));
    this.metrics.attach({
      group: () => {
        const m = this.status.members();
        return {
          heartbeatsSent: this.member.counters.heartbeatsSent,
          heartbeatsAccepted: this.member.counters.heartbeatsAccepted,
          viewChanges: this.member.counters.partitionChanges,
          dropped: this.member.drops.snapshot(),
          members: m.members,
        };
      },
      components: () => {
        const out: { state: string; type: string }[] = [];
        const walk = (c: Prim, depth: number) => {
          out.push({ state: c.state, type: this.host.registry.displayName(c.type) });
          if (depth < 1000) for (const x of c.children) walk(x, depth + 1);
        };
        for (const name of this.host.applicationNames()) {
          const root = this.host.application(name);
          if (root) walk(root, 0);
        }
        return out;
      },
    });
    this.handlers = peerHandlers({ applications: this.applications, status: this.status, parts: this.parts, placement: this.placement, resume: this.resume });
  }

  get peerName(): string {
    return this.name;
  }

  get control(): string {
    return this.controlAddress;
  }

  /** The HTTP listener's address, when there is one. */
  get httpListener(): string | undefined {
    return this.httpAddress || undefined;
  }

  // --- start and stop ------------------------------------------------------------------

  async start(): Promise<void> {
    this.member.start();
    this.offGroup = this.member.onEvent((e) => {
      this.status.track(e);
      this.events.emit(eventRecord(this.name, e) as RuntimeEvent);
      if (e.type === 'joined' && e.subject) this.directory.watch(e.subject.name);
      if (e.type === 'stable') for (const m of e.members ?? []) if (m.name !== this.name) this.directory.watch(m.name);
    });
    this.offDirectory = this.directory.onChange((event, e) => {
      if (event === 'present') {
        this.fencing.parentPresent(e.name);
        void this.applications.reconcile(e);
      }
    });
    if (this.options.listen !== undefined) {
      if (!this.options.key) throw new Error('a control server needs the group key');
      const key = this.options.key;
      const make = (listen: string): ControlServer => {
        const server = new ControlServer({ key, listen, now: () => Date.now(), metrics: this.metrics, streamKeepaliveMs: this.options.streamKeepaliveMs });
        for (const op of OPERATIONS) server.route(op, (body) => this.handle(op, body));
        server.stream('monitor', (body) => {
          const filter = checkMonitor(body);
          return (sink) => {
            const off = this.events.subscribe((e) => {
              if ((filter.app === undefined || e.app === filter.app) && (filter.peer === undefined || e.peer === filter.peer)) sink.send(e);
            });
            sink.onClose(off);
          };
        });
        return server;
      };
      let server = make(this.options.listen);
      try {
        this.controlAddress = await server.start();
      } catch (e) {
        const fallback = this.options.listenFallback;
        if (fallback === undefined || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
        await server.stop().catch(() => undefined);
        fallback.onUse();
        server = make(fallback.listen);
        this.controlAddress = await server.start();
      }
      this.server = server;
    } else this.controlAddress = this.options.controlAddress ?? `mem:${this.name}`;
    if (this.options.http) {
      const http = new HttpListener({
        ...this.options.http,
        sources: {
          metrics: async () => ({ text: await this.metrics.text(), contentType: this.metrics.contentType }),
          status: (o) => this.handle('status', { all: true, ...(o?.attributes ? { attributes: true } : {}) }),
          query: (name) => this.handle('query', { name }),
          subscribe: (listener) => this.events.subscribe(listener),
          counted: (endpoint, status) => this.metrics.httpRequests.inc({ endpoint, status: String(status) }),
        },
      });
      try {
        this.httpAddress = await http.start();
      } catch (e) {
        const why = (e as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'the address is in use' : e instanceof Error ? e.message : String(e);
        throw new Error(`cannot start the HTTP listener on ${this.options.http.listen}: ${why}`);
      }
      this.http = http;
    }
    this.presence.publish();
    if (this.checkpointer) {
      await this.history.load();
      this.recovery = await this.resume.start();
      this.metrics.recovery(this.recovery.durationMs / 1000, this.recovery.applications.length, this.recovery.rebuilt);
      // Peers that came into view while recovery ran were asked about nothing recovered yet.
      for (const e of this.directory.entries()) if (e.name !== this.name) void this.applications.reconcile(e);
    }
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
    await this.http?.stop();
    this.checkpointer?.detach();
    this.presence.withdraw();
    this.parts.stopping();
    // Bounded: a component whose terminate hook never returns does not keep the peer from
    // stopping. What is still running is left as recorded (the store was detached above), so
    // the next start recovers it.
    await this.withinStopBound(this.host.terminateAll(normalRecord(`peer ${this.name} stopped (${reason})`)));
    this.presence.cancel();
    this.offGroup?.();
    this.offDirectory?.();
    this.publisher.close();
    this.references.close();
    this.directory.close();
    await this.member.stop();
    await this.history.flushed();
    this.history.detach();
    await this.options.store?.close({ clean: true, reason });
  }

  private async withinStopBound(work: Promise<void>): Promise<void> {
    let timer: TimerHandle | undefined;
    const bound = this.options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
    work.catch(() => undefined);
    try {
      await Promise.race([work, new Promise<void>((resolve) => (timer = this.clock.setTimeout(resolve, bound)))]);
    } finally {
      timer?.cancel();
    }
  }

  /**
   * Stops as a crash would, for in-process tests: the group and control links go first, the
   * store is detached, so nothing leaves this peer and its records stay as they were; then the
   * components are stopped silently so that their timers do not outlive it.
   */
  async crash(): Promise<void> {
    this.stopping = true;
    await this.server?.stop();
    await this.http?.stop();
    this.checkpointer?.detach();
    this.history.detach();
    this.presence.cancel();
    await this.member.stop();
    this.references.close();
    this.options.onCrash?.();
    await this.host.terminateAll(abnormalRecord('the peer crashed'));
  }

  /** Dispatches one control operation (the ControlServer and in-process links call this). */
  async handle(operation: string, body: unknown): Promise<unknown> {
    if (this.stopping) throw new ControlRefusal(Messages.ControlFailed, { reason: `peer \`${this.name}\` is stopping` }, 503);
    if (operation !== 'deploy') return dispatch(this.handlers, operation, body);
    try {
      const answer = (await dispatch(this.handlers, operation, body)) as AnswerOf<'deploy'>;
      this.metrics.deploy(answer.state);
      return answer;
    } catch (e) {
      this.metrics.deploy('refused');
      throw e;
    }
  }

  /** The application and complete path of a component (a subtree's paths are those of its application). */
  publicLocation(c: Prim): PublicLocation | undefined {
    return publicLocation(this.host, c);
  }

  // --- PlacementService (placement-service.ts) ------------------------------------------------

  locate(c: Prim): { app: string; path: string } | undefined {
    return this.placement.locate(c);
  }

  whenPresent(peer: string, timeoutMs: number, progress: (waitedMs: number) => void, cancelled: () => boolean): Promise<PeerEntry | undefined> {
    return this.placement.whenPresent(peer, timeoutMs, progress, cancelled);
  }

  call<Op extends Operation>(peer: PeerEntry, operation: Op, body: RequestOf<Op>, timeoutMs?: number): Promise<AnswerOf<Op>> {
    return this.placement.call(peer, operation, body, timeoutMs);
  }

  observe(name: string, handlers: { value(id: string, v: StateValue): void; removed(id: string): void }) {
    return this.placement.observe(name, handlers);
  }

  onPeerGone(peer: string, handler: (e: PeerEntry) => void): () => void {
    return this.placement.onPeerGone(peer, handler);
  }

  register(proxy: RemoteSubtree, key: string): void {
    this.placement.register(proxy, key);
  }

  unregister(proxy: RemoteSubtree, key: string): void {
    this.placement.unregister(proxy, key);
  }
}
