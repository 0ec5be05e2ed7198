/**
 * The heartbeat protocol and the partition manager as one deterministic state machine
 * (anubis.md §1.2–1.4, §2.1–2.3). It owns no timer, socket or clock: the driver calls `tick(now)` when
 * `nextWakeup()` is due and `receive(heartbeat, now)` for every authenticated, decoded heartbeat; both
 * return the heartbeats to multicast and the events to report. `now` is the wall clock in ms.
 *
 * Per tick, in order: check timeouts (evict untimely peers, forget quiesced ones), check for chronic
 * one-way links, view-change check (shrink the partition, test consistency, start the stability
 * countdown), the stability deadline, then send our heartbeat.
 *
 * Rules beyond the Java code, where the test plan asks for convergence it cannot give (documented
 * choices, see the README of test/group):
 * - Every heartbeat also carries the sender's *heard set*: the peers whose heartbeats it currently
 *   receives, admitted or not. Unlike connection sets it depends only on the network, so rules based
 *   on it cannot deadlock each other.
 * - "dropped me": a connected peer whose heard set contained us and then stops containing us cannot
 *   hear us: it is evicted from the connection set at once (test plan PM-2, bound B2) and *refused*
 *   until it hears us again and Q has passed since the eviction.
 * - chronic inconsistency: a connected peer whose view has differed from ours for more than T + I
 *   without either view changing, while some hearing relation we know of is one-way, is evicted and refused (test plan PM-3, one-way single link: without
 *   this rule one such link keeps every peer unstable forever). The refusal ends, after Q, once every
 *   hearing relation we know of is symmetric again.
 */
import { Bitset } from './bitset.js';
import type { TimingProfile } from './profiles.js';
import type { Contact, DropReason, Heartbeat } from './wire.js';

export interface Identity {
  id: number;
  name: string;
  /** Start time of this incarnation (ms); tells incarnations apart. */
  epoch: number;
}

export interface PeerRef {
  id: number;
  name: string;
}

export type GroupEventType = 'joined' | 'left' | 'stable' | 'unstable' | 'leader' | 'connected' | 'disconnected' | 'conflict' | 'clock-step';

/**
 * Membership events. `joined`/`left` are changes of the partition view; `connected`/`disconnected` of
 * the connection set (the test plan's connAdd/connDel); `stable` carries the members, the time
 * reference and the leader; `conflict` reports another peer using our id, or two peers sharing one.
 */
export interface GroupEvent {
  type: GroupEventType;
  time: number;
  subject?: PeerRef;
  members?: PeerRef[];
  timeRef?: number;
  leader?: PeerRef;
  reason?: string;
  message?: string;
}

/** What the partition manager reports to upper layers (the state space). */
export interface PartitionView {
  members: number[];
  stable: boolean;
  /** The agreed stability deadline when stable; −1 when unstable. */
  timeRef: number;
  /** The leader: the elected one when stable, our current vote otherwise. */
  leader: number;
}

export interface MachineOutput {
  /** Heartbeats to multicast, in order. */
  heartbeats: Heartbeat[];
  events: GroupEvent[];
  /** Drop reason when `receive` refused the heartbeat. */
  dropped?: DropReason;
  /** True when the partition view, its stability or the leader changed. */
  partitionChanged: boolean;
}

export interface MachineOptions {
  identity: Identity;
  profile: TimingProfile;
  systemMagic: number;
  preferred?: boolean;
  contact?: Contact | null;
  /** A random source in [0, 1), for the first tick's offset. */
  random?: () => number;
}

type PeerState = 'connected' | 'quiescing' | 'refused';

