/**
 * The group transport where multicast is not routed (`frog peer --join`, docs/design/group.md §7
 * "Unicast groups"): every heartbeat is sent, as one datagram each, to every member address this
 * peer knows. The protocol is unchanged: each member still hears each other member directly every
 * interval, so the bounds of profiles.ts hold once the addresses are known. The cost is n − 1
 * datagrams per interval per peer (the multicast transport sends one).
 *
 * Where the addresses come from:
 *  - the seeds (`--join HOST:PORT,…`): always sent to, never forgotten;
 *  - the source of every authenticated heartbeat whose (epoch, sequence number) is newer than any
 *    seen from that node id (`trust`, called by the authentication layer): a replayed heartbeat
 *    sent from another address teaches nothing. One current address per node id: a newer one
 *    replaces it, but the old one is still sent to while it is heard from (it is *displaced*,
 *    forgotten after `candidateMs` of silence): two live peers with one node id (a duplicate, or
 *    a restart whose old incarnation runs on) both keep hearing the group, so that the heartbeat
 *    machine, not the address table, decides which of them is refused;
 *  - directories (wire.ts, type 2), with a cost per peer that does not grow with the group beyond
 *    its own directory (docs/design/group.md §7): a newcomer that has heard from no one but its
 *    seeds asks them (it sends them its own directory); a whole directory (one datagram) that
 *    lacks an address we have heard from is answered with ours, once per `gossipMs` per address;
 *    a member greets a new address with its directory while that fits one datagram; and once
 *    every `gossipMs` one random member gets it (anti-entropy, for lost directories). The newcomer
 *    heartbeats every address it gets, and those members learn its address from that. A
 *    directory is authenticated here, with the group key, exactly as heartbeats are above; its
 *    entries are candidates, sent to until heard from or forgotten after `candidateMs`. An entry
 *    with this peer's own node id at another address is a candidate too: a duplicate must hear the
 *    peer it duplicates to refuse itself (docs/design/group.md §2.1 "Identity clashes").
 * An address not heard from for `forgetAfterMs` (a member gone for long) is forgotten; seeds are not.
 *
 * No timers: forgetting and gossip run when a heartbeat is sent (every interval). Flooding: the
 * same per-source token buckets as the multicast transport (SourceRateLimiter), before any HMAC.
 * The table is bounded (`maxAddresses`); a peer survives anything the network sends.
 */
import { checkDatagram, sealDatagram, type GroupKey } from './authenticated-transport.js';
import type { DatagramTransport } from './transport.js';
import { claimedSource, DEFAULT_RATE_LIMIT, SourceRateLimiter } from './udp-multicast-transport.js';
import { MAX_NODE_ID } from './bitset.js';
import { decodeDirectory, encodeDirectory, MAX_DATAGRAM, MAX_DIRECTORY_ENTRIES, MIN_DATAGRAM, PROTOCOL_MAGIC, TYPE_DIRECTORY, TYPE_HEARTBEAT, WIRE_VERSION, type DirectoryEntry } from './wire.js';

/** A datagram socket with an address of its own (UDP, or the memory network's). */
export interface UnicastSocket {
  /** This socket's address, `host:port` (`[host]:port` for IPv6). */
  readonly address: string;
  /** Sends one datagram to each address. Never throws. */
  send(datagram: Uint8Array, to: readonly string[]): void;
  onReceive(handler: (datagram: Uint8Array, from: string) => void): void;
  close(): Promise<void>;
}

export interface UnicastOptions {
  socket: UnicastSocket;
  key: GroupKey;
  /** This peer's node id and system magic (directories carry them). */
  nodeId: number;
  systemMagic: number;
  /** `host:port` of members to start from. */
  seeds: readonly string[];
  now: () => number;
  random: () => number;
  /** One random member gets the directory this often (ms); the profile's timeout T by default in `frog peer`. */
  gossipMs: number;
  /** A member address not heard from this long is forgotten (ms). */
  forgetAfterMs?: number;
  /** A directory entry never heard from is forgotten after this (ms). */
  candidateMs?: number;
  maxAddresses?: number;
  rateLimit?: { perSecond: number; burst?: number; untrustedPerSecond?: number } | false;
}

