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
 *  - directories (wire.ts, type 2): a member that hears a new address sends it the addresses it
 *    knows (the newcomer then heartbeats them all, and they learn its address from that), and once
 *    every `gossipMs` one random member gets them (anti-entropy, for lost directories). A directory
 *    is authenticated here, with the group key, exactly as heartbeats are above; its entries are
 *    candidates, sent to until heard from or forgotten after `candidateMs`. An entry with this
 *    peer's own node id at another address is a candidate too: a duplicate must hear the peer it
 *    duplicates to refuse itself (docs/design/group.md §2.1 "Identity clashes").
 * An address not heard from for `forgetAfterMs` (a member gone for long) is forgotten; seeds are not.
 *
 * No timers: forgetting and gossip run when a heartbeat is sent (every interval). Flooding: the
 * same per-source token buckets as the multicast transport (SourceRateLimiter), before any HMAC.
 * The table is bounded (`maxAddresses`); a peer survives anything the network sends.
 */
import { checkDatagram, sealDatagram, type GroupKey } from './authenticated-transport.js';
import type { DatagramTransport } from './transport.js';
import { claimedSource, DEFAULT_RATE_LIMIT, SourceRateLimiter } from './udp-multicast-transport.js';
import { decodeDirectory, encodeDirectory, MAX_DIRECTORY_ENTRIES, TYPE_DIRECTORY, TYPE_HEARTBEAT, type DirectoryEntry } from './wire.js';

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
  /** Node id → its current address. */
  private readonly addressOf = new Map<number, string>();
  /** Node id → the newest (epoch, seq) seen from it, epoch·2^20-free: compared as a pair. */
  private readonly newest = new Map<number, { epoch: number; seq: number }>();
  private handler: ((d: Uint8Array, source?: string) => void) | null = null;
  private readonly limiter: SourceRateLimiter | null;
  private lastGossip: number;
  private closed = false;
  private readonly forgetAfter: number;
  private readonly candidateMs: number;
  private readonly maxAddresses: number;
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
    const to = [...this.known.keys()];
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
    const slash = source.lastIndexOf('/');
    const address = source.slice(0, slash);
    const id = (datagram[12]! << 8) | datagram[13]!;
    const b = Buffer.from(datagram.buffer, datagram.byteOffset, datagram.byteLength);
    const epoch = Number(b.readBigUInt64BE(14));
    const seq = Number(b.readBigUInt64BE(22));
    // Any authentic heartbeat keeps its known address alive (a displaced one included); only a newer one teaches.
    const k = this.known.get(address);
    if (k !== undefined && k.id === id) k.heard = this.o.now();
    const last = this.newest.get(id);
    if (last !== undefined && (epoch < last.epoch || (epoch === last.epoch && seq <= last.seq))) return;
    this.newest.set(id, { epoch, seq });
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
      const source = claimedSource(d, from);
      if (source !== undefined && this.limiter !== null && !this.limiter.allow(source)) {
        this.counters.rateLimited++;
        return;
      }
      this.counters.received++;
      if (source !== undefined && d[5] === TYPE_DIRECTORY) return this.receiveDirectory(d, from);
      this.handler?.(d, source);
    } catch {
      // Nothing the network sends throws out of here.
    }
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
    const now = this.o.now();
    for (const e of dir.entries) {
      const address = joinHostPort(e.host, e.port);
      if (address === this.o.socket.address || this.known.has(address)) continue;
      // An id whose address was heard from recently keeps it: a directory only fills gaps.
      const current = this.addressOf.get(e.id);
      if (current !== undefined && !this.known.get(current)!.candidate) continue;
      if (this.known.size >= this.maxAddresses) return;
      this.known.set(address, { id: e.id, heard: now, seed: false, candidate: true, displaced: false });
    }
    void from;
  }

  private learn(address: string, id: number, now: number): void {
    if (address === this.o.socket.address) return;
    const old = this.addressOf.get(id);
    if (old !== undefined && old !== address) {
      // Kept while it is heard from: a restart's old address falls silent and goes after candidateMs.
      const k = this.known.get(old);
      if (k) k.displaced = true;
    }
    this.addressOf.set(id, address);
    const k = this.known.get(address);
    if (k !== undefined) {
      const wasNew = k.candidate || k.id !== id;
      k.id = id;
      k.heard = now;
      k.candidate = false;
      k.displaced = false;
      if (wasNew) this.sendDirectory(address);
      return;
    }
    if (this.known.size >= this.maxAddresses) return;
    this.known.set(address, { id, heard: now, seed: false, candidate: false, displaced: false });
    this.counters.learned++;
    // A newcomer: it gets the addresses we know, and then heartbeats them all.
    this.sendDirectory(address);
  }

  private forget(now: number): void {
    for (const [address, k] of this.known) {
      if (k.seed) continue;
      const limit = k.candidate || k.displaced ? this.candidateMs : this.forgetAfter;
      if (now - k.heard <= limit) continue;
      this.known.delete(address);
      if (k.id >= 0 && this.addressOf.get(k.id) === address) this.addressOf.delete(k.id);
      this.counters.forgotten++;
    }
  }

  /** Our directory (every member address heard from, ourselves included) to one address. */
  private sendDirectory(to: string): void {
    if (this.closed) return;
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
        this.o.socket.send(sealDatagram(this.o.key, encodeDirectory(this.o.systemMagic, this.o.nodeId, entries.slice(i, i + MAX_DIRECTORY_ENTRIES))), [to]);
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
