/**
 * Many group members on one memory network and one manual clock: the harness of the scenario tests,
 * the property checks and the simulation benchmark. Time moves only through `advance`; after every
 * step the consistency properties of docs/design/group.md §1.5 are checked on a snapshot of all members.
 */
import { randomBytes } from 'node:crypto';
import { GroupKey } from './authenticated-transport.js';
import { GroupMember } from './group-member.js';
import type { GroupEvent, MachineSnapshot } from './heartbeat-machine.js';
import { ManualClock, SkewedClock } from '../../core/clock.js';
import { MemoryNetwork, seededRandom, simUnicastAddress } from './memory-network.js';
import type { DatagramTransport } from './transport.js';
import { CombinedDatagramTransport, UnicastTransport } from './unicast-transport.js';
import type { TimingProfile } from './profiles.js';
import { DEFAULT_SYSTEM_MAGIC, HeartbeatDecoder } from './wire.js';

export interface AddPeerOptions {
  name?: string;
  preferred?: boolean;
  nodeId?: number;
  /** Hears and sends multicast (default true). */
  multicast?: boolean;
  /** Unicast too, starting from these peers' addresses (`frog peer --join`); `[]` listens only. */
  join?: number[];
  forgetAfterMs?: number;
}

export interface SimPeer {
  /** The peer's key in the simulation and its network address: its node id, unless `addPeer` said otherwise. */
  id: number;
  /** Its node id in the group. */
  nodeId: number;
  name: string;
  member: GroupMember;
  clock: SkewedClock;
  events: GroupEvent[];
  alive: boolean;
}

export interface SimulationOptions {
  profile: TimingProfile;
  seed?: number;
  /** Check P1, P2, P3, P5 after every step in which something ran (costs O(N²) per changed step). */
  checkProperties?: boolean;
  /** Record events per peer (the scenario traces). */
  recordEvents?: boolean;
  /**
   * How long a peer-link connection attempt may take before it fails (ms); by default the profile's
   * timeout T, as `frog peer` has it. It matters only where `net.conditions.connectFailure` lets
   * attempts hang.
   */
  connectTimeout?: number;
}

export class Simulation {
  readonly clock = new ManualClock();
  readonly net: MemoryNetwork;
  readonly key = new GroupKey(randomBytes(32));
  readonly peers = new Map<number, SimPeer>();
  readonly violations: string[] = [];
  readonly random: () => number;
  private epochCounter = 0;
  private checkedFingerprint = '';
  /** A peer was added or stopped since the last property check. */
  private membershipChanged = true;
  private readonly decoder = new HeartbeatDecoder();
  /** The unicast transports of peers started with `join`. */
  readonly unicast = new Map<number, UnicastTransport>();

  constructor(readonly options: SimulationOptions) {
    this.random = seededRandom(options.seed ?? 1);
    this.net = new MemoryNetwork(this.clock, seededRandom((options.seed ?? 1) * 7919 + 1));
  }

  get profile(): TimingProfile {
    return this.options.profile;
  }

  /**
   * Starts a peer under the key (and network address) `id`. Its node id is `id` unless `nodeId`
   * says otherwise: a second peer with the node id of a running one (a duplicate) needs a key of its own.
   */
  addPeer(id: number, opts: AddPeerOptions = {}): SimPeer {
    const old = this.peers.get(id);
    if (old?.alive) throw new Error(`peer ${id} is already running`);
    const clock = new SkewedClock(this.clock);
    if (old) clock.offset = old.clock.offset;
    const nodeId = opts.nodeId ?? id;
    const name = opts.name ?? `p${nodeId}`;
    const member = new GroupMember({
      identity: { id: nodeId, name, epoch: this.clock.now() + this.epochCounter++ },
      profile: this.profile,
      key: this.key,
      clock,
      datagrams: this.datagramsOf(id, nodeId, clock, opts),
      messages: this.net.messageEndpoint(id, nodeId, { connectTimeout: this.options.connectTimeout ?? this.profile.timeout }),
      preferred: opts.preferred,
      decoder: this.decoder,
      random: seededRandom(Math.floor(this.random() * 2 ** 32)),
    });
    const peer: SimPeer = { id, nodeId, name, member, clock, events: old?.events ?? [], alive: true };
    if (this.options.recordEvents !== false) member.onEvent((e) => peer.events.push(e));
    if (this.options.checkProperties) {
      member.onEvent((e) => {
        // The partition grows only at the moment it becomes stable.
        if (e.type === 'joined' && !member.view().stable) this.violations.push(`${this.clock.now()}: ${name} grew its partition while unstable`);
      });
    }
    this.peers.set(id, peer);
    member.start();
    this.membershipChanged = true;
    return peer;
  }

