/**
 * Peer-to-peer messages over TCP (docs/design/group.md §2.1, §6.2 items 3–6, 8). Each peer opens its own outgoing
 * connection to each peer it sends to and accepts incoming ones for receiving, so every link carries
 * one direction of messages. All integers big-endian.
 *
 * On accepting a connection the receiver sends one **hello**, then nothing else:
 *
 * | size | field |
 * |------|-------|
 * | 4    | hello magic 0x46524F48 ("FROH") |
 * | 1    | version (2) |
 * | 1    | key id |
 * | 2    | receiver node id |
 * | 8    | receiver epoch (its incarnation) |
 * | 16   | challenge: fresh random bytes for this connection |
 * | 16   | HMAC-SHA256 over magic..challenge, truncated |
 *
 * The sender checks the hello (tag, and that the id is the peer it meant to reach), then sends frames:
 *
 * | size | field |
 * |------|-------|
 * | 4    | frame magic 0x46524F4D ("FROM") |
 * | 1    | version (2) |
 * | 1    | key id |
 * | 4    | body length n (checked before anything is buffered: ≤ MAX_OPEN_FRAME for the first frame, ≤ maxFrame after) |
 * | n    | msgpack `[from, epoch, to, toEpoch, challenge, seq, message]` |
 * | 16   | HMAC-SHA256 over magic..body, truncated |
 *
 * Every frame names its destination (`to`, `toEpoch`: the receiver's id and incarnation, from the
 * hello) and the connection (`challenge`), under the tag. A captured frame therefore cannot be replayed
 * to another peer (`destination`), to a later incarnation of the same peer (`incarnation`), or on
 * another connection to the same incarnation (`replay`); within a connection `seq` runs 0, 1, 2, …
 * (`order`). The first frame (`seq` 0, the open frame) carries no message: it authenticates the
 * connection, so nothing larger than MAX_OPEN_FRAME is buffered for a sender not yet authenticated.
 * A sender's epoch lower than one already accepted from that id is refused (`stale`).
 *
 * Anything refused closes the connection and is counted by reason in `counters.dropped` (frame-level
 * reasons also in `badFrames`); once the sender was authenticated, it is reported as a link failure of
 * that peer (untimeliness). Inbound connections are capped (in all, and not yet authenticated: in all
 * and per source address), and one that has not authenticated within the handshake timeout is closed.
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { Packr } from 'msgpackr';
import { MAX_NODE_ID } from './bitset.js';
import type { GroupKey } from './authenticated-transport.js';
import type { LinkFailure, LinkFailureCause, MessageTransport, PeerAddress } from './transport.js';
import type { Contact } from './wire.js';

export const FRAME_MAGIC = 0x46524f4d;
export const HELLO_MAGIC = 0x46524f48;
export const FRAME_VERSION = 2;
export const DEFAULT_MAX_FRAME = 1024 * 1024;
/** The largest body of a connection's first frame (the open frame, about 50 bytes). */
export const MAX_OPEN_FRAME = 256;
export const CHALLENGE_BYTES = 16;
/** How long a connection may stay unauthenticated (inbound: no open frame; outbound: no hello). */
export const DEFAULT_HANDSHAKE_TIMEOUT = 5000;
/** Inbound connections not yet authenticated, in all and from one source address. */
export const DEFAULT_MAX_PENDING = 128;
export const DEFAULT_MAX_PENDING_PER_SOURCE = 32;
/** Inbound connections in all: one per peer id (a newer one replaces an older one) plus the pending ones. */
export const DEFAULT_MAX_CONNECTIONS = MAX_NODE_ID + 1 + DEFAULT_MAX_PENDING;
const HEADER = 10;
const TAG = 16;
const HELLO_BODY = 4 + 1 + 1 + 2 + 8 + CHALLENGE_BYTES;
export const HELLO_BYTES = HELLO_BODY + TAG;
/** Upper bound of a body's bytes besides the message: array, from, epoch, to, toEpoch, challenge, seq. */
const BODY_OVERHEAD = 1 + 3 + 9 + 3 + 9 + 2 + CHALLENGE_BYTES + 9;
/** Outgoing frames buffered per peer while a link is down or slow. */
const MAX_QUEUED = 10_000;

