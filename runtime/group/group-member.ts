/**
 * The driver: binds a HeartbeatMachine and a StateSpace to an injected Clock, a datagram transport
 * (wrapped here in authentication) and a message transport. This is the object a peer daemon owns.
 *
 * Receive path for a datagram: authentication (size, magic, version, key, auth) → system magic
 * (`foreign`) → body decode (`malformed`) → the machine (`self`, `conflict`, `replay`, `untimely`,
 * `quiescent`). Each drop is counted by reason; nothing a datagram contains can throw out of here.
 */
import { AuthenticatedDatagramTransport, type GroupKey } from './authenticated-transport.js';
import { CompactHeartbeatTransport, type CompactOptions } from './compact-heartbeat.js';
import { HeartbeatMachine, type DuplicatePeerError, type GroupEvent, type Identity, type MachineOutput, type MachineSnapshot, type PartitionView } from './heartbeat-machine.js';
import type { TimingProfile } from './profiles.js';
import { StateSpace, type StateMessage } from './state-space.js';
import type { Clock, TimerHandle } from '../../core/clock.js';
import type { DatagramTransport, MessageTransport } from './transport.js';
import { DEFAULT_SYSTEM_MAGIC, DropCounters, encodeHeartbeat, HeartbeatDecoder, MalformedHeartbeatError, systemMagicOf } from './wire.js';

export interface GroupMemberOptions {
  identity: Identity;
  profile: TimingProfile;
  key: GroupKey;
  clock: Clock;
  /** The raw group transport; the member wraps it with authentication. */
  datagrams: DatagramTransport;
  /** Peer-to-peer messages for the state space. */
  messages: MessageTransport;
  systemMagic?: number;
  preferred?: boolean;
  random?: () => number;
  maxValueBytes?: number;
  /** Compact keep-alive heartbeats (compact-heartbeat.ts): default on when the profile says `keepAlives`. */
  compact?: CompactOptions | false;
  /** A decoder shared by the members of one simulation (each real peer uses its own). */
  decoder?: HeartbeatDecoder;
}

export interface GroupCounters {
  heartbeatsSent: number;
  heartbeatsAccepted: number;
  partitionChanges: number;
  /** Exceptions caught in the receive path that a well-formed input should never cause. */
  internalErrors: number;
}

export type GroupEventHandler = (event: GroupEvent) => void;

export class GroupMember {
  readonly machine: HeartbeatMachine;
  readonly stateSpace: StateSpace;
  readonly drops = new DropCounters();
  readonly counters: GroupCounters = { heartbeatsSent: 0, heartbeatsAccepted: 0, partitionChanges: 0, internalErrors: 0 };

  private readonly clock: Clock;
  /** The datagram transport as given (the real one keeps receive and rate-limit counters). */
  private readonly rawDatagrams: DatagramTransport;
  private readonly datagrams: DatagramTransport;
  private readonly messages: MessageTransport;
  private readonly systemMagic: number;
  private readonly decoder: HeartbeatDecoder;
  private readonly handlers = new Set<GroupEventHandler>();
  private timer: TimerHandle | null = null;
  private timerAt = Infinity;
  private running = false;
  /** Profiles with precise eviction: each wake-up first lets one event-loop turn read the sockets. */
  private readonly deferTicks: boolean;
  private deferred = false;

  constructor(options: GroupMemberOptions) {
    this.clock = options.clock;
    this.deferTicks = options.profile.preciseEviction === true;
    this.systemMagic = options.systemMagic ?? DEFAULT_SYSTEM_MAGIC;
    this.messages = options.messages;
    this.decoder = options.decoder ?? new HeartbeatDecoder();
    this.machine = new HeartbeatMachine({
      identity: options.identity,
      profile: options.profile,
      systemMagic: this.systemMagic,
      preferred: options.preferred,
      contact: options.messages.address,
      random: options.random,
    });
    this.rawDatagrams = options.datagrams;
    const compact = options.compact ?? (options.profile.keepAlives ? {} : false);
    this.datagrams = compact
      ? new CompactHeartbeatTransport(options.datagrams, options.key, this.drops, { now: () => options.clock.now(), idleMs: options.profile.timeout, ...compact })
      : new AuthenticatedDatagramTransport(options.datagrams, options.key, this.drops);
    this.datagrams.onReceive((d) => this.receiveDatagram(d));
    this.messages.onMessage((from, m) => this.receiveMessage(from, m));
    this.messages.onLinkFailure((peer, failure) => {
      if (this.running) this.apply(this.machine.linkFailed(peer, this.clock.now(), failure));
    });
    this.stateSpace = new StateSpace({
      self: options.identity.id,
      epoch: options.identity.epoch,
      now: () => this.clock.now(),
      random: options.random,
      reregisterDelay: options.profile.reregisterDelay,
      maxValueBytes: options.maxValueBytes,
      send: (to, m) => this.sendMessage(to, m),
      schedule: (fn) => void this.clock.setTimeout(fn, 0),
    });
  }

  get identity(): Identity {
    return this.machine.identity;
  }

  /**
   * Set once this member found that another peer, which ran first, has its name or node id: it has
   * left the group for good (a `refused` event said so) and sends nothing more; its owner stops it.
   */
  get refused(): DuplicatePeerError | null {
    return this.machine.refused;
  }

