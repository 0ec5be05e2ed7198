/**
 * Peer-to-peer messages over TCP (anubis.md §2.1, §6.2 items 4–6). Each peer opens its own outgoing
 * connection to each peer it sends to and accepts incoming ones for receiving, so every link carries
 * one direction. Frame:
 *
 * | size | field |
 * |------|-------|
 * | 4    | frame magic 0x46524F4D ("FROM") |
 * | 1    | version (1) |
 * | 1    | key id |
 * | 4    | body length n (≤ maxFrame, checked before anything is buffered) |
 * | n    | msgpack `[from, epoch, seq, message]` |
 * | 16   | HMAC-SHA256 over magic..body, truncated |
 *
 * `seq` counts the frames a sender has sent to one peer during one incarnation (epoch), across
 * reconnections; a receiver accepts only increasing numbers from one sender and incarnation, and
 * nothing from an older incarnation, so a captured frame cannot be replayed on a new connection.
 * Anything out of order, unauthenticated, oversized or undecodable closes the link and is reported
 * as a link failure of that peer (untimeliness).
 */
import net from 'node:net';
import { Packr } from 'msgpackr';
import type { GroupKey } from './authenticated-transport.js';
import type { MessageTransport, PeerAddress } from './transport.js';
import type { Contact } from './wire.js';

export const FRAME_MAGIC = 0x46524f4d;
export const FRAME_VERSION = 1;
export const DEFAULT_MAX_FRAME = 1024 * 1024;
const HEADER = 10;
const TAG = 16;
/** Outgoing frames buffered per peer while a link is down or slow. */
const MAX_QUEUED = 10_000;

const packr = new Packr({ useRecords: false, mapsAsObjects: true });

export interface TcpMessageOptions {
  self: number;
  epoch: number;
  key: GroupKey;
  /** Listen address; port 0 picks a free one. */
  host: string;
  port?: number;
  maxFrame?: number;
}

export class TcpMessageTransport implements MessageTransport {
  private server!: net.Server;
  private contact: Contact | null = null;
  private readonly outgoing = new Map<number, { socket: net.Socket; seq: number; queued: number }>();
  private readonly incoming = new Set<net.Socket>();
  /** Per destination: the next sequence number, kept across reconnections. */
  private readonly nextSeq = new Map<number, number>();
  /** Per sender: the latest incarnation and the last sequence number accepted from it. */
  private readonly lastSeen = new Map<number, { epoch: number; seq: number }>();
  private messageHandler: ((from: number, m: unknown) => void) | null = null;
  private failureHandler: ((peer: number) => void) | null = null;
  private closed = false;
  readonly counters = { framesIn: 0, framesOut: 0, badFrames: 0 };

  private constructor(private readonly options: TcpMessageOptions) {}

  static async open(options: TcpMessageOptions): Promise<TcpMessageTransport> {
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

  private get maxFrame(): number {
    return this.options.maxFrame ?? DEFAULT_MAX_FRAME;
  }

  onMessage(handler: (from: number, message: unknown) => void): void {
    this.messageHandler = handler;
  }

  onLinkFailure(handler: (peer: number) => void): void {
    this.failureHandler = handler;
  }

  send(to: PeerAddress, message: unknown): void {
    if (this.closed || !to.contact) return;
    let link = this.outgoing.get(to.id);
    if (!link) {
      const socket = net.connect({ host: to.contact.host, port: to.contact.port });
      socket.setNoDelay(true);
      link = { socket, seq: this.nextSeq.get(to.id) ?? 0, queued: 0 };
      this.outgoing.set(to.id, link);
      const fail = () => {
        if (this.outgoing.get(to.id)?.socket !== socket) return;
        this.outgoing.delete(to.id);
        socket.destroy();
        if (!this.closed) this.failureHandler?.(to.id);
      };
      socket.on('error', fail);
      socket.on('close', fail);
      socket.on('data', () => socket.destroy()); // nothing is ever sent back on an outgoing link
    }
    const body = packr.pack([this.options.self, this.options.epoch, link.seq++, message]);
    this.nextSeq.set(to.id, link.seq);
    if (body.length > this.maxFrame) throw new RangeError(`message of ${body.length} bytes exceeds the frame limit ${this.maxFrame}`);
    if (link.socket.writableLength > MAX_QUEUED * 1024) {
      link.socket.destroy(new Error('send queue full'));
      return;
    }
    link.socket.write(this.frame(body));
    this.counters.framesOut++;
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
    if (this.closed) {
      socket.destroy();
      return;
    }
    this.incoming.add(socket);
    let buf: Buffer = Buffer.alloc(0);
    let expected = 0;
    let peer = -1;
    let peerEpoch = -1;
    const bad = () => {
      this.counters.badFrames++;
      socket.destroy();
      if (peer >= 0 && !this.closed) this.failureHandler?.(peer);
    };
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.incoming.delete(socket));
    socket.on('data', (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      while (buf.length >= HEADER) {
        if (buf.readUInt32BE(0) !== FRAME_MAGIC || buf[4] !== FRAME_VERSION) return bad();
        const n = buf.readUInt32BE(6);
        if (n > this.maxFrame) return bad(); // before buffering anything of that size
        if (buf.length < HEADER + n + TAG) {
          return;
        }
        const frame = buf.subarray(0, HEADER + n + TAG);
        buf = buf.subarray(HEADER + n + TAG);
        if (this.options.key.verify(frame[5]!, frame.subarray(0, HEADER + n), frame.subarray(HEADER + n)) !== null) return bad();
        let decoded: unknown;
        try {
          decoded = packr.unpack(frame.subarray(HEADER, HEADER + n));
        } catch {
          return bad();
        }
        if (!Array.isArray(decoded) || decoded.length !== 4) return bad();
        const [from, epoch, seq, message] = decoded as unknown[];
        if (typeof from !== 'number' || !Number.isInteger(from) || from < 0 || from > 2047 || typeof epoch !== 'number') return bad();
        if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 0) return bad();
        if (peer >= 0) {
          if (from !== peer || epoch !== peerEpoch || seq !== expected) return bad();
        } else {
          // The first frame of a connection: newer than anything accepted from that sender.
          const last = this.lastSeen.get(from);
          if (last && (epoch < last.epoch || (epoch === last.epoch && seq <= last.seq))) return bad();
          expected = seq;
        }
        peer = from;
        peerEpoch = epoch;
        this.lastSeen.set(from, { epoch, seq });
        expected++;
        this.counters.framesIn++;
        try {
          this.messageHandler?.(from, message);
        } catch {
          // The handler never throws; if it did, the link stays up.
        }
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
