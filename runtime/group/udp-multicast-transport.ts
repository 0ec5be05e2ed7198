/**
 * The real group transport: UDP multicast, TTL 1, on an explicitly named interface. With
 * udp-unicast-socket.ts (`--join`), the only file
 * that imports `node:dgram`. Loopback recipe: `reuseAddr`, membership and outgoing interface both set
 * to the interface address (127.0.0.1 by default), so nothing leaves the machine unless asked.
 * On Linux the socket is bound to the group address itself, not to every address: unicast datagrams
 * sent to the port, and other groups' traffic on the same port, never reach it.
 * Datagrams larger than the protocol maximum are passed up as-is and dropped (`size`) by the
 * authentication layer; the socket buffer bounds them.
 *
 * Flooding (docs/design/group.md §6.2 item 8): cheap checks first. A datagram whose size, magic
 * or version is wrong is passed up at once, to be dropped by those same cheap checks (no HMAC), and
 * takes nobody's budget. Every other datagram has a token bucket per source: its address and the
 * node id its header claims (peers on one machine share an address and the group port, not an id);
 * one beyond it is dropped unread and counted (`counters.rateLimited`). Sources whose datagrams the
 * authentication layer verified are trusted (`trust`) and keep buckets of their own, while all the
 * other sources together also share one bucket, so that a flood, of garbage or of forged headers
 * under ever new ids, neither costs an HMAC per datagram nor takes the budget of the group's peers.
 * It remains a timeliness failure by design when it fills the socket's own buffer, or when it
 * forges a member's own id from that member's address.
 */
import dgram from 'node:dgram';
import { FrogError } from '../../core/errors.js';
import { Messages, type MessageEntry } from '../../core/messages/index.js';
import type { DatagramTransport } from './transport.js';
import { KEEPALIVE_BYTES, KEEPALIVE_OFFSET_NODE_ID, MAX_DATAGRAM, MIN_DATAGRAM, PROTOCOL_MAGIC, WIRE_VERSION } from './wire.js';

export interface MulticastOptions {
  group: string;
  port: number;
  /** The interface address; always explicit. */
  interfaceAddress: string;
  ttl?: number;
  /**
   * The per-source token bucket: datagrams per second and burst, and the rate all untrusted
   * sources share (default: the per-source rate); `false` turns it off.
   */
  rateLimit?: { perSecond: number; burst?: number; untrustedPerSecond?: number } | false;
}

/**
 * A source is one member (address and node id): §6.2's 10×N/I is 50 a second for N = 1 at the
 * fastest profile's I = 200 ms; twice that. Sources not yet verified (a member joining, or a
 * flood) share 1,000 a second: a joining member needs a handful.
 */
export const DEFAULT_RATE_LIMIT = { perSecond: 100, burst: 100, untrustedPerSecond: 1000 };
/** The socket receive buffer asked for. */
export const RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;
/** Sources tracked at once; beyond that, untracked sources share one bucket. */
export const MAX_RATE_SOURCES = 1024;

/** How long a source stays trusted after its last verified datagram. */
export const TRUST_MS = 60_000;

/**
 * Token buckets per source: `perSecond` tokens a second, at most `burst`. The map is bounded:
 * when it is full, sources whose bucket has refilled are forgotten (looked for at most every 100 ms,
 * so that a flood from ever new addresses costs no more than one lookup each), and a new source that
 * still finds no room shares one overflow bucket with the others in that case. Trusted sources
 * (`trust`) have buckets of their own that are never forgotten while the trust lasts; untrusted
 * sources also draw on one shared bucket of the same rate, so that together they never get more.
 */