/** Defaults: addresses of members silent for 10 minutes are forgotten; candidates after 1 minute. */
export const DEFAULT_FORGET_MS = 600_000;
export const DEFAULT_CANDIDATE_MS = 60_000;
/** Node ids are 0..2047: a table of twice that leaves room for seeds and candidates. */
export const DEFAULT_MAX_ADDRESSES = 4096;

interface Known {
  /** The node id heard from there, or −1 (a seed or a candidate not yet heard). */
  id: number;
  /** When last heard from (verified), or when learned. */
  heard: number;
  seed: boolean;
  /** Learned from a directory and not yet heard from. */
  candidate: boolean;
  /** No longer its id's current address (a newer incarnation spoke from elsewhere); kept while heard from. */
  displaced: boolean;
}

/** `host:port` → [host, port]; IPv6 hosts in brackets. Undefined when it is not that. */
export function splitHostPort(text: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: m[1] ?? m[2]!, port };
}

export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export class UnicastTransport implements DatagramTransport {
  private readonly known = new Map<string, Known>();
  /**
   * Per node id (arrays indexed by it, read for every datagram: a lookup is one element load, not
   * a hash): its current address, the table entry at that address, and the newest (epoch,
   * sequence number) seen from it, compared as a pair (−1: none).
   */
  private readonly addressOf: (string | undefined)[] = Array.from({ length: MAX_NODE_ID + 1 }, () => undefined);
  private readonly entryOf: (Known | undefined)[] = Array.from({ length: MAX_NODE_ID + 1 }, () => undefined);
  private readonly newestEpoch = new Float64Array(MAX_NODE_ID + 1).fill(-1);
  private readonly newestSeq = new Float64Array(MAX_NODE_ID + 1).fill(-1);
  private handler: ((d: Uint8Array, source?: string) => void) | null = null;
  private readonly limiter: SourceRateLimiter | null;
  private lastGossip: number;
  private closed = false;
  private readonly forgetAfter: number;
  private readonly candidateMs: number;
  private readonly maxAddresses: number;
  /** The addresses `send` goes to, rebuilt only when the table changed (it is read every interval). */
  private sendList: string[] | null = null;
  /** No entry of the table expires before this time: `forget` has nothing to do until then. */
  private forgetCheckAt = -Infinity;
  /** When we last sent our directory to an address (answers to directories are rationed by it). */
  private readonly directorySentAt = new Map<string, number>();
  /** A directory has reached us (a newcomer stops asking its seeds for one). */
  private gotDirectory = false;
  /**
   * The claimed source (`address/id`) per sending address, so that a datagram from a known sender
   * costs no string building; and the datagram being handed up, whose `trust` comes back with it.
   */
  private readonly sourceOf: ({ from: string; source: string } | undefined)[] = Array.from({ length: MAX_NODE_ID + 1 }, () => undefined);
  private receiving: { from: string; source: string } = { from: '', source: '' };
  readonly counters = { received: 0, rateLimited: 0, sent: 0, directoriesSent: 0, directoriesReceived: 0, directoriesDropped: 0, learned: 0, forgotten: 0 };

  constructor(private readonly o: UnicastOptions) {
    this.forgetAfter = o.forgetAfterMs ?? DEFAULT_FORGET_MS;
    this.candidateMs = o.candidateMs ?? DEFAULT_CANDIDATE_MS;
    this.maxAddresses = o.maxAddresses ?? DEFAULT_MAX_ADDRESSES;
    const r = o.rateLimit === undefined ? DEFAULT_RATE_LIMIT : o.rateLimit;
    this.limiter = r === false ? null : new SourceRateLimiter(r.perSecond, r.burst ?? r.perSecond, o.now, this.maxAddresses, r.untrustedPerSecond ?? r.perSecond);
    this.lastGossip = o.now();
    for (const s of o.seeds) if (s !== o.socket.address) this.known.set(s, { id: -1, heard: o.now(), seed: true, candidate: false, displaced: false });
    o.socket.onReceive((d, from) => this.receive(d, from));
  }

  /** The addresses heartbeats go to now (for tests and `frog members --json`). */
  addresses(): string[] {
    return [...this.known.keys()];
  }

  send(datagram: Uint8Array): void {
    if (this.closed) return;
    const now = this.o.now();
    this.forget(now);
    if (!this.gotDirectory && this.knowsOnlySeeds()) {
      // A newcomer asks its seeds for the addresses they know: our directory (ourselves and what we
      // have heard) is the question, and a seed that knows more answers with its own.
      for (const [address, k] of this.known) if (k.seed) this.sendDirectory(address);
    }
    const to = (this.sendList ??= [...this.known.keys()]);
    if (to.length > 0) {
      this.o.socket.send(datagram, to);
      this.counters.sent += to.length;
    }
    if (now - this.lastGossip >= this.o.gossipMs && to.length > 0) {
      this.lastGossip = now;
      this.sendDirectory(to[Math.floor(this.o.random() * to.length)]!);
    }
  }

  onReceive(handler: (datagram: Uint8Array, source?: string) => void): void {
    this.handler = handler;
  }

  /**
   * The authentication layer verified `datagram` from `source` (`host:port/id`): learn the address
   * if the datagram is a heartbeat newer than any seen from that id.
   */
  trust(source: string, datagram?: Uint8Array): void {
    this.limiter?.trust(source);
    if (datagram === undefined || datagram[5] !== TYPE_HEARTBEAT || datagram.length < 30) return;
    // The datagram `receive` is handing up comes back here: its address is known without parsing.
    const address = source === this.receiving.source ? this.receiving.from : source.slice(0, source.lastIndexOf('/'));
    const id = (datagram[12]! << 8) | datagram[13]!;
    // Beyond the node ids a heartbeat may carry: the decoder drops it as malformed; nothing to learn.
    if (id > MAX_NODE_ID) return;
    // Two 64-bit big-endian integers, read as two 32-bit halves (exact below 2^53, as on the wire).
    const epoch = u32(datagram, 14) * 2 ** 32 + u32(datagram, 18);
    const seq = u32(datagram, 22) * 2 ** 32 + u32(datagram, 26);
    // Any authentic heartbeat keeps its known address alive (a displaced one included); only a newer one teaches.
    const heardAt = this.known.get(address);
    if (heardAt !== undefined && heardAt.id === id) heardAt.heard = this.o.now();
    const lastEpoch = this.newestEpoch[id]!;
    if (lastEpoch >= 0 && (epoch < lastEpoch || (epoch === lastEpoch && seq <= this.newestSeq[id]!))) return;
    this.newestEpoch[id] = epoch;
    this.newestSeq[id] = seq;
    this.learn(address, id, this.o.now());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.o.socket.close();
  }

  private receive(d: Uint8Array, from: string): void {
    if (this.closed) return;
    try {
      const source = this.claimedSource(d, from);
      if (source !== undefined && this.limiter !== null && !this.limiter.allow(source)) {
        this.counters.rateLimited++;
        return;
      }
      this.counters.received++;
      if (source !== undefined && d[5] === TYPE_DIRECTORY) return this.receiveDirectory(d, from);
      if (source !== undefined) {
        this.receiving.from = from;
        this.receiving.source = source;
      }
      this.handler?.(d, source);
    } catch {
      // Nothing the network sends throws out of here.
    }
  }

  /** claimedSource (udp-multicast-transport.ts), remembered per claimed node id with its address. */
  private claimedSource(d: Uint8Array, from: string): string | undefined {
    if (!looksOurs(d)) return undefined;
    const id = (d[12]! << 8) | d[13]!;
    if (id > MAX_NODE_ID) return claimedSource(d, from);
    const c = this.sourceOf[id];
    if (c !== undefined && c.from === from) return c.source;
    const source = claimedSource(d, from)!;
    this.sourceOf[id] = { from, source };
    return source;
  }

  private receiveDirectory(d: Uint8Array, from: string): void {
    if (checkDatagram(this.o.key, d) !== null) {
      this.counters.directoriesDropped++;
      return;
    }
    let dir;
    try {
      dir = decodeDirectory(d);
    } catch {
      this.counters.directoriesDropped++;
      return;
    }
    if (dir.systemMagic !== this.o.systemMagic) return;
    this.counters.directoriesReceived++;
    this.gotDirectory = true;
    const now = this.o.now();
    const listed = new Set<string>();
    for (const e of dir.entries) {
      const address = joinHostPort(e.host, e.port);
      listed.add(address);
      this.addCandidate(e.id, address, now);
    }
    // A whole directory (one datagram of fewer than MAX_DIRECTORY_ENTRIES: `sendDirectory` fills
    // every datagram of a longer one) that lacks an address we have heard from: a newcomer asking,
    // or a member of a small group that knows less. It gets ours, once per gossip period at most, so
    // that two directories never ping-pong.
    if (dir.entries.length < MAX_DIRECTORY_ENTRIES && !this.lacksNothing(listed, from) && now - (this.directorySentAt.get(from) ?? -Infinity) >= this.o.gossipMs) {
      this.sendDirectory(from);
    }
  }

  /** Every address we have heard from (but `except`) is in `listed`. */
  private lacksNothing(listed: Set<string>, except: string): boolean {
    for (const [address, k] of this.known) if (k.id >= 0 && !k.candidate && address !== except && !listed.has(address)) return false;
    return true;
  }

  /** An entry of a directory: a candidate, unless the id or the address is known already. */
  private addCandidate(id: number, address: string, now: number): void {
    // This peer's own id at another address is a candidate too: a duplicate must hear the peer it duplicates.
    if (address === this.o.socket.address || this.known.has(address)) return;
    // An id whose address was heard from recently keeps it: a directory only fills gaps.
    const current = this.addressOf[id];
    if (current !== undefined && !this.known.get(current)!.candidate) return;
    if (this.known.size >= this.maxAddresses) return;
    this.add(address, { id, heard: now, seed: false, candidate: true, displaced: false }, now);
  }

  /** A new entry of the table. */
  private add(address: string, k: Known, now: number): void {
    this.known.set(address, k);
    this.sendList = null;
    const expires = now + (k.candidate ? this.candidateMs : this.forgetAfter);
    if (expires < this.forgetCheckAt) this.forgetCheckAt = expires;
  }

  /** No address but seeds has been heard from. */
  private knowsOnlySeeds(): boolean {
    for (const k of this.known.values()) if (!k.seed && !k.candidate && k.id >= 0) return false;
    return true;
  }

  private learn(address: string, id: number, now: number): void {
    const old = this.addressOf[id];
    if (old === address) {
      // The common case: a member heard from where we already know it (entryOf[id] is the
      // table's entry at addressOf[id], or undefined).
      const k = this.entryOf[id];
      if (k !== undefined && k.id === id && !k.candidate) {
        k.heard = now;
        return;
      }
    }
    if (address === this.o.socket.address) return;
    if (old !== undefined && old !== address) {
      // Kept while it is heard from: a restart's old address falls silent and goes after candidateMs.
      const k = this.known.get(old);
      if (k && !k.seed) k.displaced = true;
      else if (k) k.id = -1;
    }
    this.addressOf[id] = address;
    const k = this.known.get(address);
    this.entryOf[id] = k;
    if (k !== undefined) {
      const wasNew = k.candidate || k.id !== id;
      k.id = id;
      k.heard = now;
      k.candidate = false;
      k.displaced = false;
      if (wasNew) this.greet(address);
      return;
    }
    if (this.known.size >= this.maxAddresses) return;
    const entry: Known = { id, heard: now, seed: false, candidate: false, displaced: false };
    this.add(address, entry, now);
    this.entryOf[id] = entry;
    this.counters.learned++;
    this.greet(address);
  }

  /**
   * A member heard from at a new address gets the addresses we know, and then heartbeats them all,
   * while our directory fits one datagram (at most MAX_DIRECTORY_ENTRIES members). In a larger
   * group every member learns every newcomer, and answering each would cost ⌈n/48⌉ datagrams per
   * member per newcomer: n·⌈n/48⌉ for one join, about 21,000 at 1,000 peers. There a newcomer asks
   * its seeds instead (`send`), and gossip repairs the rest (docs/design/group.md §7).
   */
  private greet(address: string): void {
    let heard = 0;
    for (const k of this.known.values()) if (k.id >= 0 && !k.candidate && ++heard >= MAX_DIRECTORY_ENTRIES) return;
    this.sendDirectory(address);
  }

  private forget(now: number): void {
    if (now <= this.forgetCheckAt) return;
    // Entries are only ever heard from later than their expiry says: the next check is at the
    // earliest expiry of what stays.
    let next = Infinity;
    for (const [address, k] of this.known) {
      if (k.seed) continue;
      const limit = k.candidate || k.displaced ? this.candidateMs : this.forgetAfter;
      if (now - k.heard <= limit) {
        if (k.heard + limit < next) next = k.heard + limit;
        continue;
      }
      this.known.delete(address);
      this.sendList = null;
      if (k.id >= 0 && this.addressOf[k.id] === address) {
        this.addressOf[k.id] = undefined;
        this.entryOf[k.id] = undefined;
      }
      this.counters.forgotten++;
    }
    this.forgetCheckAt = next;
    if (this.directorySentAt.size > this.maxAddresses) this.directorySentAt.clear();
  }

  /** Our directory (every member address heard from, ourselves included) to one address. */
  private sendDirectory(to: string): void {
    if (this.closed) return;
    this.directorySentAt.set(to, this.o.now());
    const entries: DirectoryEntry[] = [];
    const self = splitHostPort(this.o.socket.address);
    if (self && self.host !== '0.0.0.0' && self.host !== '::') entries.push({ id: this.o.nodeId, ...self });
    const now = this.o.now();
    for (const [address, k] of this.known) {
      if (k.id < 0 || k.candidate || address === to) continue;
      // A displaced address is passed on only while it is heard from (a duplicate's incumbent), not a restart's old one.
      if (k.displaced && now - k.heard > this.o.gossipMs) continue;
      const hp = splitHostPort(address);
      if (hp && /^[0-9a-fA-F:.]+$/.test(hp.host)) entries.push({ id: k.id, ...hp });
    }
    try {
      for (let i = 0; i < entries.length; i += MAX_DIRECTORY_ENTRIES) {
        const part = entries.slice(i, i + MAX_DIRECTORY_ENTRIES);
        // The last datagram of a longer directory is filled up with entries from the first, so that
        // only a whole directory is ever shorter than MAX_DIRECTORY_ENTRIES (`receiveDirectory`).
        if (i > 0) for (let j = 0; part.length < MAX_DIRECTORY_ENTRIES; j++) part.push(entries[j]!);
        this.o.socket.send(sealDatagram(this.o.key, encodeDirectory(this.o.systemMagic, this.o.nodeId, part)), [to]);
        this.counters.directoriesSent++;
      }
    } catch {
      // An address that cannot be encoded is left out of no one's heartbeats; nothing to do.
    }
  }
}