interface PeerRecord {
  id: number;
  name: string;
  epoch: number;
  contact: Contact | null;
  state: PeerState;
  /** Send time of the newest accepted heartbeat. */
  lastTime: number;
  view: Bitset;
  viewNumber: number;
  viewTs: number;
  stable: boolean;
  preferred: boolean;
  candidate: number;
  heard: Bitset;
  /** Its last heard set held us (so losing us from it is a "dropped me"). */
  heardMe: boolean;
  evictedAt: number;
  refusal: 'dropped' | 'inconsistent' | null;
  /** Since when its view has differed from ours with no change on either side; −1 when equal. */
  diffSince: number;
}

export interface MachineSnapshot {
  id: number;
  name: string;
  epoch: number;
  stable: boolean;
  partition: number[];
  connectionSet: number[];
  timeRef: number;
  leader: number;
  viewNumber: number;
  stabilising: boolean;
  peers: { id: number; name: string; state: PeerState; contact: Contact | null }[];
}

const MAX_CONFLICT_MEMORY = 64;

export class HeartbeatMachine {
  readonly identity: Identity;
  readonly profile: TimingProfile;
  private readonly systemMagic: number;
  private readonly preferred: boolean;
  private contact: Contact | null;
  private readonly random: () => number;

  private readonly records = new Map<number, PeerRecord>();
  /** Replay memory per node id: highest epoch and its highest seq; outlives records. */
  private readonly seen = new Map<number, { epoch: number; seq: number }>();
  private readonly names = new Map<number, string>();

  private connSet: Bitset;
  private viewNumber = 0;
  /** Stability deadline while stabilising, time reference while stable, −1 otherwise. */
  private connTs: number;
  private changed = false;
  private stabilising = false;
  private stable = true;
  private partition: Bitset;
  private vote: number;
  private seq = 0;

  private started = false;
  private nextTickAt = 0;
  private lastTickAt = -1;

  private reported: { partition: Bitset; stable: boolean; timeRef: number; leader: number };
  private reportedLeaderStable = -1;
  private readonly conflicts = new Set<string>();
  /** Something reported by `notify` may have changed since it last ran. */
  private dirty = false;

  constructor(options: MachineOptions) {
    this.identity = { ...options.identity };
    this.profile = options.profile;
    this.systemMagic = options.systemMagic;
    this.preferred = options.preferred ?? false;
    this.contact = options.contact ?? null;
    this.random = options.random ?? Math.random;
    const me = this.identity.id;
    this.names.set(me, this.identity.name);
    // A node starts with partition = {self}, stable, time reference = its epoch (anubis.md §2.2).
    this.connSet = Bitset.of([me]);
    this.partition = Bitset.of([me]);
    this.connTs = this.identity.epoch;
    this.vote = me;
    this.reported = { partition: this.partition.copy(), stable: true, timeRef: this.connTs, leader: me };
    this.reportedLeaderStable = me;
  }

  setContact(contact: Contact | null): void {
    this.contact = contact;
  }

  /** Schedules the first tick at a random offset in [0, I) (anubis.md §2.1). */
  start(now: number): void {
    this.started = true;
    this.nextTickAt = now + Math.floor(this.random() * this.profile.interval);
  }

  /** When the driver must call `tick` next: the next grid point, or the stability deadline if earlier. */
  nextWakeup(): number {
    if (this.stabilising && this.connTs >= 0 && this.connTs < this.nextTickAt) return this.connTs;
    return this.nextTickAt;
  }

  tick(now: number): MachineOutput {
    const out = this.output();
    if (!this.started) this.start(now);
    const { interval, timeout } = this.profile;
    if (now >= this.nextTickAt) {
      // A wake-up far off the grid, or time running backwards, is a clock step or a stall: a timing failure.
      if (this.lastTickAt >= 0 && (now < this.lastTickAt || now - this.lastTickAt > timeout + interval)) {
        out.events.push({ type: 'clock-step', time: now, reason: `tick ${now - this.lastTickAt} ms after the previous one` });
        this.markChanged();
      }
      this.lastTickAt = now;
      this.checkTimeouts(now, out);
      this.checkRefusals(now, out);
      this.checkChronicInconsistency(now, out);
      this.viewChangeCheck(now);
      this.checkStabilityDeadline(now);
      this.notify(now, out);
      out.heartbeats.push(this.heartbeat(now));
      // Skip to the next future grid point, so ticks do not drift after a late wake-up.
      const behind = Math.floor((now - this.nextTickAt) / interval) + 1;
      this.nextTickAt += Math.max(1, behind) * interval;
      if (this.nextTickAt <= now) this.nextTickAt = now + interval;
    } else {
      this.checkStabilityDeadline(now);
      this.notify(now, out);
    }
    return out;
  }