/** Why a connection was refused or closed (the `dropped` counters). */
export const TCP_DROP_REASONS = [
  // a frame (inbound), in the order of the checks
  'magic',
  'version',
  'size',
  'key',
  'auth',
  'malformed',
  'destination',
  'incarnation',
  'replay',
  'order',
  'sender',
  'stale',
  // an inbound connection
  'timeout',
  'connections',
  'pending',
  'source',
  // an outbound connection
  'hello',
  'hello-timeout',
] as const;
export type TcpDropReason = (typeof TCP_DROP_REASONS)[number];
const CONNECTION_REASONS = new Set<TcpDropReason>(['timeout', 'connections', 'pending', 'source', 'hello', 'hello-timeout']);

const packr = new Packr({ useRecords: false, mapsAsObjects: true });
const PACKED_NULL = Buffer.from([0xc0]);

export interface TcpMessageOptions {
  self: number;
  epoch: number;
  key: GroupKey;
  /** Listen address; port 0 picks a free one. */
  host: string;
  port?: number;
  maxFrame?: number;
  handshakeTimeoutMs?: number;
  /**
   * How long an outgoing connection may take to connect and receive the peer's hello before it
   * fails as `timeout` (default: the handshake timeout). `frog peer` uses the profile's timeout T
   * (docs/design/group.md §2.1 "Peer links").
   */
  connectTimeoutMs?: number;
  maxConnections?: number;
  maxPending?: number;
  maxPendingPerSource?: number;
}

interface OutgoingLink {
  socket: net.Socket;
  /** The admission of the peer this link was made for (PeerAddress.admission). */
  admission: number | undefined;
  /** Set once the peer's hello is verified: the bytes every body starts with. */
  prefix: Buffer | null;
  seq: number;
  /** Packed messages waiting for the hello. */
  queue: Buffer[];
  /** Why it is failing, once known (the first reason wins). */
  cause: LinkFailureCause | null;
}

/** The cause of a failed outgoing connection, from its socket error. */
function causeOf(e: Error): LinkFailureCause {
  switch ((e as NodeJS.ErrnoException).code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'reset';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
      return 'unreachable';
    case 'ETIMEDOUT':
      return 'timeout';
    default:
      return 'error';
  }
}

export class TcpMessageTransport implements MessageTransport {
  private server!: net.Server;
  private contact: Contact | null = null;
  private readonly outgoing = new Map<number, OutgoingLink>();
  private readonly incoming = new Set<net.Socket>();
  /** The authenticated inbound connection of each sender. */
  private readonly inboundOf = new Map<number, net.Socket>();
  /** Inbound connections not yet authenticated, per source address. */
  private readonly pendingBySource = new Map<string, number>();
  private pendingCount = 0;
  /** Per sender: the latest incarnation accepted from it. */
  private readonly lastEpoch = new Map<number, number>();
  private messageHandler: ((from: number, m: unknown) => void) | null = null;
  private failureHandler: ((peer: number, failure?: LinkFailure) => void) | null = null;
  private closed = false;
  readonly counters = {
    framesIn: 0,
    framesOut: 0,
    /** Inbound connections closed for a bad frame (every frame-level reason of `dropped`). */
    badFrames: 0,
    dropped: Object.fromEntries(TCP_DROP_REASONS.map((r) => [r, 0])) as Record<TcpDropReason, number>,
  };

  private constructor(private readonly options: TcpMessageOptions) {}

  static async open(options: TcpMessageOptions): Promise<TcpMessageTransport> {
    if (!Number.isSafeInteger(options.epoch) || options.epoch < 0) throw new RangeError(`epoch must be a non-negative integer; got ${options.epoch}`);
    const t = new TcpMessageTransport(options);
    t.server = net.createServer((s) => t.accept(s));
    await new Promise<void>((resolve, reject) => {
      t.server.once('error', reject);
      t.server.listen(options.port ?? 0, options.host, () => resolve());
    });
    const addr = t.server.address() as net.AddressInfo;
    t.contact = { host: options.host, port: addr.port };
    return t;
  }