export class SourceRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly trusted = new Map<string, { tokens: number; at: number; until: number }>();
  private readonly untrusted: { tokens: number; at: number };
  private readonly overflow: { tokens: number; at: number };
  private readonly burst: number;
  /** The burst of the bucket untrusted sources share: the per-source burst, scaled to its rate. */
  private readonly sharedBurst: number;
  private lastSweep = -Infinity;

  constructor(
    private readonly perSecond: number,
    burst: number = perSecond,
    private readonly now: () => number = Date.now,
    private readonly maxSources: number = MAX_RATE_SOURCES,
    private readonly untrustedPerSecond: number = perSecond,
  ) {
    if (!(perSecond > 0) || !(burst >= 1) || !(untrustedPerSecond > 0)) throw new RangeError('a rate limit needs perSecond > 0, burst >= 1 and untrustedPerSecond > 0');
    this.burst = burst;
    this.overflow = { tokens: burst, at: now() };
    this.sharedBurst = Math.max(1, (burst * untrustedPerSecond) / perSecond);
    this.untrusted = { tokens: this.sharedBurst, at: now() };
  }

  /** A datagram from `source` was verified: it keeps a bucket of its own for TRUST_MS. */
  trust(source: string): void {
    const now = this.now();
    const t = this.trusted.get(source);
    if (t) {
      t.until = now + TRUST_MS;
      return;
    }
    if (this.trusted.size >= this.maxSources) {
      for (const [s, x] of this.trusted) if (x.until < now) this.trusted.delete(s);
      if (this.trusted.size >= this.maxSources) return;
    }
    const b = this.buckets.get(source);
    this.trusted.set(source, { tokens: b ? this.level(b, now) : this.burst, at: now, until: now + TRUST_MS });
    this.buckets.delete(source);
  }

  get sources(): number {
    return this.buckets.size;
  }

  /** Takes one token from `source`'s bucket; false when it is empty. */
  allow(source: string): boolean {
    const now = this.now();
    const t = this.trusted.get(source);
    if (t !== undefined) {
      if (t.until >= now) return this.take(t, now);
      this.trusted.delete(source);
    }
    let b = this.buckets.get(source);
    if (b === undefined) {
      if (this.buckets.size >= this.maxSources && now - this.lastSweep >= 100) {
        this.lastSweep = now;
        for (const [s, x] of this.buckets) if (this.level(x, now) >= this.burst) this.buckets.delete(s);
      }
      if (this.buckets.size < this.maxSources) {
        b = { tokens: this.burst, at: now };
        this.buckets.set(source, b);
      } else b = this.overflow;
    }
    // Both the source's own bucket and the one all untrusted sources share.
    const level = this.level(b, now);
    const shared = Math.min(this.sharedBurst, this.untrusted.tokens + (Math.max(0, now - this.untrusted.at) * this.untrustedPerSecond) / 1000);
    b.tokens = level;
    b.at = now;
    this.untrusted.tokens = shared;
    this.untrusted.at = now;
    if (level < 1 || shared < 1) return false;
    b.tokens -= 1;
    this.untrusted.tokens -= 1;
    return true;
  }

  private take(b: { tokens: number; at: number }, now: number): boolean {
    b.tokens = this.level(b, now);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  private level(b: { tokens: number; at: number }, now: number): number {
    return Math.min(this.burst, b.tokens + (Math.max(0, now - b.at) * this.perSecond) / 1000);
  }
}

/**
 * The source a well-formed datagram claims, `address/id`: undefined for one whose size, magic or
 * version is wrong, which the authentication layer drops at the same cost as this check.
 */
export function claimedSource(d: Uint8Array, address: string): string | undefined {
  if ((d.length < MIN_DATAGRAM && d.length !== KEEPALIVE_BYTES) || d.length > MAX_DATAGRAM) return undefined;
  if (((d[0]! << 24) | (d[1]! << 16) | (d[2]! << 8) | d[3]!) >>> 0 !== PROTOCOL_MAGIC || d[4] !== WIRE_VERSION) return undefined;
  const at = d.length === KEEPALIVE_BYTES ? KEEPALIVE_OFFSET_NODE_ID : 12;
  return `${address}/${(d[at]! << 8) | d[at + 1]!}`;
}