  /**
   * Handles one authenticated heartbeat whose system magic matched. Runs the `self`, `conflict`,
   * `replay`, `untimely` and `quiescent` checks, then updates the connection record.
   */
  receive(hb: Heartbeat, now: number): MachineOutput {
    const out = this.output();
    const me = this.identity;
    if (hb.nodeId === me.id) {
      if (hb.epoch === me.epoch && hb.name === me.name) return this.drop(out, 'self');
      this.reportConflict(out, now, hb, `Peer \`${hb.name}\` also uses node id ${me.id}; give each peer a distinct \`--id\` (0..2047).`);
      return this.drop(out, 'conflict');
    }
    const rec = this.records.get(hb.nodeId);
    const knownName = rec?.name ?? this.names.get(hb.nodeId);
    if (rec && knownName !== hb.name) {
      this.reportConflict(out, now, hb, `Peers \`${knownName}\` and \`${hb.name}\` both use node id ${hb.nodeId}; give each peer a distinct \`--id\` (0..2047).`);
      return this.drop(out, 'conflict');
    }
    const mem = this.seen.get(hb.nodeId);
    if (mem && (hb.epoch < mem.epoch || (hb.epoch === mem.epoch && hb.seq <= mem.seq))) return this.drop(out, 'replay');
    if (Math.abs(now - hb.sendTime) > this.profile.timeout) return this.drop(out, 'untimely');
    if (mem) {
      mem.epoch = hb.epoch;
      mem.seq = hb.seq;
    } else this.seen.set(hb.nodeId, { epoch: hb.epoch, seq: hb.seq });
    this.names.set(hb.nodeId, hb.name);

    if (!rec) {
      this.records.set(hb.nodeId, this.newRecord(hb));
      this.connSet.add(hb.nodeId);
      this.connectionChanged();
      out.events.push({ type: 'connected', time: now, subject: this.ref(hb.nodeId) });
      this.notify(now, out);
      return out;
    }
    if (rec.epoch !== hb.epoch) {
      // A new incarnation: the old one is gone. Evict it; the new one is admitted once the old record quiesces.
      if (rec.state === 'connected') this.evict(rec, now, 'quiescing', 'restarted', out);
      else if (rec.state === 'refused') rec.state = 'quiescing';
      this.notify(now, out);
      return this.drop(out, 'quiescent');
    }
    if (rec.state === 'quiescing') return this.drop(out, 'quiescent');

    rec.lastTime = hb.sendTime;
    rec.contact = hb.contact;
    rec.stable = hb.stable;
    rec.preferred = hb.preferred;
    rec.candidate = hb.candidate.id;
    // The counter changes with every change of the sender's set (within one epoch), so it alone tells.
    const viewChanged = hb.viewNumber !== rec.viewNumber;
    const tsChanged = hb.viewTimeStamp !== rec.viewTs;
    rec.viewTs = hb.viewTimeStamp;
    if (viewChanged) {
      rec.view = hb.view;
      rec.viewNumber = hb.viewNumber;
      rec.diffSince = -1;
    }
    rec.heard = hb.heard;
    const heardMe = hb.heard.has(me.id);
    const droppedMe = rec.heardMe && !heardMe;
    rec.heardMe = heardMe;
    if (rec.state === 'refused') {
      if (this.mayReadmit(rec, now)) this.readmit(rec, now, out);
      this.notify(now, out);
      return out;
    }
    if (droppedMe) {
      this.evict(rec, now, 'refused', 'dropped', out);
    } else if (viewChanged) {
      this.markChanged();
      // Rule 3: a peer that does not see us cannot be in our partition.
      if (!hb.view.has(me.id)) this.partition.delete(hb.nodeId);
      this.dirty = true;
    } else if (tsChanged && this.stabilising && !this.changed && hb.viewTimeStamp >= 0 && hb.viewTimeStamp < this.connTs) {
      // Adopt the earliest deadline advertised by a consistent peer, so all members agree on the time reference.
      this.connTs = hb.viewTimeStamp;
    }
    this.notify(now, out);
    return out;
  }

