/**
 * The heartbeat protocol and the partition manager as one deterministic state machine
 * (docs/design/group.md §1.2–1.4, §2.1–2.3). It owns no timer, socket or clock: the driver calls `tick(now)` when
 * `nextWakeup()` is due and `receive(heartbeat, now)` for every authenticated, decoded heartbeat; both
 * return the heartbeats to multicast and the events to report. `now` is the wall clock in ms.
 *
 * Per tick, in order: check timeouts (evict untimely peers, forget quiesced ones), end refusals whose
 * reason has gone, resolve conflicts of the hearing graph, view-change check (shrink the partition,
 * test consistency, start the stability countdown), the stability deadline, then send our heartbeat.
 *
 * Rules beyond the Java code, where the test plan asks for convergence that timeliness alone cannot
 * give (a one-way link leaves the node that hears both ends with a view nobody else shares):
 * - Every heartbeat carries the sender's *heard set*: the peers whose valid, timely heartbeats it
 *   received within T, admitted or not (quiescing included). It depends only on the network.
 * - "x misses y": x's heartbeat sent at t lacks y although we heard y both before t − W and at or
 *   after t − W (W = T − I, the slack, and every peer including x was known to us before t − W).
 *   y sends every I, so one of its heartbeats was sent in [t − T, t − W]; it would have reached x
 *   before t and been timely there: x lost it (the link y→x is down), not y crashed or joined late.
 * - Conflict resolution: over the peers we hear (and us), an edge is broken when either end misses
 *   the other. Greedy clique partition in ascending id order (a node joins the first clique with no
 *   broken edge to it); peers outside our clique are *refused*. Peers with the same knowledge compute
 *   the same cliques; where knowledge differs, the refusal travels (below).
 * - "dropped me": a peer whose heard set contained us and then stops containing us cannot hear us:
 *   it is refused at once (test plan PM-2, bound B2) until it hears us again and Q has passed.
 * - Both kinds of refusal are advertised in the *refused set* of our heartbeats. A peer that finds
 *   itself there leaves us out of its connection set in turn ("mirror"), and takes us back as soon as
 *   we stop refusing it. Mirrored refusals are never advertised, so refusals depend only on the
 *   hearing graph and the clock: they cannot wait on each other, and end once the links are two-way.
 * With one one-way link (PM-3) every node is stable within T + 3I + S (+ 2d) of the cut: the deaf end
 * times out the other at most T + I after the cut; the node hearing both refuses one end on its next
 * tick (one interval), whose heartbeat makes the refused end mirror; one more tick checks consistency.
 *
 * Identity clashes (docs/design/group.md §2.1 "Identity clashes"): of two running peers with one node
 * id, or one name, the one with the older epoch is the incumbent and keeps its place; the newcomer
 * refuses itself (a `refused` event, then silence) as soon as it hears a timely heartbeat of the
 * incumbent sent after it started. Meanwhile the others must not let the newcomer displace the
 * incumbent: a newer epoch of a peer that has not missed a heartbeat (more than I + I/10 since its
 * last one) is held back instead of taken for a restart, and the newcomer under another id but a
 * name in use is ignored while the holder of the name is timely. The replay memory lets an older
 * epoch back in once it is shown to run after the newer one started.
 */
import { FrogError } from '../../core/errors.js';
import { formatMessage, Messages, type MessageEntry } from '../../core/messages/index.js';
import { Bitset, MAX_NODE_ID } from './bitset.js';
import type { TimingProfile } from './profiles.js';
import type { LinkFailure, LinkFailureCause } from './transport.js';
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

export type GroupEventType = 'joined' | 'left' | 'stable' | 'unstable' | 'leader' | 'connected' | 'disconnected' | 'link-ignored' | 'conflict' | 'refused' | 'clock-step';

/**
 * Membership events. `joined`/`left` are changes of the partition view; `connected`/`disconnected` of
 * the connection set (the test plan's connAdd/connDel), each with its `reason`; `link-ignored` is a
 * peer-link failure that changed nothing because the link was made for an earlier admission of the
 * peer (docs/design/group.md §2.1 "Peer links"); `stable` carries the members, the time reference
 * and the leader; `leader` names the leader of a stable view whenever it differs from the last one
 * reported, this peer included; `conflict` warns of a peer that duplicates the node id or the name of
 * one that ran first (it is ignored); `refused` says that this peer is that duplicate: it has left
 * the group for good (`subject` is the incumbent, `code` and `message` the catalogue's words).
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
  /** The catalogue code of `message`, when it has one. */
  code?: string;
}

/**
 * Why this peer left the group: another peer that ran first uses its name (`what` = `name`) or its
 * node id under another name (`id`). `frog peer` prints it and exits with code 3.
 */
export class DuplicatePeerError extends FrogError {
  constructor(
    readonly what: 'name' | 'id',
    readonly incumbent: { id: number; name: string; epoch: number; address: string },
  ) {
    super(what === 'name' ? Messages.DuplicatePeerName : Messages.DuplicatePeerId, { name: incumbent.name, id: incumbent.id, address: incumbent.address });
    this.name = 'DuplicatePeerError';
  }
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
  /** Send time of the first accepted heartbeat of this record (how long we have known it). */
  firstTime: number;
  /** Send time of the newest accepted heartbeat (also the time its `heard` set describes). */
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
  /** When it stopped hearing us and we refused it; −1 when no such refusal is in force. */
  droppedAt: number;
  /** Outside our clique of the hearing graph: refused by conflict resolution. */
  conflict: boolean;
  /** The newer epoch (and its address) that evicted this incarnation as a restart; null otherwise. */
  displacedBy: { epoch: number; contact: Contact | null } | null;
  /** Its refused set holds us: we leave it out in turn until it stops. */
  refusesMe: boolean;
  /** Which admission into our connection set this is (0: never admitted); peer links are tied to it. */
  admission: number;
  /** `heard` (compared by identity) held everyone we hear, at hearing version `coverVersion`. */
  coveredHeard: Bitset | null;
  coverVersion: number;
}