/** The group port cannot be bound (SF4507) or the group joined (SF4508). */
export class TransportError extends FrogError {
  constructor(entry: MessageEntry, params: Record<string, unknown>) {
    super(entry, params);
    this.name = 'TransportError';
  }
}

/**
 * Linux delivers to a socket bound to a multicast address only the datagrams sent to that group.
 * Elsewhere (where binding to a group address means something else or fails), and for IPv6 groups
 * of interface- or link-local scope (which would need a scope id), the wildcard address.
 */
function bindAddress(group: string): string | undefined {
  if (process.platform !== 'linux') return undefined;
  if (!group.includes(':')) return group;
  const first = group.toLowerCase().split(':')[0]!;
  return first.length === 4 && first.startsWith('ff') && parseInt(first[3]!, 16) > 2 ? group : undefined;
}

export class UdpMulticastTransport implements DatagramTransport {
  private handler: ((d: Uint8Array, source?: string) => void) | null = null;
  private closed = false;
  private readonly limiter: SourceRateLimiter | null;
  sendErrors = 0;
  readonly counters = { received: 0, rateLimited: 0 };

  private constructor(private readonly socket: dgram.Socket, private readonly options: MulticastOptions) {
    const r = options.rateLimit === undefined ? DEFAULT_RATE_LIMIT : options.rateLimit;
    this.limiter = r === false ? null : new SourceRateLimiter(r.perSecond, r.burst ?? r.perSecond, Date.now, MAX_RATE_SOURCES, r.untrustedPerSecond ?? r.perSecond);
  }

  /** Binds the group port and joins the group on the interface. Rejects with a TransportError. */
  static async open(options: MulticastOptions): Promise<UdpMulticastTransport> {
    const socket = dgram.createSocket({ type: options.group.includes(':') ? 'udp6' : 'udp4', reuseAddr: true });
    const t = new UdpMulticastTransport(socket, options);
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error) => reject(new TransportError(Messages.GroupPortUnavailable, { port: options.port, reason: e.message }));
      socket.once('error', onError);
      socket.bind({ port: options.port, address: bindAddress(options.group) }, () => {
        socket.off('error', onError);
        try {
          socket.addMembership(options.group, options.interfaceAddress);
          socket.setMulticastInterface(options.interfaceAddress);
          socket.setMulticastTTL(options.ttl ?? 1);
          socket.setMulticastLoopback(true);
          // Room for a burst: a flood then costs only what it takes to drop it, not the
          // heartbeats queued behind it (the kernel caps this at net.core.rmem_max).
          try {
            socket.setRecvBufferSize(RECEIVE_BUFFER_BYTES);
          } catch {
            // The system's default buffer, then.
          }
          resolve();
        } catch (e) {
          socket.close();
          reject(new TransportError(Messages.MulticastJoinFailed, { group: options.group, interface: options.interfaceAddress, reason: e instanceof Error ? e.message : String(e) }));
        }
      });
    });
    socket.on('message', (msg, rinfo) => {
      if (t.closed) return;
      const source = claimedSource(msg, rinfo.address);
      if (source !== undefined && t.limiter !== null && !t.limiter.allow(source)) {
        t.counters.rateLimited++;
        return;
      }
      t.counters.received++;
      t.handler?.(msg, source);
    });
    // Errors after binding (for example ICMP on send) are counted, never thrown.
    socket.on('error', () => t.sendErrors++);
    return t;
  }

  send(datagram: Uint8Array): void {
    if (this.closed) return;
    this.socket.send(datagram, this.options.port, this.options.group, (err) => {
      if (err) this.sendErrors++;
    });
  }

  onReceive(handler: (datagram: Uint8Array, source?: string) => void): void {
    this.handler = handler;
  }

  /** The authentication layer verified a datagram from `source`. */
  trust(source: string): void {
    this.limiter?.trust(source);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}