  /** Multicast, unicast (docs/design/group.md §7) or both, as `opts` say. */
  private datagramsOf(id: number, nodeId: number, clock: SkewedClock, opts: AddPeerOptions): DatagramTransport {
    const multicast = opts.multicast !== false;
    if (opts.join === undefined) {
      if (!multicast) throw new Error(`peer ${id} has neither multicast nor --join`);
      return this.net.datagramEndpoint(id);
    }
    const unicast = new UnicastTransport({
      socket: this.net.unicastSocket(id),
      key: this.key,
      nodeId,
      systemMagic: DEFAULT_SYSTEM_MAGIC,
      seeds: opts.join.map(simUnicastAddress),
      now: () => clock.now(),
      random: seededRandom(Math.floor(this.random() * 2 ** 32)),
      gossipMs: this.profile.timeout,
      forgetAfterMs: opts.forgetAfterMs,
      // The simulation's senders share a clock and run in bursts; the rate limit is tested on its own.
      rateLimit: false,
    });
    this.unicast.set(id, unicast);
    return multicast ? new CombinedDatagramTransport([this.net.datagramEndpoint(id), unicast]) : unicast;
  }

  crash(id: number): void {
    const p = this.mustGet(id);
    p.alive = false;
    void p.member.stop();
    this.membershipChanged = true;
  }

  /**
   * Advances simulated time in steps of `step` ms, checking properties after each step when enabled.
   * A step in which no timer ran (no tick, no delivery) and no peer was added or stopped cannot change
   * any state, so it is not checked again: long profiles cost little more than short ones.
   */
  advance(ms: number, step = 20): void {
    const end = this.clock.now() + ms;
    while (this.clock.now() < end) {
      const ran = this.clock.runUntil(Math.min(end, this.clock.now() + step));
      if (this.options.checkProperties && (ran > 0 || this.membershipChanged)) {
        this.membershipChanged = false;
        this.checkProperties();
      }
    }
  }

  /** Advances until `cond` holds or `limitMs` passes; returns the time taken, or -1. */
  until(cond: () => boolean, limitMs: number, step = 10): number {
    const start = this.clock.now();
    while (!cond()) {
      if (this.clock.now() - start >= limitMs) return -1;
      this.advance(step, step);
    }
    return this.clock.now() - start;
  }

  alive(): SimPeer[] {
    return [...this.peers.values()].filter((p) => p.alive);
  }

  snapshot(id: number): MachineSnapshot {
    return this.mustGet(id).member.snapshot();
  }

  /** Every listed peer is stable with exactly the listed members as its partition. */
  stableWith(ids: number[]): boolean {
    const want = [...ids].sort((a, b) => a - b).join(',');
    return ids.every((id) => {
      const v = this.mustGet(id).member.view();
      return v.stable && v.members.join(',') === want;
    });
  }

  /**
   * P1, P2 (through P1), P3, P5 and "a stable leader is a member of its partition" on the current
   * state of all running peers. Peers are compared as identities (id, epoch): a partition view holds
   * node ids, and each member stands for the incarnation the viewer holds a record of, so a restarted
   * peer, stable alone while others still hold its earlier incarnation, is a different peer.
   */
  checkProperties(): void {
    const now = this.clock.now();
    let fingerprint = '';
    const views = this.alive().map((peer) => {
      const member = peer.member;
      const view = member.view();
      const self = member.identity;
      const key = (id: number) => (id === self.id ? `${id}/${self.epoch}` : `${id}/${member.machine.epochOf(id) ?? '?'}`);
      const v = { name: peer.name, view, self: key(self.id), partition: view.members.map(key), leader: key(view.leader) };
      fingerprint += `${v.self}:${v.partition.join(',')}:${view.stable}:${view.timeRef}:${v.leader};`;
      return v;
    });
    // The outcome depends on nothing else: skip the pairwise check while nothing changed (a lasting
    // violation is then reported once, when it starts).
    if (fingerprint === this.checkedFingerprint) return;
    this.checkedFingerprint = fingerprint;
    for (const p of views) {
      const { view } = p;
      if (!view.stable) {
        if (view.timeRef !== -1) this.violations.push(`${now}: P5 ${p.name} unstable with timeRef ${view.timeRef}`);
        continue;
      }
      if (view.timeRef < 0) this.violations.push(`${now}: P5 ${p.name} stable without a timeRef`);
      const pp = new Set(p.partition);
      if (!pp.has(p.leader)) this.violations.push(`${now}: leader ${p.leader} of ${p.name} outside its partition {${p.partition}}`);
      for (const q of views) {
        if (q === p) continue;
        const subset = q.partition.every((x) => pp.has(x));
        const disjoint = q.partition.every((x) => !pp.has(x));
        if (!subset && !disjoint) this.violations.push(`${now}: P1 ${p.name} stable {${p.partition}} vs ${q.name} {${q.partition}}`);
        if (q.view.stable && pp.has(q.self)) {
          if (q.leader !== p.leader) this.violations.push(`${now}: P3 ${p.name} leader ${p.leader}, ${q.name} leader ${q.leader}`);
          if (q.view.timeRef !== view.timeRef) this.violations.push(`${now}: P5 ${p.name} timeRef ${view.timeRef}, ${q.name} ${q.view.timeRef}`);
        }
      }
    }
    // Bound the memory of violations: the first ones tell the story.
    if (this.violations.length > 100) this.violations.length = 100;
  }

  async close(): Promise<void> {
    for (const p of this.peers.values()) if (p.alive) await p.member.stop();
  }

  private mustGet(id: number): SimPeer {
    const p = this.peers.get(id);
    if (!p) throw new Error(`no peer ${id}`);
    return p;
  }
}