  get address(): Contact | null {
    return this.contact;
  }

  /** Inbound connections open now (authenticated or not). */
  get inboundConnections(): number {
    return this.incoming.size;
  }

  private get maxFrame(): number {
    return this.options.maxFrame ?? DEFAULT_MAX_FRAME;
  }

  private get handshakeTimeout(): number {
    return this.options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT;
  }

  onMessage(handler: (from: number, message: unknown) => void): void {
    this.messageHandler = handler;
  }

  onLinkFailure(handler: (peer: number, failure?: LinkFailure) => void): void {
    this.failureHandler = handler;
  }

  private drop(reason: TcpDropReason): void {
    this.counters.dropped[reason]++;
    if (!CONNECTION_REASONS.has(reason)) this.counters.badFrames++;
  }

  send(to: PeerAddress, message: unknown): void {
    if (this.closed || !to.contact) return;
    const packed = Buffer.from(packr.pack(message));
    if (packed.length + BODY_OVERHEAD > this.maxFrame) throw new RangeError(`message of ${packed.length} bytes exceeds the frame limit ${this.maxFrame}`);
    let link = this.outgoing.get(to.id);
    if (link !== undefined && to.admission !== undefined && link.admission !== to.admission) {
      // Made for another admission of the peer: given up without a report (its failure, if it
      // came, would belong to that admission), and a new connection made for this one.
      this.outgoing.delete(to.id);
      link.socket.destroy();
      link = undefined;
    }
    link ??= this.connect(to.id, to.contact, to.admission);
    if (link.prefix === null) {
      if (link.queue.length >= MAX_QUEUED) this.failLink(link, 'queue');
      else link.queue.push(packed);
      return;
    }
    if (link.socket.writableLength > MAX_QUEUED * 1024) {
      this.failLink(link, 'queue');
      return;
    }
    this.write(link, packed);
    this.counters.framesOut++;
  }

  /** Ends an outgoing link for `cause` (the report follows from its `close`). */
  private failLink(link: OutgoingLink, cause: LinkFailureCause): void {
    link.cause ??= cause;
    link.socket.destroy();
  }