/** Several datagram transports as one: a peer that hears multicast and unicast (a mixed group is one group). */
export class CombinedDatagramTransport implements DatagramTransport {
  constructor(private readonly parts: readonly DatagramTransport[]) {}

  send(datagram: Uint8Array): void {
    for (const p of this.parts) p.send(datagram);
  }

  onReceive(handler: (datagram: Uint8Array, source?: string) => void): void {
    // Each part's sources are its own: trust goes back to the part a datagram came from.
    this.parts.forEach((p, i) => p.onReceive((d, source) => handler(d, source === undefined ? undefined : `${i}|${source}`)));
  }

  trust(source: string, datagram?: Uint8Array): void {
    const bar = source.indexOf('|');
    this.parts[Number(source.slice(0, bar))]?.trust?.(source.slice(bar + 1), datagram);
  }

  get counters(): Record<string, unknown> {
    return Object.fromEntries(this.parts.map((p, i) => [p instanceof UnicastTransport ? 'unicast' : i === 0 ? 'multicast' : `part${i}`, (p as { counters?: unknown }).counters]));
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.parts.map((p) => p.close()));
  }
}

/** What claimedSource checks before it names a source: size, protocol magic, version. */
function looksOurs(d: Uint8Array): boolean {
  return d.length >= MIN_DATAGRAM && d.length <= MAX_DATAGRAM && ((d[0]! << 24) | (d[1]! << 16) | (d[2]! << 8) | d[3]!) >>> 0 === PROTOCOL_MAGIC && d[4] === WIRE_VERSION;
}

function u32(d: Uint8Array, at: number): number {
  return ((d[at]! << 24) >>> 0) + ((d[at + 1]! << 16) | (d[at + 2]! << 8) | d[at + 3]!);
}