  /** A message link to `peer` failed: that is untimeliness (anubis.md §2.1). */
  linkFailed(peer: number, now: number): MachineOutput {
    const out = this.output();
    const rec = this.records.get(peer);
    if (rec && rec.state === 'connected') this.evict(rec, now, 'quiescing', 'link failure', out);
    this.notify(now, out);
    return out;
  }

  view(): PartitionView {
    return { members: this.partition.ids(), stable: this.stable, timeRef: this.stable ? this.connTs : -1, leader: this.vote };
  }

  isMember(id: number): boolean {
    return this.partition.has(id);
  }

  contactOf(id: number): Contact | null {
    return this.records.get(id)?.contact ?? null;
  }

  nameOf(id: number): string {
    return this.names.get(id) ?? `#${id}`;
  }

  snapshot(): MachineSnapshot {
    return {
      id: this.identity.id,
      name: this.identity.name,
      epoch: this.identity.epoch,
      stable: this.stable,
      partition: this.partition.ids(),
      connectionSet: this.connSet.ids(),
      timeRef: this.stable ? this.connTs : -1,
      leader: this.vote,
      viewNumber: this.viewNumber,
      stabilising: this.stabilising,
      peers: [...this.records.values()].map((r) => ({ id: r.id, name: r.name, state: r.state, contact: r.contact })),
    };
  }

  // --- internals ---------------------------------------------------------------------------

  private output(): MachineOutput {
    return { heartbeats: [], events: [], partitionChanged: false };
  }

  private drop(out: MachineOutput, reason: DropReason): MachineOutput {
    out.dropped = reason;
    return out;
  }

  private ref(id: number): PeerRef {
    return { id, name: this.nameOf(id) };
  }

  private reportConflict(out: MachineOutput, now: number, hb: Heartbeat, message: string): void {
    const key = `${hb.nodeId}/${hb.name}/${hb.epoch}`;
    if (this.conflicts.has(key)) return;
    if (this.conflicts.size >= MAX_CONFLICT_MEMORY) this.conflicts.clear();
    this.conflicts.add(key);
    out.events.push({ type: 'conflict', time: now, subject: { id: hb.nodeId, name: hb.name }, message });
  }

  private newRecord(hb: Heartbeat): PeerRecord {
    return {
      id: hb.nodeId,
      name: hb.name,
      epoch: hb.epoch,
      contact: hb.contact,
      state: 'connected',
      lastTime: hb.sendTime,
      view: hb.view,
      viewNumber: hb.viewNumber,
      viewTs: hb.viewTimeStamp,
      stable: hb.stable,
      preferred: hb.preferred,
      candidate: hb.candidate.id,
      heard: hb.heard,
      heardMe: hb.heard.has(this.identity.id),
      evictedAt: -1,
      refusal: null,
      diffSince: -1,
    };
  }

  /** Any change to a view we hold: destabilise at once; the next tick re-checks consistency. */
  private markChanged(): void {
    this.dirty = true;
    this.changed = true;
    this.stabilising = false;
    this.stable = false;
    this.connTs = -1;
    if (!this.partition.has(this.vote)) this.vote = this.identity.id;
  }