  private connect(to: number, contact: Contact, admission: number | undefined): OutgoingLink {
    const socket = net.connect({ host: contact.host, port: contact.port });
    socket.setNoDelay(true);
    const link: OutgoingLink = { socket, admission, prefix: null, seq: 0, queue: [], cause: null };
    this.outgoing.set(to, link);
    // Bounded: a SYN to a host cut off can hang for seconds (until address resolution gives up);
    // an attempt not connected and greeted within the connect timeout fails as `timeout`.
    const timer = setTimeout(() => {
      if (link.prefix !== null) return;
      this.drop('hello-timeout');
      this.failLink(link, 'timeout');
    }, this.options.connectTimeoutMs ?? this.handshakeTimeout);
    timer.unref();
    const fail = (e?: Error | boolean) => {
      if (e instanceof Error) link.cause ??= causeOf(e);
      clearTimeout(timer);
      if (this.outgoing.get(to)?.socket !== socket) return;
      this.outgoing.delete(to);
      socket.destroy();
      if (!this.closed) this.failureHandler?.(to, { cause: link.cause ?? 'closed', ...(admission === undefined ? {} : { admission }) });
    };
    socket.on('error', fail);
    socket.on('close', fail);
    let hello: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      // The hello, then nothing is ever sent back on an outgoing link.
      if (link.prefix !== null) return this.failLink(link, 'hello');
      hello = hello.length === 0 ? chunk : Buffer.concat([hello, chunk]);
      if (hello.length < HELLO_BYTES) return;
      const peerEpoch = hello.length === HELLO_BYTES ? this.checkHello(hello, to) : null;
      if (peerEpoch === null) {
        this.drop('hello');
        return this.failLink(link, 'hello');
      }
      clearTimeout(timer);
      const challenge = hello.subarray(HELLO_BODY - CHALLENGE_BYTES, HELLO_BODY);
      link.prefix = Buffer.concat([Buffer.from([0x97]), ...[this.options.self, this.options.epoch, to, peerEpoch, Buffer.from(challenge)].map((v) => packr.pack(v))]);
      this.write(link, PACKED_NULL); // the open frame, seq 0
      for (const m of link.queue) {
        this.write(link, m);
        this.counters.framesOut++;
      }
      link.queue = [];
    });
    return link;
  }

  /** The peer's epoch when the hello is authentic and comes from `expected`, else null. */
  private checkHello(h: Buffer, expected: number): number | null {
    if (h.readUInt32BE(0) !== HELLO_MAGIC || h[4] !== FRAME_VERSION) return null;
    if (this.options.key.verify(h[5]!, h.subarray(0, HELLO_BODY), h.subarray(HELLO_BODY)) !== null) return null;
    if (h.readUInt16BE(6) !== expected) return null;
    const epoch = h.readBigUInt64BE(8);
    return epoch > BigInt(Number.MAX_SAFE_INTEGER) ? null : Number(epoch);
  }

  private hello(challenge: Buffer): Buffer {
    const h = Buffer.alloc(HELLO_BYTES);
    h.writeUInt32BE(HELLO_MAGIC, 0);
    h[4] = FRAME_VERSION;
    h[5] = this.options.key.currentId;
    h.writeUInt16BE(this.options.self, 6);
    h.writeBigUInt64BE(BigInt(this.options.epoch), 8);
    h.set(challenge, 16);
    h.set(this.options.key.tag(h.subarray(0, HELLO_BODY)), HELLO_BODY);
    return h;
  }

  private write(link: OutgoingLink, packedMessage: Buffer): void {
    const body = Buffer.concat([link.prefix!, packr.pack(link.seq++), packedMessage]);
    link.socket.write(this.frame(body));
  }

  /** Builds one authenticated frame around a body (exported for the bad-frame tests). */
  frame(body: Uint8Array): Buffer {
    const f = Buffer.alloc(HEADER + body.length + TAG);
    f.writeUInt32BE(FRAME_MAGIC, 0);
    f[4] = FRAME_VERSION;
    f[5] = this.options.key.currentId;
    f.writeUInt32BE(body.length, 6);
    f.set(body, HEADER);
    f.set(this.options.key.tag(f.subarray(0, HEADER + body.length)), HEADER + body.length);
    return f;
  }

  private accept(socket: net.Socket): void {
    if (this.closed) return void socket.destroy();
    const source = socket.remoteAddress ?? '';
    const refuse =
      this.incoming.size >= (this.options.maxConnections ?? DEFAULT_MAX_CONNECTIONS) ? 'connections'
      : this.pendingCount >= (this.options.maxPending ?? DEFAULT_MAX_PENDING) ? 'pending'
      : (this.pendingBySource.get(source) ?? 0) >= (this.options.maxPendingPerSource ?? DEFAULT_MAX_PENDING_PER_SOURCE) ? 'source'
      : null;
    if (refuse) {
      this.drop(refuse);
      socket.on('error', () => {});
      return void socket.resetAndDestroy();
    }
    this.incoming.add(socket);
    this.pendingCount++;
    this.pendingBySource.set(source, (this.pendingBySource.get(source) ?? 0) + 1);
    let pending = true;
    const timer = setTimeout(() => {
      if (!pending) return;
      this.drop('timeout');
      socket.resetAndDestroy();
    }, this.handshakeTimeout);
    timer.unref();
    const authenticated = () => {
      if (!pending) return;
      pending = false;
      clearTimeout(timer);
      this.pendingCount--;
      const n = this.pendingBySource.get(source)! - 1;
      if (n > 0) this.pendingBySource.set(source, n);
      else this.pendingBySource.delete(source);
    };

    const challenge = randomBytes(CHALLENGE_BYTES);
    let buf: Buffer = Buffer.alloc(0);
    const chunks: Buffer[] = [];
    let chunked = 0;
    let need = HEADER;
    let expected = 0;
    let peer = -1;
    let peerEpoch = -1;
    const bad = (reason: TcpDropReason) => {
      this.drop(reason);
      socket.resetAndDestroy(); // a reset: nothing lingers, and the other side learns at once
      if (peer >= 0 && !this.closed) this.failureHandler?.(peer, { cause: 'frame' });
    };
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      authenticated(); // leaves the pending count
      this.incoming.delete(socket);
      if (peer >= 0 && this.inboundOf.get(peer) === socket) this.inboundOf.delete(peer);
    });
    socket.setNoDelay(true);
    socket.write(this.hello(challenge));
    socket.on('data', (chunk: Buffer) => {
      if (socket.destroyed) return;
      chunks.push(chunk);
      chunked += chunk.length;
      if (buf.length + chunked < need) return; // nothing to parse yet: no copying either
      buf = Buffer.concat([buf, ...chunks]);
      chunks.length = 0;
      chunked = 0;
      for (;;) {
        if (buf.length < HEADER) {
          need = HEADER;
          return;
        }
        if (buf.readUInt32BE(0) !== FRAME_MAGIC) return bad('magic');
        if (buf[4] !== FRAME_VERSION) return bad('version');
        const n = buf.readUInt32BE(6);
        if (n > (peer < 0 ? MAX_OPEN_FRAME : this.maxFrame)) return bad('size'); // before buffering anything of that size
        if (buf.length < HEADER + n + TAG) {
          need = HEADER + n + TAG;
          return;
        }
        const frame = buf.subarray(0, HEADER + n + TAG);
        buf = buf.subarray(HEADER + n + TAG);
        const auth = this.options.key.verify(frame[5]!, frame.subarray(0, HEADER + n), frame.subarray(HEADER + n));
        if (auth !== null) return bad(auth);
        let decoded: unknown;
        try {
          decoded = packr.unpack(frame.subarray(HEADER, HEADER + n));
        } catch {
          return bad('malformed');
        }
        if (!Array.isArray(decoded) || decoded.length !== 7) return bad('malformed');
        const [from, epoch, to, toEpoch, chal, seq, message] = decoded as unknown[];
        if (!Number.isInteger(from) || (from as number) < 0 || (from as number) > MAX_NODE_ID || !Number.isSafeInteger(epoch)) return bad('malformed');
        if (typeof to !== 'number' || typeof toEpoch !== 'number' || !(chal instanceof Uint8Array)) return bad('malformed');
        if (!Number.isSafeInteger(seq) || (seq as number) < 0) return bad('malformed');
        if (to !== this.options.self) return bad('destination');
        if (toEpoch !== this.options.epoch) return bad('incarnation');
        if (!challenge.equals(chal)) return bad('replay');
        if (seq !== expected) return bad('order');
        if (peer >= 0 && (from !== peer || epoch !== peerEpoch)) return bad('sender');
        const last = this.lastEpoch.get(from as number);
        if (last !== undefined && (epoch as number) < last) return bad('stale');
        expected++;
        if (peer < 0) {
          // The open frame: the connection now belongs to this sender and incarnation.
          peer = from as number;
          peerEpoch = epoch as number;
          this.lastEpoch.set(peer, peerEpoch);
          authenticated();
          const previous = this.inboundOf.get(peer);
          this.inboundOf.set(peer, socket);
          previous?.destroy();
          continue;
        }
        this.counters.framesIn++;
        try {
          this.messageHandler?.(peer, message);
        } catch {
          // The handler never throws; if it did, the link stays up.
        }
        if (socket.destroyed) return;
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const l of this.outgoing.values()) l.socket.destroy();
    for (const s of this.incoming) s.destroy();
    this.outgoing.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
