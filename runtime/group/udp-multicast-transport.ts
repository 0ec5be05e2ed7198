/**
 * The real group transport: UDP multicast, TTL 1, on an explicitly named interface. The only file
 * that imports `node:dgram`. Loopback recipe: `reuseAddr`, membership and outgoing interface both set
 * to the interface address (127.0.0.1 by default), so nothing leaves the machine unless asked.
 * On Linux the socket is bound to the group address itself, not to every address: unicast datagrams
 * sent to the port, and other groups' traffic on the same port, never reach it.
 * Datagrams larger than the protocol maximum are passed up as-is and dropped (`size`) by the
 * authentication layer; the socket buffer bounds them.
 *
 * Flooding (docs/design/group.md §6.2 item 8): before anything else, each source address has a token bucket;
 * a datagram beyond it is dropped unread and counted (`counters.rateLimited`). Flooding remains a
 * timeliness failure by design — a flood from one address can starve the peers behind that address
 * (on loopback, every local peer), and a spoofed source address escapes the bucket — but it no longer
 * costs an HMAC per datagram.
 */
import dgram from 'node:dgram';
import { FrogError } from '../../core/errors.js';
import { Messages, type MessageEntry } from '../../core/messages/index.js';
import type { DatagramTransport } from './transport.js';

export interface MulticastOptions {
  group: string;
  port: number;
  /** The interface address; always explicit. */
  interfaceAddress: string;
  ttl?: number;
  /**
   * The per-source token bucket: datagrams per second and burst; `false` turns it off. The default
   * follows §6.2's 10×N/I for N = 200 peers behind one address at the fastest profile's I = 200 ms.
   */
  rateLimit?: { perSecond: number; burst?: number } | false;
}

export const DEFAULT_RATE_LIMIT = { perSecond: 10_000, burst: 10_000 };
/** Sources tracked at once; beyond that, untracked sources share one bucket. */
export const MAX_RATE_SOURCES = 1024;

/**
 * Token buckets per source address: `perSecond` tokens a second, at most `burst`. The map is bounded:
 * when it is full, sources whose bucket has refilled are forgotten (looked for at most every 100 ms,
 * so that a flood from ever new addresses costs no more than one lookup each), and a new source that
 * still finds no room shares one overflow bucket with the others in that case.
 */
export class SourceRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly overflow: { tokens: number; at: number };
  private readonly burst: number;
  private lastSweep = -Infinity;

  constructor(
    private readonly perSecond: number,
    burst: number = perSecond,
    private readonly now: () => number = Date.now,
    private readonly maxSources: number = MAX_RATE_SOURCES,
  ) {
    if (!(perSecond > 0) || !(burst >= 1)) throw new RangeError('a rate limit needs perSecond > 0 and burst >= 1');
    this.burst = burst;
    this.overflow = { tokens: burst, at: now() };
  }

  get sources(): number {
    return this.buckets.size;
  }

  /** Takes one token from `source`'s bucket; false when it is empty. */
  allow(source: string): boolean {
    const now = this.now();
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
  private handler: ((d: Uint8Array) => void) | null = null;
  private closed = false;
  private readonly limiter: SourceRateLimiter | null;
  sendErrors = 0;
  readonly counters = { received: 0, rateLimited: 0 };

  private constructor(private readonly socket: dgram.Socket, private readonly options: MulticastOptions) {
    const r = options.rateLimit === undefined ? DEFAULT_RATE_LIMIT : options.rateLimit;
    this.limiter = r === false ? null : new SourceRateLimiter(r.perSecond, r.burst ?? r.perSecond);
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
          resolve();
        } catch (e) {
          socket.close();
          reject(new TransportError(Messages.MulticastJoinFailed, { group: options.group, interface: options.interfaceAddress, reason: e instanceof Error ? e.message : String(e) }));
        }
      });
    });
    socket.on('message', (msg, rinfo) => {
      if (t.closed) return;
      if (t.limiter !== null && !t.limiter.allow(rinfo.address)) {
        t.counters.rateLimited++;
        return;
      }
      t.counters.received++;
      t.handler?.(msg);
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

  onReceive(handler: (datagram: Uint8Array) => void): void {
    this.handler = handler;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}