  onEvent(handler: GroupEventHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /**
   * What this member has counted: heartbeats, datagrams dropped by reason, and the
   * transports' own counters where they keep some (received, rate-limited; peer-link
   * frames and refused connections by reason). For `frog members --json` and operators.
   */
  stats(): Record<string, unknown> {
    const countersOf = (t: unknown): unknown => (t && typeof t === 'object' && 'counters' in t ? (t as { counters: unknown }).counters : undefined);
    return {
      ...this.counters,
      datagramsDropped: this.drops.snapshot(),
      datagrams: countersOf(this.rawDatagrams),
      ...(this.datagrams instanceof CompactHeartbeatTransport ? { keepAlives: this.datagrams.counters } : {}),
      links: countersOf(this.messages),
    };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const now = this.clock.now();
    this.machine.start(now);
    this.stateSpace.onPartition(this.machine.view(), now);
    this.schedule();
  }

  /** Stops sending and receiving and closes both transports. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) this.timer.cancel();
    this.timer = null;
    await Promise.allSettled([this.datagrams.close(), this.messages.close()]);
  }

  view(): PartitionView {
    return this.machine.view();
  }

  snapshot(): MachineSnapshot {
    return this.machine.snapshot();
  }

  /** The whole receive path for one datagram; also the entry point of the fuzz tests. */
  receiveDatagram(d: Uint8Array): void {
    if (!this.running) return;
    try {
      if (systemMagicOf(d) !== this.systemMagic) return this.drops.count('foreign');
      let hb;
      try {
        hb = this.decoder.decode(d);
      } catch (e) {
        if (!(e instanceof MalformedHeartbeatError)) this.counters.internalErrors++;
        return this.drops.count('malformed');
      }
      const out = this.machine.receive(hb, this.clock.now());
      if (out.dropped) this.drops.count(out.dropped);
      else this.counters.heartbeatsAccepted++;
      // The common case: nothing to send or report, and no earlier wake-up of the machine (the
      // state space's cannot have moved, and the timer is never later than it): `apply` would
      // change nothing.
      if (out === HeartbeatMachine.NOTHING && this.timer !== null && this.machine.nextWakeup() >= this.timerAt) return;
      this.apply(out);
    } catch {
      this.counters.internalErrors++;
      this.drops.count('malformed');
    }
  }

  private receiveMessage(from: number, m: unknown): void {
    if (!this.running) return;
    try {
      this.stateSpace.receive(from, m, this.clock.now());
      this.schedule();
    } catch {
      this.counters.internalErrors++;
    }
  }

  private sendMessage(to: number, m: StateMessage): void {
    if (!this.running) return;
    if (to === this.identity.id) {
      // Loopback: processed later, never inside the caller.
      this.clock.setTimeout(() => this.receiveMessage(to, m), 0);
      return;
    }
    try {
      this.messages.send({ id: to, contact: this.machine.contactOf(to), admission: this.machine.admissionOf(to) }, m);
    } catch {
      this.counters.internalErrors++;
    }
  }

  private apply(out: MachineOutput): void {
    for (const hb of out.heartbeats) {
      this.datagrams.send(encodeHeartbeat(hb));
      this.counters.heartbeatsSent++;
    }
    if (out.partitionChanged) {
      this.counters.partitionChanges++;
      this.stateSpace.onPartition(this.machine.view(), this.clock.now());
    }
    for (const e of out.events) for (const h of this.handlers) h(e);
    this.schedule();
  }

  private wake(): void {
    this.timer = null;
    this.timerAt = Infinity;
    if (!this.running) return;
    if (this.deferTicks && !this.deferred) {
      // Timers run before I/O in an event-loop turn: after a stall, the heartbeats that came in
      // meanwhile wait in the socket. Let them be read first (one turn, ~1 ms), so that a stall of
      // ours is never taken for silence of theirs (docs/design/group.md §2.1 "Precise eviction").
      this.deferred = true;
      this.timerAt = this.clock.now();
      this.timer = this.clock.setTimeout(() => this.wake(), 0);
      return;
    }
    this.deferred = false;
    const now = this.clock.now();
    const out = this.machine.tick(now);
    this.stateSpace.tick(now);
    this.apply(out);
  }

  /** One timer, at the earlier of the machine's and the state space's next wake-up. */
  private schedule(): void {
    if (!this.running) return;
    let at = this.machine.nextWakeup();
    const s = this.stateSpace.nextWakeup();
    if (s >= 0 && s < at) at = s;
    if (this.timer && at >= this.timerAt) return;
    if (this.timer) this.timer.cancel();
    this.timerAt = at;
    this.timer = this.clock.setTimeout(() => this.wake(), at - this.clock.now());
  }
}

/** The event line of `--events json` (docs/design/pipeline.md §6). */
export function eventRecord(peer: string, e: GroupEvent): Record<string, unknown> {
  const rec: Record<string, unknown> = { time: e.time, peer, event: e.type, subject: e.subject?.name ?? peer };
  if (e.members) rec.members = e.members.map((m) => m.name);
  if (e.timeRef !== undefined) rec.timeRef = e.timeRef;
  if (e.leader) rec.leader = e.leader.name;
  if (e.reason) rec.reason = e.reason;
  if (e.message) rec.message = e.message;
  if (e.code) rec.code = e.code;
  return rec;
}