/** Replay memory per node id (outlives records). */
interface SeenEntry {
  epoch: number;
  seq: number;
  /** Send time of the newest heartbeat accepted under this id. */
  lastSend: number;
}

/**
 * A newer epoch of a peer whose record still hears from the old one: a restart, or a second peer
 * with the same identity. Its heartbeats are held back until the old one misses a heartbeat (a
 * restart), or for as long as we hold the old one once it is heard after the newer one started
 * (`confirmed`: a duplicate).
 */
interface Challenger {
  epoch: number;
  seq: number;
  lastSend: number;
  contact: Contact | null;
  confirmed: boolean;
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
  peers: { id: number; name: string; epoch: number; state: PeerState; contact: Contact | null }[];
  /** Set when this peer was refused as a duplicate: the message. */
  refused?: string;
}

const MAX_CONFLICT_MEMORY = 64;

/** How a peer-link failure reads in a `disconnected` or `link-ignored` reason (`link failure: …`). */
const LINK_FAILURE_TEXT: Record<LinkFailureCause, string> = {
  refused: 'connection refused',
  reset: 'connection reset',
  unreachable: 'host unreachable',
  timeout: 'connect timeout',
  closed: 'closed by peer',
  hello: 'bad hello',
  frame: 'bad frame',
  queue: 'send queue full',
  error: 'socket error',
};
/** A newer epoch is a restart once the old incarnation's heartbeat is more than I/10 overdue. */
const RESTART_GRACE_DIVISOR = 10;

/** `a` ran first: the older epoch; on a tie (two hosts in one millisecond) the smaller name, then id. */
function older(a: { id: number; name: string; epoch: number }, b: { id: number; name: string; epoch: number }): boolean {
  if (a.epoch !== b.epoch) return a.epoch < b.epoch;
  if (a.name !== b.name) return a.name < b.name;
  return a.id < b.id;
}

/** A peer's link address for messages: `host:port`, `[v6]:port`, or `an unknown address`. */
function addressOf(contact: Contact | null): string {
  if (contact === null) return 'an unknown address';
  return contact.host.includes(':') ? `[${contact.host}]:${contact.port}` : `${contact.host}:${contact.port}`;
}

function emptyOutput(): MachineOutput {
  return { heartbeats: [], events: [], partitionChanged: false };
}

/**
 * The output the current call of any machine fills (see `finish`). Calls never nest (a machine calls
 * out to nothing), so every machine of a process can share it, and it stays in the cache while a
 * simulation delivers one datagram to a thousand machines. `scratchOpen` is set while a call runs: a
 * call that finds it set follows one that threw half way, and starts on a fresh output.
 */
let scratch: MachineOutput = emptyOutput();
let scratchOpen = false;

function openScratch(): MachineOutput {
  if (scratchOpen) scratch = emptyOutput();
  scratchOpen = true;
  return scratch;
}

/** The output of a call that has nothing to report (shared, frozen). */
const NOTHING: MachineOutput = Object.freeze({
  heartbeats: Object.freeze([]) as unknown as Heartbeat[],
  events: Object.freeze([]) as unknown as GroupEvent[],
  partitionChanged: false,
});

export class HeartbeatMachine {
  /** What `tick`, `receive` and `linkFailed` return when they have nothing to report (shared, frozen). */
  static readonly NOTHING: MachineOutput = NOTHING;
  readonly identity: Identity;
  readonly profile: TimingProfile;
  private readonly systemMagic: number;
  private readonly preferred: boolean;
  private contact: Contact | null;
  private readonly random: () => number;

  /** Records in order of creation (the order ticks visit them), and the same records by node id. */
  private readonly records = new Map<number, PeerRecord>();
  private readonly byId: (PeerRecord | undefined)[] = Array.from({ length: MAX_NODE_ID + 1 }, () => undefined);
  /**
   * Replay memory by node id, and the ids that have an entry (node ids are 0..2047). Both arrays are
   * allocated whole, so that indexing them stays a fast element load: an array grown by assigning at
   * scattered indices becomes a hash table, and these are read on every received heartbeat.
   */
  private readonly seen: (SeenEntry | undefined)[] = Array.from({ length: MAX_NODE_ID + 1 }, () => undefined);
  private readonly seenIds: number[] = [];
  /**
   * Per node id, kept in flat arrays so that the per-tick scans (heard set, timeouts) read contiguous
   * memory: the send time of its newest valid heartbeat whatever its record's state (the heard set),
   * and its record's `lastTime`.
   */
  private readonly heardAt = new Float64Array(MAX_NODE_ID + 1);
  private readonly lastTimes = new Float64Array(MAX_NODE_ID + 1);
  /** Records in the `refused` state (a tick with none skips the refusal pass). */
  private refusedCount = 0;
  /** Some record's heard set changed (by identity) since the last conflict pass. */
  private heardChanged = false;
  /** The hearing version and the number of records whose heard set lacked someone, at the last pass. */
  private resolvedVersion = -1;
  private uncovered = 0;
  private readonly names = new Map<number, string>();
  /** Per name, the record that holds it (the one that ran first, while it is not quiescing). */
  private readonly byName = new Map<string, PeerRecord>();
  /** Newer epochs held back, by node id (empty but for restarts within an interval and duplicates). */
  private readonly challengers = new Map<number, Challenger>();
  /** Set once this peer finds that it duplicates a peer that ran first: it is out of the group. */
  private refusedAs: DuplicatePeerError | null = null;

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
  /** Send time of our first heartbeat (−1 before it). */
  private firstSent = -1;
  /** Admissions into the connection set so far: each one numbers the next (PeerRecord.admission). */
  private admissions = 0;