  private connectionChanged(): void {
    this.viewNumber++;
    this.markChanged();
    this.partition.intersect(this.connSet);
    if (!this.partition.has(this.vote)) this.vote = this.identity.id;
    for (const r of this.records.values()) r.diffSince = -1;
  }

  private evict(rec: PeerRecord, now: number, state: 'quiescing' | 'refused', reason: string, out: MachineOutput): void {
    rec.state = state;
    rec.evictedAt = now;
    rec.refusal = state === 'refused' ? (reason === 'dropped' ? 'dropped' : 'inconsistent') : null;
    this.connSet.delete(rec.id);
    this.connectionChanged();
    out.events.push({ type: 'disconnected', time: now, subject: this.ref(rec.id), reason });
  }

  private mayReadmit(rec: PeerRecord, now: number): boolean {
    if (now - rec.evictedAt < this.profile.quiescence) return false;
    const me = this.identity.id;
    if (rec.refusal === 'dropped') return rec.heard.has(me);
    return rec.heard.has(me) && this.hearingSymmetric();
  }

  /** True when every hearing relation we know of (ours and our tracked peers') goes both ways. */
  private hearingSymmetric(): boolean {
    const me = this.identity.id;
    const tracked = [...this.records.values()].filter((r) => r.state !== 'quiescing');
    for (const a of tracked) {
      if (!a.heard.has(me)) return false;
      for (const b of tracked) if (a !== b && a.heard.has(b.id) !== b.heard.has(a.id)) return false;
    }
    return true;
  }

  private heardSet(): Bitset {
    const h = Bitset.of([this.identity.id]);
    for (const r of this.records.values()) if (r.state !== 'quiescing') h.add(r.id);
    return h;
  }

  private readmit(rec: PeerRecord, now: number, out: MachineOutput): void {
    rec.state = 'connected';
    rec.refusal = null;
    rec.heardMe = rec.heard.has(this.identity.id);
    this.connSet.add(rec.id);
    this.connectionChanged();
    out.events.push({ type: 'connected', time: now, subject: this.ref(rec.id) });
  }

  private checkTimeouts(now: number, out: MachineOutput): void {
    const { timeout, quiescence } = this.profile;
    for (const rec of this.records.values()) {
      const age = Math.abs(now - rec.lastTime);
      if (age <= timeout) continue;
      if (rec.state === 'connected') this.evict(rec, now, 'quiescing', 'timeout', out);
      else if (rec.state === 'refused') rec.state = 'quiescing';
      if (now - rec.lastTime > quiescence) this.records.delete(rec.id);
    }
  }

  private checkRefusals(now: number, out: MachineOutput): void {
    for (const rec of this.records.values()) if (rec.state === 'refused' && this.mayReadmit(rec, now)) this.readmit(rec, now, out);
  }

  private checkChronicInconsistency(now: number, out: MachineOutput): void {
    const limit = this.profile.timeout + this.profile.interval;
    // Only a one-way link explains a lasting difference; with symmetric hearing, differences are
    // transient (quiescence and refusals ending at slightly different times) and resolve themselves.
    let symmetric: boolean | null = null;
    for (const rec of this.records.values()) {
      if (rec.state !== 'connected') continue;
      if (rec.view.equals(this.connSet)) {
        rec.diffSince = -1;
      } else if (rec.diffSince < 0) {
        rec.diffSince = now;
      } else if (now - rec.diffSince > limit) {
        symmetric ??= this.hearingSymmetric();
        if (!symmetric) this.evict(rec, now, 'refused', 'inconsistent', out);
      }
    }
  }

