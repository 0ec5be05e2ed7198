/**
 * Many group members on one memory network and one fake clock: the harness of the scenario tests,
 * the property checks and the simulation benchmark. Time moves only through `advance`; after every
 * step the consistency properties of anubis.md §1.5 are checked on a snapshot of all members.
 */
import { randomBytes } from 'node:crypto';
import { GroupKey } from './authenticated-transport.js';
import { GroupMember } from './group-member.js';
import type { GroupEvent, MachineSnapshot } from './heartbeat-machine.js';
import { FakeClock, MemoryNetwork, SkewedClock, seededRandom } from './memory-network.js';
import type { TimingProfile } from './profiles.js';
import { HeartbeatDecoder } from './wire.js';

export interface SimPeer {
  id: number;
  name: string;
  member: GroupMember;
  clock: SkewedClock;
  events: GroupEvent[];
  alive: boolean;
}

export interface SimulationOptions {
  profile: TimingProfile;
  seed?: number;
  /** Check P1, P2, P3, P5 after every step (costs O(N²) per step). */
  checkProperties?: boolean;
  /** Record events per peer (the scenario traces). */
  recordEvents?: boolean;
}

export class Simulation {
  readonly clock = new FakeClock();
  readonly net: MemoryNetwork;
  readonly key = new GroupKey(randomBytes(32));
  readonly peers = new Map<number, SimPeer>();
  readonly violations: string[] = [];
  readonly random: () => number;
  private epochCounter = 0;
  private readonly decoder = new HeartbeatDecoder();

  constructor(readonly options: SimulationOptions) {
    this.random = seededRandom(options.seed ?? 1);
    this.net = new MemoryNetwork(this.clock, seededRandom((options.seed ?? 1) * 7919 + 1));
  }

  get profile(): TimingProfile {
    return this.options.profile;
  }

  addPeer(id: number, opts: { name?: string; preferred?: boolean } = {}): SimPeer {
    const old = this.peers.get(id);
    if (old?.alive) throw new Error(`peer ${id} is already running`);
    const clock = new SkewedClock(this.clock);
    if (old) clock.offset = old.clock.offset;
    const name = opts.name ?? `p${id}`;
    const member = new GroupMember({
      identity: { id, name, epoch: this.clock.now() + this.epochCounter++ },
      profile: this.profile,
      key: this.key,
      clock,
      datagrams: this.net.datagramEndpoint(id),
      messages: this.net.messageEndpoint(id),
      preferred: opts.preferred,
      decoder: this.decoder,
      random: seededRandom(Math.floor(this.random() * 2 ** 32)),
    });
    const peer: SimPeer = { id, name, member, clock, events: old?.events ?? [], alive: true };
    if (this.options.recordEvents !== false) member.onEvent((e) => peer.events.push(e));
    if (this.options.checkProperties) {
      member.onEvent((e) => {
        // The partition grows only at the moment it becomes stable.
        if (e.type === 'joined' && !member.view().stable) this.violations.push(`${this.clock.now()}: ${name} grew its partition while unstable`);
      });
    }
    this.peers.set(id, peer);
    member.start();
    return peer;
  }

  crash(id: number): void {
    const p = this.mustGet(id);
    p.alive = false;
    void p.member.stop();
  }

  /** Advances simulated time in steps of `step` ms, checking properties after each step when enabled. */
  advance(ms: number, step = 20): void {
    const end = this.clock.now() + ms;
    while (this.clock.now() < end) {
      this.clock.runUntil(Math.min(end, this.clock.now() + step));
      if (this.options.checkProperties) this.checkProperties();
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
      const s = this.snapshot(id);
      return s.stable && s.partition.join(',') === want;
    });
  }

  checkProperties(): void {
    const snaps = this.alive().map((p) => p.member.snapshot());
    const byId = new Map(snaps.map((s) => [s.id, s]));
    const now = this.clock.now();
    for (const p of snaps) {
      if (!p.stable) {
        if (p.timeRef !== -1) this.violations.push(`${now}: P5 ${p.name} unstable with timeRef ${p.timeRef}`);
        continue;
      }
      if (p.timeRef < 0) this.violations.push(`${now}: P5 ${p.name} stable without a timeRef`);
      const pp = new Set(p.partition);
      for (const q of snaps) {
        if (q === p) continue;
        const subset = q.partition.every((x) => pp.has(x));
        const disjoint = q.partition.every((x) => !pp.has(x));
        if (!subset && !disjoint) this.violations.push(`${now}: P1 ${p.name} stable {${p.partition}} vs ${q.name} {${q.partition}}`);
        if (q.stable && pp.has(q.id)) {
          if (q.leader !== p.leader) this.violations.push(`${now}: P3 ${p.name} leader ${p.leader}, ${q.name} leader ${q.leader}`);
          if (q.timeRef !== p.timeRef) this.violations.push(`${now}: P5 ${p.name} timeRef ${p.timeRef}, ${q.name} ${q.timeRef}`);
        }
      }
      if (!byId.has(p.leader) && p.leader !== p.id) {
        // The leader must be a member of the partition.
        if (!pp.has(p.leader)) this.violations.push(`${now}: leader ${p.leader} of ${p.name} outside its partition`);
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