  /** Bumped whenever the set of peers we hear (records not quiescing) changes. */
  private hearingVersion = 0;
  private hearingCache: Bitset | null = null;
  /** How many records are refused by conflict resolution (so an all-clear tick can skip them). */
  private conflicts = 0;

  private started = false;
  private nextTickAt = 0;
  private lastTickAt = -1;

  private reported: { partition: Bitset; stable: boolean; timeRef: number; leader: number };
  private reportedLeaderStable = -1;
  private readonly idConflicts = new Set<string>();
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
    // A node starts with partition = {self}, stable, time reference = its epoch (docs/design/group.md §2.2).
    this.connSet = Bitset.of([me]);
    this.partition = Bitset.of([me]);
    this.connTs = this.identity.epoch;
    this.vote = me;
    this.reported = { partition: this.partition.copy(), stable: true, timeRef: this.connTs, leader: me };
    // Leading our lone start-up view is not reported: the first `leader` event names the leader of
    // the first view formed with others, whoever it is, this peer included.
    this.reportedLeaderStable = -1;
  }

  setContact(contact: Contact | null): void {
    this.contact = contact;
  }

  /** When timeouts were last checked (precise eviction wakes only for expiries after it). */
  private timeoutsCheckedAt = -Infinity;

  /** Schedules the first tick at a random offset in [0, I) (docs/design/group.md §2.1). */
  start(now: number): void {
    this.started = true;
    this.nextTickAt = now + Math.floor(this.random() * this.profile.interval);
  }

  /** When the driver must call `tick` next: the next grid point, or the stability deadline if earlier. */
  nextWakeup(): number {
    let at = this.nextTickAt;
    if (this.stabilising && this.connTs >= 0 && this.connTs < at) at = this.connTs;
    if (this.challengers.size > 0) {
      // When an incarnation with a newer epoch held back waits for the old one to miss a heartbeat.
      for (const [id, ch] of this.challengers) {
        const rec = this.byId[id];
        if (ch.confirmed || !rec) continue;
        const due = rec.lastTime + this.profile.interval + this.restartGrace() + 1;
        if (due < at) at = due;
      }
    }
    if (this.profile.preciseEviction && !this.refusedAs) {
      // Wake at the earliest expiry, so that a peer is evicted at its last heartbeat + T, not on the
      // next grid point. Only expiries after the last check: anything older is the grid's.
      const timeout = this.profile.timeout;
      for (const rec of this.records.values()) {
        if (rec.state !== 'connected') continue;
        const due = this.lastTimes[rec.id]! + timeout + 1;
        if (due < at && due > this.timeoutsCheckedAt) at = due;
      }
    }
    return at;
  }

  /** Why this peer left the group (another peer that ran first has its name or node id), or null. */
  get refused(): DuplicatePeerError | null {
    return this.refusedAs;
  }

  tick(now: number): MachineOutput {
    const out = openScratch();
    this.tickInto(now, out);
    return this.finish(out);
  }

  private tickInto(now: number, out: MachineOutput): void {
    if (!this.started) this.start(now);
    const { interval, timeout } = this.profile;
    if (this.refusedAs) {
      // Refused as a duplicate: out of the group for good, silent; the driver stops us.
      if (now >= this.nextTickAt) this.nextTickAt += (Math.floor((now - this.nextTickAt) / interval) + 1) * interval;
      return;
    }
    const ahead = this.nextTickAt - now;
    if (ahead > interval) {
      // The next tick is further off than one interval: the wall clock was stepped back (the
      // driver's timers are relative, so it woke on time). Tick now rather than go silent until
      // the old schedule comes round again. A step back of more than T is a timing failure
      // (docs/design/group.md §3.1): our heartbeats would be stale to the others for longer than T, and
      // theirs ahead of our clock by more than T; a smaller one leaves everyone timely.
      this.nextTickAt = now;
      if (ahead > timeout) {
        out.events.push({ type: 'clock-step', time: now, reason: `the clock went back at least ${ahead - interval} ms` });
        this.markChanged();
      }
    }
    if (this.challengers.size > 0) this.checkChallengers(now, out);
    if (now >= this.nextTickAt) {
      // A wake-up far off the grid is a forward clock step or a stall: a timing failure.
      if (this.lastTickAt >= 0 && now - this.lastTickAt > timeout + interval) {
        out.events.push({ type: 'clock-step', time: now, reason: `tick ${now - this.lastTickAt} ms after the previous one` });
        this.markChanged();
      }
      this.lastTickAt = now;
      this.checkTimeouts(now, out);
      this.checkRefusals(now, out);
      this.resolveConflicts(now, out);
      this.viewChangeCheck(now);
      this.checkStabilityDeadline(now);
      this.notify(now, out);
      out.heartbeats.push(this.heartbeat(now));
      // Skip to the next future grid point, so ticks do not drift after a late wake-up.
      const behind = Math.floor((now - this.nextTickAt) / interval) + 1;
      this.nextTickAt += Math.max(1, behind) * interval;
      if (this.nextTickAt <= now) this.nextTickAt = now + interval;
    } else {
      if (this.profile.preciseEviction) {
        this.checkTimeouts(now, out);
        this.viewChangeCheck(now);
      }
      this.checkStabilityDeadline(now);
      this.notify(now, out);
    }
  }

  /**
   * Handles one authenticated heartbeat whose system magic matched. Runs the `self`, `conflict`,
   * `replay`, `untimely` and `quiescent` checks, then updates the connection record.
   */
  receive(hb: Heartbeat, now: number): MachineOutput {
    const out = openScratch();
    this.receiveInto(hb, now, out);
    return this.finish(out);
  }

  private receiveInto(hb: Heartbeat, now: number, out: MachineOutput): MachineOutput {
    const me = this.identity;
    if (this.refusedAs) return this.drop(out, 'conflict');
    if (hb.nodeId === me.id) {
      if (hb.epoch === me.epoch && hb.name === me.name) return this.drop(out, 'self');
      return this.clashWithUs(hb, now, out);
    }
    if (hb.name === me.name) return this.clashWithUs(hb, now, out);
    const rec = this.byId[hb.nodeId];
    if (rec && rec.name !== hb.name) {
      this.reportConflict(out, now, hb, Messages.SharedPeerId, { first: rec.name, second: hb.name, id: hb.nodeId });
      return this.drop(out, 'conflict');
    }
    if (!(hb.nodeId >= 0 && hb.nodeId <= MAX_NODE_ID)) return this.drop(out, 'malformed');
    const mem = this.seen[hb.nodeId];
    if (mem && this.replayed(hb, mem, rec)) return this.drop(out, 'replay');
    if (Math.abs(now - hb.sendTime) > this.profile.timeout) return this.drop(out, 'untimely');
    if (rec && hb.epoch > rec.epoch) {
      // A newer incarnation of a peer we hold: a restart, or a duplicate (held back or ignored).
      if (this.holdBack(rec, hb, now)) return this.drop(out, this.challengers.get(hb.nodeId)!.confirmed ? 'conflict' : 'quiescent');
    } else if (!rec) {
      // Another node id under a name that a peer which ran first still holds: ignored while it is timely.
      const holder = this.byName.get(hb.name);
      if (holder !== undefined && holder.state !== 'quiescing' && older(holder, { id: hb.nodeId, name: hb.name, epoch: hb.epoch })) {
        this.reportConflict(out, now, hb, Messages.DuplicatePeerIgnored, { name: hb.name, id: hb.nodeId, address: addressOf(hb.contact), what: 'name', incumbent: holder.name, incumbentId: holder.id });
        return this.drop(out, 'conflict');
      }
    }
    if (mem) {
      // An older epoch got past `replayed` only as an incarnation that a newer one displaced and
      // that runs on after the newer one started: the newer one is a duplicate, not a restart.
      if (rec && hb.epoch < mem.epoch) this.displacedRunsOn(rec, mem, now, out);
      mem.epoch = hb.epoch;
      mem.seq = hb.seq;
      mem.lastSend = hb.sendTime;
    } else {
      this.seen[hb.nodeId] = { epoch: hb.epoch, seq: hb.seq, lastSend: hb.sendTime };
      this.seenIds.push(hb.nodeId);
      this.names.set(hb.nodeId, hb.name);
    }

    this.heardAt[hb.nodeId] = hb.sendTime;

    if (!rec) {
      const r = this.newRecord(hb);
      this.lastTimes[hb.nodeId] = hb.sendTime;
      this.heardChanged = true;
      this.names.set(hb.nodeId, hb.name);
      this.records.set(hb.nodeId, r);
      this.byId[hb.nodeId] = r;
      const holder = this.byName.get(hb.name);
      if (holder === undefined || holder.state === 'quiescing' || older(r, holder)) this.byName.set(hb.name, r);
      this.hearingChanged();
      if (r.refusesMe) {
        // It refuses us already (we reappeared while it still holds a reason): wait for it to stop.
        r.state = 'refused';
        this.refusedCount++;
      } else {
        this.admit(r);
        this.connSet.add(hb.nodeId);
        this.connectionChanged();
        out.events.push({ type: 'connected', time: now, subject: this.ref(hb.nodeId), reason: 'heartbeat' });
      }
      this.notify(now, out);
      return out;
    }
    if (rec.epoch !== hb.epoch) {
      // A new incarnation: the old one is gone. Evict it; the new one is admitted once the old record quiesces.
      this.displace(rec, hb.epoch, hb.contact, now, out);
      this.notify(now, out);
      return this.drop(out, 'quiescent');
    }
    if (this.challengers.size > 0) this.confirmChallenger(rec, hb, now, out);
    if (rec.state === 'quiescing') return this.drop(out, 'quiescent');

    rec.lastTime = hb.sendTime;
    this.lastTimes[hb.nodeId] = hb.sendTime;
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
    }
    if (rec.heard !== hb.heard) {
      rec.heard = hb.heard;
      this.heardChanged = true;
    }
    const heardMe = hb.heard.has(me.id);
    if (rec.heardMe && !heardMe && rec.droppedAt < 0) rec.droppedAt = now;
    rec.heardMe = heardMe;
    rec.refusesMe = hb.refused !== undefined && hb.refused.has(me.id);
    const wasConnected = rec.state === 'connected';
    this.settle(rec, now, out);
    if (wasConnected && rec.state === 'connected') {
      if (viewChanged) {
        this.markChanged();
        // Rule 3: a peer that does not see us cannot be in our partition.
        if (!hb.view.has(me.id)) this.partition.delete(hb.nodeId);
        this.dirty = true;
      } else if (tsChanged && this.stabilising && !this.changed && hb.viewTimeStamp >= me.epoch && hb.viewTimeStamp < this.connTs) {
        // Adopt the earliest deadline advertised by a consistent peer, so all members agree on the time reference.
        this.connTs = hb.viewTimeStamp;
      }
    }
    this.notify(now, out);
    return out;
  }

  /**
   * A message link to `peer` failed: that is untimeliness (docs/design/group.md §2.1 "Peer links"),
   * of the admission the link was made for, and the peer is refused like one that dropped us. A failure of a link made for an earlier admission (a
   * connection attempt that hung through a cut and failed after the peer was admitted again) says
   * nothing about the current one: it is reported (`link-ignored`) and changes nothing.
   */
  linkFailed(peer: number, now: number, failure: LinkFailure = { cause: 'error' }): MachineOutput {
    const out = openScratch();
    const rec = this.records.get(peer);
    const reason = `link failure: ${LINK_FAILURE_TEXT[failure.cause] ?? failure.cause}`;
    if (rec && failure.admission !== undefined && failure.admission !== rec.admission) {
      out.events.push({ type: 'link-ignored', time: now, subject: this.ref(peer), reason: `${reason}, of an earlier admission` });
    } else if (rec && rec.state === 'connected') {
      // The link needs both directions, so this is also a sign that the peer cannot hear us: it is
      // refused as in "dropped me", until it hears us again and Q has passed. Were it left to
      // quiesce instead, a peer we still hear (one-way loss towards it) would be admitted again
      // after Q only to be refused by conflict resolution a moment later: a second change of view
      // beyond the restabilisation bound. A peer we no longer hear quiesces on its timeout as before.
      rec.droppedAt = now;
      this.evict(rec, now, 'refused', reason, out);
    }
    this.notify(now, out);
    return this.finish(out);
  }

  /** The admission of `id` that messages are sent under now (undefined: never admitted). */
  admissionOf(id: number): number | undefined {
    const a = this.records.get(id)?.admission;
    return a === undefined || a === 0 ? undefined : a;
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

  /** The epoch of the incarnation this peer's record of `id` was made from (undefined: no record). */
  epochOf(id: number): number | undefined {
    return this.records.get(id)?.epoch;
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
      peers: [...this.records.values()].map((r) => ({ id: r.id, name: r.name, epoch: r.epoch, state: r.state, contact: r.contact })),
      ...(this.refusedAs ? { refused: this.refusedAs.message } : {}),
    };
  }

  // --- internals ---------------------------------------------------------------------------

  /**
   * Hands out the output of one call. An output with nothing in it is the shared frozen NOTHING, so the
   * common case (a heartbeat that changes nothing) allocates nothing; any other output is the caller's
   * to keep, and a fresh scratch object takes its place.
   */
  private finish(out: MachineOutput): MachineOutput {
    scratchOpen = false;
    if (out.heartbeats.length === 0 && out.events.length === 0 && out.dropped === undefined && !out.partitionChanged) return NOTHING;
    scratch = emptyOutput();
    return out;
  }

  private drop(out: MachineOutput, reason: DropReason): MachineOutput {
    out.dropped = reason;
    return out;
  }

  private ref(id: number): PeerRef {
    return { id, name: this.nameOf(id) };
  }

  /** A `conflict` warning about the peer `who`, once per incarnation (a bounded memory). */
  private reportConflict(out: MachineOutput, now: number, who: { nodeId: number; name: string; epoch: number }, entry: MessageEntry, params: Record<string, unknown>): void {
    const key = `${who.nodeId}/${who.name}/${who.epoch}`;
    if (this.idConflicts.has(key)) return;
    if (this.idConflicts.size >= MAX_CONFLICT_MEMORY) this.idConflicts.clear();
    this.idConflicts.add(key);
    out.events.push({ type: 'conflict', time: now, subject: { id: who.nodeId, name: who.name }, message: formatMessage(entry, params), code: entry.code });
  }

  /** How late (beyond one interval) the old incarnation's heartbeat may be before a newer epoch counts as its restart. */
  private restartGrace(): number {
    return this.profile.interval / RESTART_GRACE_DIVISOR;
  }

  /**
   * A heartbeat with our node id or our name from another peer. Of the two, the one with the older
   * epoch ran first and keeps its place: if that is the other one, and this heartbeat is timely and
   * was sent after we started (which a heartbeat of an earlier incarnation of ours, or one captured
   * before we started, cannot be), we are the duplicate and leave the group. Otherwise the other
   * peer is the duplicate: it is ignored (the others ignore it too) and refuses itself on hearing us.
   */
  private clashWithUs(hb: Heartbeat, now: number, out: MachineOutput): MachineOutput {
    const me = this.identity;
    const other = { id: hb.nodeId, name: hb.name, epoch: hb.epoch };
    if (older(other, me)) {
      if (Math.abs(now - hb.sendTime) <= this.profile.timeout && hb.sendTime > me.epoch) this.refuse(other, hb.contact, now, out);
      return this.drop(out, 'conflict');
    }
    const what = hb.name !== me.name ? 'node id' : hb.nodeId === me.id ? 'name and node id' : 'name';
    this.reportConflict(out, now, hb, Messages.DuplicatePeerIgnored, { name: hb.name, id: hb.nodeId, address: addressOf(hb.contact), what, incumbent: me.name, incumbentId: me.id });
    return this.drop(out, 'conflict');
  }

  /** We duplicate `incumbent`: out of the group for good (partition {self}, unstable), and silent. */
  private refuse(incumbent: { id: number; name: string; epoch: number }, contact: Contact | null, now: number, out: MachineOutput): void {
    const me = this.identity;
    const what = incumbent.name === me.name ? 'name' : 'id';
    const error = new DuplicatePeerError(what, { ...incumbent, address: addressOf(contact) });
    this.refusedAs = error;
    out.events.push({ type: 'refused', time: now, subject: { id: incumbent.id, name: incumbent.name }, reason: what === 'name' ? 'duplicate name' : 'duplicate node id', message: error.message, code: error.code });
    this.connSet = Bitset.of([me.id]);
    this.viewNumber++;
    this.markChanged();
    this.stabilising = false;
    this.partition = Bitset.of([me.id]);
    this.vote = me.id;
    this.challengers.clear();
    this.notify(now, out);
  }

  /**
   * Whether a heartbeat is a replay (docs/design/group.md §6.2 item 3): not newer than the newest
   * one accepted under its node id. An older epoch than that one is a replay too, unless it shows
   * that it runs on after the newer epoch started: sent after that start, and after everything
   * accepted from its own incarnation (we still hold its record, displaced by the newer one) or
   * under this id (we hold no record). Then the newer epoch was a duplicate, and the older one must
   * not be shut out for good.
   */
  private replayed(hb: Heartbeat, mem: SeenEntry, rec: PeerRecord | undefined): boolean {
    if (hb.epoch === mem.epoch) return hb.seq <= mem.seq;
    if (hb.epoch > mem.epoch) return false;
    if (hb.sendTime <= mem.epoch) return true;
    if (rec !== undefined) return rec.epoch !== hb.epoch || hb.sendTime <= rec.lastTime;
    return hb.sendTime <= mem.lastSend;
  }

  /**
   * A newer epoch of `rec`'s peer. A restart when the old incarnation has timed out or missed its
   * heartbeat (more than I + I/10 since its last one): false, and the caller evicts the old one at
   * once. Otherwise it may be a second peer with the same identity: true, held back, until the old
   * one misses a heartbeat (`checkChallengers`) or is heard again after the newer one started
   * (`confirmChallenger`); from then on it is ignored for as long as we hold the old one.
   */
  private holdBack(rec: PeerRecord, hb: Heartbeat, now: number): boolean {
    const ch = this.challengers.get(rec.id);
    if (ch !== undefined && ch.epoch === hb.epoch && ch.confirmed) {
      ch.seq = hb.seq;
      ch.lastSend = hb.sendTime;
      return true;
    }
    if (rec.state === 'quiescing' || now - rec.lastTime > this.profile.interval + this.restartGrace()) {
      if (ch !== undefined) this.challengers.delete(rec.id);
      return false;
    }
    if (ch !== undefined && ch.epoch === hb.epoch) {
      ch.seq = hb.seq;
      ch.lastSend = hb.sendTime;
      ch.contact = hb.contact;
    } else this.challengers.set(rec.id, { epoch: hb.epoch, seq: hb.seq, lastSend: hb.sendTime, contact: hb.contact, confirmed: false });
    return true;
  }

  /** Held-back newer epochs whose old incarnation has missed its heartbeat since: restarts after all. */
  private checkChallengers(now: number, out: MachineOutput): void {
    const limit = this.profile.interval + this.restartGrace();
    for (const [id, ch] of this.challengers) {
      const rec = this.byId[id];
      if (rec === undefined) {
        this.challengers.delete(id);
        continue;
      }
      if (ch.confirmed || (rec.state !== 'quiescing' && now - rec.lastTime <= limit)) continue;
      this.challengers.delete(id);
      const mem = this.seen[id]!;
      mem.epoch = ch.epoch;
      mem.seq = ch.seq;
      mem.lastSend = ch.lastSend;
      this.heardAt[id] = ch.lastSend;
      this.displace(rec, ch.epoch, ch.contact, now, out);
    }
  }

  /** The old incarnation of a held-back newer epoch is heard again, sent after the newer one started: a duplicate. */
  private confirmChallenger(rec: PeerRecord, hb: Heartbeat, now: number, out: MachineOutput): void {
    const ch = this.challengers.get(rec.id);
    if (ch === undefined || ch.confirmed || hb.sendTime <= ch.epoch) return;
    ch.confirmed = true;
    this.reportConflict(out, now, { nodeId: rec.id, name: rec.name, epoch: ch.epoch }, Messages.DuplicatePeerIgnored, {
      name: rec.name,
      id: rec.id,
      address: addressOf(ch.contact),
      what: 'name and node id',
      incumbent: rec.name,
      incumbentId: rec.id,
    });
  }

  /** A newer epoch takes `rec`'s place (a restart): the old incarnation is evicted into quiescence. */
  private displace(rec: PeerRecord, epoch: number, contact: Contact | null, now: number, out: MachineOutput): void {
    rec.displacedBy = { epoch, contact };
    if (rec.state === 'connected') this.evict(rec, now, 'quiescing', 'restarted', out);
    else if (rec.state === 'refused') this.quiesce(rec);
  }

  /**
   * The incarnation that a newer epoch displaced runs on (its heartbeat passed `replayed`): the
   * newer one is a duplicate. It is ignored from now on, and the old one, if it is still timely,
   * is taken back at once, its eviction having been a mistake.
   */
  private displacedRunsOn(rec: PeerRecord, mem: SeenEntry, now: number, out: MachineOutput): void {
    const contact = rec.displacedBy?.contact ?? null;
    this.challengers.set(rec.id, { epoch: mem.epoch, seq: mem.seq, lastSend: mem.lastSend, contact, confirmed: true });
    this.reportConflict(out, now, { nodeId: rec.id, name: rec.name, epoch: mem.epoch }, Messages.DuplicatePeerIgnored, {
      name: rec.name,
      id: rec.id,
      address: addressOf(contact),
      what: 'name and node id',
      incumbent: rec.name,
      incumbentId: rec.id,
    });
    const displaced = rec.displacedBy !== null;
    rec.displacedBy = null;
    if (displaced && rec.state === 'quiescing' && now - rec.lastTime <= this.profile.timeout) {
      rec.state = 'connected';
      this.hearingChanged();
      this.heardChanged = true;
      this.admit(rec);
      this.connSet.add(rec.id);
      this.connectionChanged();
      out.events.push({ type: 'connected', time: now, subject: this.ref(rec.id), reason: 'not restarted' });
    }
  }

  private newRecord(hb: Heartbeat): PeerRecord {
    const me = this.identity.id;
    return {
      id: hb.nodeId,
      name: hb.name,
      epoch: hb.epoch,
      contact: hb.contact,
      state: 'connected',
      firstTime: hb.sendTime,
      lastTime: hb.sendTime,
      view: hb.view,
      viewNumber: hb.viewNumber,
      viewTs: hb.viewTimeStamp,
      stable: hb.stable,
      preferred: hb.preferred,
      candidate: hb.candidate.id,
      heard: hb.heard,
      heardMe: hb.heard.has(me),
      droppedAt: -1,
      conflict: false,
      displacedBy: null,
      refusesMe: hb.refused !== undefined && hb.refused.has(me),
      admission: 0,
      coveredHeard: null,
      coverVersion: -1,
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
  }

  private hearingChanged(): void {
    this.hearingVersion++;
    this.hearingCache = null;
  }

  /** Us and every peer whose record is not quiescing: the nodes of our part of the hearing graph. */
  private hearing(): Bitset {
    if (this.hearingCache) return this.hearingCache;
    const h = Bitset.of([this.identity.id]);
    for (const r of this.records.values()) if (r.state !== 'quiescing') h.add(r.id);
    this.hearingCache = h;
    return h;
  }

  private quiesce(rec: PeerRecord): void {
    if (rec.conflict) this.conflicts--;
    if (rec.state === 'refused') this.refusedCount--;
    rec.state = 'quiescing';
    rec.conflict = false;
    rec.droppedAt = -1;
    this.hearingChanged();
  }

  private evict(rec: PeerRecord, now: number, state: 'quiescing' | 'refused', reason: string, out: MachineOutput): void {
    if (state === 'quiescing') this.quiesce(rec);
    else {
      rec.state = state;
      this.refusedCount++;
    }
    this.connSet.delete(rec.id);
    this.connectionChanged();
    out.events.push({ type: 'disconnected', time: now, subject: this.ref(rec.id), reason });
  }

  private readmit(rec: PeerRecord, now: number, out: MachineOutput): void {
    rec.state = 'connected';
    this.refusedCount--;
    this.admit(rec);
    this.connSet.add(rec.id);
    this.connectionChanged();
    out.events.push({ type: 'connected', time: now, subject: this.ref(rec.id), reason: 'refusal ended' });
  }

  /** A new admission of `rec` into the connection set: links made for an earlier one no longer count. */
  private admit(rec: PeerRecord): void {
    rec.admission = ++this.admissions;
  }

  /** Why we refuse this peer now, or null. Ends a "dropped me" refusal once it has run its course. */
  private refusal(rec: PeerRecord, now: number): string | null {
    if (rec.droppedAt >= 0) {
      if (now - rec.droppedAt >= this.profile.quiescence && rec.heard.has(this.identity.id)) rec.droppedAt = -1;
      else return 'dropped';
    }
    if (rec.conflict) return 'conflict';
    if (rec.refusesMe) return 'refused';
    return null;
  }

  /** Evicts or re-admits a peer that is not quiescing, as its refusal says. */
  private settle(rec: PeerRecord, now: number, out: MachineOutput): void {
    if (rec.state === 'quiescing') return;
    const reason = this.refusal(rec, now);
    if (rec.state === 'connected' && reason !== null) this.evict(rec, now, 'refused', reason, out);
    else if (rec.state === 'refused' && reason === null) this.readmit(rec, now, out);
  }

  private checkTimeouts(now: number, out: MachineOutput): void {
    this.timeoutsCheckedAt = now;
    const { timeout, quiescence } = this.profile;
    // A quick scan of the flat array first: most ticks find every peer timely.
    let due = false;
    for (const id of this.records.keys()) {
      if (Math.abs(now - this.lastTimes[id]!) > timeout) {
        due = true;
        break;
      }
    }
    if (!due) return;
    for (const rec of this.records.values()) {
      const age = Math.abs(now - rec.lastTime);
      if (age <= timeout) continue;
      if (rec.state === 'connected') this.evict(rec, now, 'quiescing', 'timeout', out);
      else if (rec.state === 'refused') this.quiesce(rec);
      if (now - rec.lastTime > quiescence) {
        this.records.delete(rec.id);
        this.byId[rec.id] = undefined;
        if (this.byName.get(rec.name) === rec) this.byName.delete(rec.name);
        if (this.challengers.size > 0) this.challengers.delete(rec.id);
      }
    }
  }

  private checkRefusals(now: number, out: MachineOutput): void {
    // A "dropped me" refusal (droppedAt ≥ 0) always goes with the refused state: receive settles at once.
    if (this.refusedCount === 0) return;
    for (const rec of this.records.values()) if (rec.state === 'refused') this.settle(rec, now, out);
  }

  /**
   * Conflict resolution over the hearing graph (see the file comment): finds the broken edges among
   * us and the peers we hear, partitions those nodes greedily into cliques in ascending id order, and
   * refuses every peer outside our clique. Heard sets that hold everyone we hear are remembered by
   * identity, so a quiet tick costs one comparison per peer.
   */
  private resolveConflicts(now: number, out: MachineOutput): void {
    // Broken edges change only when a heard set or the set of peers we hear changes, or, while some
    // heard set lacks someone, with the send times that `heardThrough` compares.
    if (!this.heardChanged && this.resolvedVersion === this.hearingVersion && this.uncovered === 0 && this.conflicts === 0) return;
    this.heardChanged = false;
    this.resolvedVersion = this.hearingVersion;
    this.uncovered = 0;
    const slack = this.profile.timeout - this.profile.interval;
    const hearing = this.hearing();
    let broken: Map<number, number[]> | null = null;
    const edge = (a: number, b: number) => {
      broken ??= new Map();
      const la = broken.get(a);
      if (la) la.push(b);
      else broken.set(a, [b]);
      const lb = broken.get(b);
      if (lb) lb.push(a);
      else broken.set(b, [a]);
    };
    for (const x of this.records.values()) {
      if (x.state === 'quiescing') continue;
      if (x.coveredHeard === x.heard && x.coverVersion === this.hearingVersion) continue;
      if (hearing.subsetOf(x.heard)) {
        x.coveredHeard = x.heard;
        x.coverVersion = this.hearingVersion;
        continue;
      }
      // x's heard set lacks someone; it tells only if x was known to us before `from`.
      this.uncovered++;
      const from = x.lastTime - slack;
      if (x.firstTime > from) continue;
      for (const y of hearing.ids()) {
        if (y === x.id || x.heard.has(y)) continue;
        if (this.heardThrough(y, from, now)) edge(x.id, y);
      }
    }
    if (broken === null && this.conflicts === 0) return;
    const clique = broken === null ? null : this.cliqueOf(broken, hearing);
    for (const r of this.records.values()) {
      if (r.state === 'quiescing') continue;
      const conflict = clique !== null && !clique.has(r.id);
      if (conflict === r.conflict) continue;
      r.conflict = conflict;
      this.conflicts += conflict ? 1 : -1;
      this.settle(r, now, out);
    }
  }

  /** We heard `y` (or we are `y`) both at or before `from` and at or after it. */
  private heardThrough(y: number, from: number, now: number): boolean {
    if (y === this.identity.id) return this.firstSent >= 0 && this.firstSent <= from && now >= from;
    const r = this.records.get(y)!;
    return r.firstTime <= from && r.lastTime >= from;
  }

  /** Greedy clique partition in ascending id order; returns the clique that holds us. */
  private cliqueOf(broken: Map<number, number[]>, hearing: Bitset): Set<number> {
    const me = this.identity.id;
    let remaining = hearing.ids();
    // Every round places at least the first remaining node, so this ends within |remaining| rounds.
    while (remaining.length > 0) {
      const clique = new Set<number>();
      const rest: number[] = [];
      for (const v of remaining) {
        const adj = broken.get(v);
        if (adj !== undefined && adj.some((u) => clique.has(u))) rest.push(v);
        else clique.add(v);
      }
      if (clique.has(me)) return clique;
      remaining = rest;
    }
    return new Set([me]);
  }

  private viewChangeCheck(now: number): void {
    if (this.stable || !this.changed) return;
    this.dirty = true;
    this.changed = false;
    this.partition.intersect(this.connSet);
    if (!this.partition.has(this.vote)) this.vote = this.identity.id;
    // Consistency: every timely peer reports exactly our connection set.
    let deadline = now + this.profile.stability;
    const epoch = this.identity.epoch;
    for (const id of this.connSet.ids()) {
      if (id === this.identity.id) continue;
      const rec = this.records.get(id)!;
      // A view stamped before we started cannot hold us: its member with our id is another
      // incarnation (a restart not noticed yet, or a peer that we duplicate). Not consistent.
      if (!rec.view.equals(this.connSet) || (rec.viewTs >= 0 && rec.viewTs < epoch)) {
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

  /** Everyone whose valid heartbeat we received within T, admitted or not, and us. */
  private heardSet(now: number): Bitset {
    const h = Bitset.of([this.identity.id]);
    const bytes = h.bytes;
    const t = this.profile.timeout;
    const heardAt = this.heardAt;
    for (const id of this.seenIds) if (Math.abs(now - heardAt[id]!) <= t) bytes[id >> 3]! |= 1 << (id & 7);
    return h;
  }

  /** The peers we refuse for a reason of our own; mirrored refusals are left out on purpose. */
  private refusedSet(): Bitset {
    const r = new Bitset();
    // Only records in the `refused` state qualify: with none (the steady state) there is nothing to scan.
    if (this.refusedCount === 0) return r;
    for (const rec of this.records.values()) if (rec.state === 'refused' && (rec.droppedAt >= 0 || rec.conflict)) r.add(rec.id);
    return r;
  }

  private heartbeat(now: number): Heartbeat {
    if (this.firstSent < 0) this.firstSent = now;
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
      heard: this.heardSet(now),
      refused: this.refusedSet(),
      msgLinks: new Bitset(),
      contact: this.contact,
    };
  }
}