  private viewChangeCheck(now: number): void {
    if (this.stable || !this.changed) return;
    this.dirty = true;
    this.changed = false;
    this.partition.intersect(this.connSet);
    if (!this.partition.has(this.vote)) this.vote = this.identity.id;
    // Consistency: every timely peer reports exactly our connection set.
    let deadline = now + this.profile.stability;
    for (const id of this.connSet.ids()) {
      if (id === this.identity.id) continue;
      const rec = this.records.get(id)!;
      if (!rec.view.equals(this.connSet)) {
        this.connTs = -1;
        this.stabilising = false;
        return;
      }
      if (rec.viewTs >= 0 && rec.viewTs < deadline) deadline = rec.viewTs;
    }
    this.connTs = deadline;
    this.stabilising = true;
  }

  private checkStabilityDeadline(now: number): void {
    if (!this.stabilising || this.changed || now < this.connTs) return;
    this.stabilising = false;
    this.stable = true;
    this.dirty = true;
    // The only place where the partition may grow.
    this.partition = this.connSet.copy();
    this.elect();
  }

  /** On becoming stable: preferred beats non-preferred, then more votes, then the higher id. */
  private elect(): void {
    const me = this.identity.id;
    const votes = new Map<number, number>();
    const members = this.partition.ids();
    for (const m of members) {
      const cand = m === me ? this.vote : this.records.get(m)!.candidate;
      if (this.partition.has(cand)) votes.set(cand, (votes.get(cand) ?? 0) + 1);
    }
    const preferred = (id: number) => (id === me ? this.preferred : (this.records.get(id)?.preferred ?? false));
    let best = -1;
    for (const m of members) {
      if (best < 0) {
        best = m;
        continue;
      }
      const pm = preferred(m), pb = preferred(best);
      const vm = votes.get(m) ?? 0, vb = votes.get(best) ?? 0;
      if ((pm && !pb) || (pm === pb && (vm > vb || (vm === vb && m > best)))) best = m;
    }
    this.vote = best < 0 ? me : best;
  }

  private notify(now: number, out: MachineOutput): void {
    if (!this.dirty) return;
    this.dirty = false;
    const r = this.reported;
    const timeRef = this.stable ? this.connTs : -1;
    let changed = false;
    if (!r.partition.equals(this.partition)) {
      changed = true;
      for (const id of r.partition.ids()) if (!this.partition.has(id)) out.events.push({ type: 'left', time: now, subject: this.ref(id) });
      for (const id of this.partition.ids()) if (!r.partition.has(id)) out.events.push({ type: 'joined', time: now, subject: this.ref(id) });
    }
    if (r.stable !== this.stable || (this.stable && r.timeRef !== timeRef)) {
      changed = true;
      if (this.stable) {
        out.events.push({
          type: 'stable',
          time: now,
          members: this.partition.ids().map((id) => this.ref(id)),
          timeRef,
          leader: this.ref(this.vote),
        });
      } else out.events.push({ type: 'unstable', time: now });
    }
    if (this.stable && this.reportedLeaderStable !== this.vote) {
      this.reportedLeaderStable = this.vote;
      out.events.push({ type: 'leader', time: now, subject: this.ref(this.vote), leader: this.ref(this.vote) });
    }
    if (r.leader !== this.vote) changed = true;
    if (changed) {
      this.reported = { partition: this.partition.copy(), stable: this.stable, timeRef, leader: this.vote };
      out.partitionChanged = true;
    }
  }

  private heartbeat(now: number): Heartbeat {
    return {
      systemMagic: this.systemMagic,
      nodeId: this.identity.id,
      name: this.identity.name,
      epoch: this.identity.epoch,
      seq: ++this.seq,
      sendTime: now,
      viewNumber: this.viewNumber,
      viewTimeStamp: this.stable || this.stabilising ? this.connTs : -1,
      stable: this.stable,
      preferred: this.preferred,
      candidate: { id: this.vote, epoch: this.vote === this.identity.id ? this.identity.epoch : (this.records.get(this.vote)?.epoch ?? 0) },
      view: this.connSet.copy(),
      heard: this.heardSet(),
      msgLinks: new Bitset(),
      contact: this.contact,
    };
  }
}
