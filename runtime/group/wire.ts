/**
 * The heartbeat datagram (docs/design/group.md §4 "Our wire format", §6.2). All integers big-endian.
 *
 * | offset | size | field |
 * |--------|------|-------|
 * | 0      | 4    | protocol magic 0x46524F47 ("FROG") |
 * | 4      | 1    | version (1) |
 * | 5      | 1    | message type (1 = heartbeat; types are append-only) |
 * | 6      | 1    | flags: bit 0 stable, bit 1 preferred |
 * | 7      | 1    | key id: first byte of SHA-256 of the group key that made the tag |
 * | 8      | 4    | system magic (separates groups that share a key and an address) |
 * | 12     | 2    | sender node id (0..2047) |
 * | 14     | 8    | sender epoch (start time, ms) |
 * | 22     | 8    | sequence number, strictly increasing per epoch |
 * | 30     | 8    | send time (sender's wall clock, ms) |
 * | 38     | 8    | connection-set counter (view number) |
 * | 46     | 8    | view time stamp (stability deadline or time reference; −1 undefined), signed |
 * | 54     | 2    | leader vote: node id |
 * | 56     | 8    | leader vote: epoch |
 * | 64     | 2+n  | connection set: length n ≤ 256, then n bitset bytes |
 * |        | 2+h  | heard set: the peers whose heartbeats the sender currently receives (same encoding) |
 * |        | 2+r  | refused set: the peers the sender refuses for a reason of its own (same encoding) |
 * |        | 2+m  | message links: length m ≤ 256, then m bitset bytes |
 * |        | 1+a+2| control address: family (0 none, 4 IPv4, 6 IPv6), a = 0/4/16 address bytes, port |
 * |        | 1+l  | sender name: length 1..64, UTF-8 |
 * | end−16 | 16   | HMAC-SHA256 tag over every byte before it, truncated to 16 bytes |
 *
 * The codec here does the body; authentication (key id, tag) is done by the authenticated transport,
 * which checks size, magic, version, key and tag before anything parses the body.
 */
import { createHash } from 'node:crypto';
import { FrogError } from '../../core/errors.js';
import { Messages } from '../../core/messages/index.js';
import { Bitset, BITSET_BYTES, MAX_NODE_ID } from './bitset.js';
import { isImmutable } from './immutable-datagram.js';

export const PROTOCOL_MAGIC = 0x46524f47;
export const WIRE_VERSION = 1;
export const TYPE_HEARTBEAT = 1;
export const TAG_BYTES = 16;
export const FIXED_HEADER_BYTES = 64;
/** The smallest well-formed datagram: header, four empty bitsets, no address, a 1-byte name, tag. */
export const MIN_DATAGRAM = FIXED_HEADER_BYTES + 2 + 2 + 2 + 2 + 1 + 2 + TAG_BYTES;
/** Never more than this, so a heartbeat never fragments (docs/design/group.md §4). */
export const MAX_DATAGRAM = 1200;
export const MAX_NAME_BYTES = 64;
export const DEFAULT_SYSTEM_MAGIC = 0x0001e240; // 123456, the Java identity.magic

export const OFFSET_KEY_ID = 7;

export interface Contact {
  host: string;
  port: number;
}

export interface Heartbeat {
  systemMagic: number;
  nodeId: number;
  name: string;
  epoch: number;
  seq: number;
  sendTime: number;
  viewNumber: number;
  viewTimeStamp: number;
  stable: boolean;
  preferred: boolean;
  candidate: { id: number; epoch: number };
  view: Bitset;
  /** Peers whose heartbeats the sender receives, admitted or not: tells one-way links apart. */
  heard: Bitset;
  /**
   * Peers the sender refuses because of the hearing graph (not because they refuse it): a refused
   * peer leaves the sender out of its own connection set in turn. Absent means empty.
   */
  refused?: Bitset;
  msgLinks: Bitset;
  contact: Contact | null;
}

/** Why a datagram was dropped, in the order the checks run (docs/design/group.md §6.2 item 2, plus `conflict` and `quiescent`;
 * `stale`: a keep-alive whose base heartbeat the receiver does not hold, §4.1). */
export const DROP_REASONS = ['size', 'magic', 'version', 'key', 'auth', 'foreign', 'malformed', 'self', 'conflict', 'replay', 'untimely', 'quiescent', 'stale'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** Counts of dropped datagrams by reason (the metric `anubis_rx_dropped_total{reason}`). */
export class DropCounters {
  private readonly counts = new Map<DropReason, number>(DROP_REASONS.map((r) => [r, 0]));
  accepted = 0;

  count(reason: DropReason): void {
    this.counts.set(reason, this.counts.get(reason)! + 1);
  }

  get(reason: DropReason): number {
    return this.counts.get(reason)!;
  }

  total(): number {
    let n = 0;
    for (const v of this.counts.values()) n += v;
    return n;
  }

  snapshot(): Record<DropReason, number> {
    return Object.fromEntries(this.counts) as Record<DropReason, number>;
  }
}

export class MalformedHeartbeatError extends FrogError {
  constructor(reason: string) {
    super(Messages.MalformedHeartbeat, { reason });
    this.name = 'MalformedHeartbeatError';
  }
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/** Shared by every decoded empty bitset; decoded bitsets are never modified. */
const EMPTY_BITSET = new Bitset();

/** Encodes a heartbeat with key id 0 and a zero tag: the authenticated transport fills both in. */
export function encodeHeartbeat(hb: Heartbeat): Buffer {
  const name = Buffer.from(hb.name, 'utf8');
  if (name.length < 1 || name.length > MAX_NAME_BYTES) throw new RangeError(`peer name must be 1..${MAX_NAME_BYTES} bytes of UTF-8`);
  const view = hb.view.trimmed();
  const heard = hb.heard.trimmed();
  const refused = hb.refused ? hb.refused.trimmed() : EMPTY_BITSET.trimmed();
  const links = hb.msgLinks.trimmed();
  const addr = hb.contact ? parseAddress(hb.contact.host) : null;
  const size = FIXED_HEADER_BYTES + 2 + view.length + 2 + heard.length + 2 + refused.length + 2 + links.length + 1 + (addr ? addr.length + 2 : 0) + 1 + name.length + TAG_BYTES;
  if (size > MAX_DATAGRAM) throw new RangeError(`heartbeat of ${size} bytes exceeds ${MAX_DATAGRAM}`);
  const b = Buffer.alloc(size);
  b.writeUInt32BE(PROTOCOL_MAGIC, 0);
  b[4] = WIRE_VERSION;
  b[5] = TYPE_HEARTBEAT;
  b[6] = (hb.stable ? 1 : 0) | (hb.preferred ? 2 : 0);
  b[7] = 0;
  b.writeUInt32BE(hb.systemMagic >>> 0, 8);
  b.writeUInt16BE(hb.nodeId, 12);
  b.writeBigUInt64BE(BigInt(hb.epoch), 14);
  b.writeBigUInt64BE(BigInt(hb.seq), 22);
  b.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(hb.sendTime))), 30);
  b.writeBigUInt64BE(BigInt(hb.viewNumber), 38);
  b.writeBigInt64BE(BigInt(Math.floor(hb.viewTimeStamp)), 46);
  b.writeUInt16BE(hb.candidate.id, 54);
  b.writeBigUInt64BE(BigInt(hb.candidate.epoch), 56);
  let o = FIXED_HEADER_BYTES;
  b.writeUInt16BE(view.length, o);
  b.set(view, o + 2);
  o += 2 + view.length;
  b.writeUInt16BE(heard.length, o);
  b.set(heard, o + 2);
  o += 2 + heard.length;
  b.writeUInt16BE(refused.length, o);
  b.set(refused, o + 2);
  o += 2 + refused.length;
  b.writeUInt16BE(links.length, o);
  b.set(links, o + 2);
  o += 2 + links.length;
  if (addr && hb.contact) {
    b[o] = addr.length === 4 ? 4 : 6;
    b.set(addr, o + 1);
    b.writeUInt16BE(hb.contact.port, o + 1 + addr.length);
    o += 1 + addr.length + 2;
  } else {
    b[o] = 0;
    o += 1;
  }
  b[o] = name.length;
  b.set(name, o + 1);
  return b;
}

/**
 * Decodes the body of an authenticated datagram. Throws MalformedHeartbeatError (and only that) on
 * any schema or length error; the caller counts it as `malformed`. `foreign` is decided by the caller.
 */
export function decodeHeartbeat(b: Uint8Array): Heartbeat {
  if (b.length < MIN_DATAGRAM || b.length > MAX_DATAGRAM) throw new MalformedHeartbeatError('size');
  const buf = Buffer.from(b.buffer, b.byteOffset, b.length);
  const end = buf.length - TAG_BYTES;
  if (buf[5] !== TYPE_HEARTBEAT) throw new MalformedHeartbeatError(`unknown message type ${buf[5]}`);
  if ((buf[6]! & ~3) !== 0) throw new MalformedHeartbeatError('unknown flags');
  const nodeId = buf.readUInt16BE(12);
  if (nodeId > MAX_NODE_ID) throw new MalformedHeartbeatError('node id out of range');
  const epoch = u64(buf, 14);
  const seq = u64(buf, 22);
  const sendTime = u64(buf, 30);
  const viewNumber = u64(buf, 38);
  const vts = buf.readBigInt64BE(46);
  if (vts < -1n || vts > MAX_SAFE) throw new MalformedHeartbeatError('view time stamp out of range');
  const candId = buf.readUInt16BE(54);
  if (candId > MAX_NODE_ID) throw new MalformedHeartbeatError('leader vote out of range');
  const candEpoch = u64(buf, 56);
  let o = FIXED_HEADER_BYTES;
  const readBitset = (): Bitset => {
    if (o + 2 > end) throw new MalformedHeartbeatError('bitset length beyond the end');
    const n = buf.readUInt16BE(o);
    if (n > BITSET_BYTES || o + 2 + n > end) throw new MalformedHeartbeatError('bitset length out of range');
    const bs = n === 0 ? EMPTY_BITSET : new Bitset(buf.subarray(o + 2, o + 2 + n));
    o += 2 + n;
    return bs;
  };
  const view = readBitset();
  const heard = readBitset();
  const refused = readBitset();
  const msgLinks = readBitset();
  if (o + 1 > end) throw new MalformedHeartbeatError('address beyond the end');
  const family = buf[o]!;
  let contact: Contact | null = null;
  if (family === 4 || family === 6) {
    const n = family === 4 ? 4 : 16;
    if (o + 1 + n + 2 > end) throw new MalformedHeartbeatError('address beyond the end');
    contact = { host: formatAddress(buf.subarray(o + 1, o + 1 + n)), port: buf.readUInt16BE(o + 1 + n) };
    o += 1 + n + 2;
  } else if (family === 0) {
    o += 1;
  } else throw new MalformedHeartbeatError(`unknown address family ${family}`);
  if (o + 1 > end) throw new MalformedHeartbeatError('name beyond the end');
  const nameLen = buf[o]!;
  if (nameLen < 1 || nameLen > MAX_NAME_BYTES || o + 1 + nameLen !== end) throw new MalformedHeartbeatError('name length');
  const nameBytes = buf.subarray(o + 1, o + 1 + nameLen);
  const name = nameBytes.toString('utf8');
  if (!Buffer.from(name, 'utf8').equals(nameBytes)) throw new MalformedHeartbeatError('name is not UTF-8');
  if (!view.has(nodeId)) throw new MalformedHeartbeatError('connection set lacks the sender');
  return {
    systemMagic: buf.readUInt32BE(8),
    nodeId,
    name,
    epoch,
    seq,
    sendTime,
    viewNumber,
    viewTimeStamp: Number(vts),
    stable: (buf[6]! & 1) !== 0,
    preferred: (buf[6]! & 2) !== 0,
    candidate: { id: candId, epoch: candEpoch },
    view,
    heard,
    refused,
    msgLinks,
    contact,
  };
}

/**
 * Decodes with a one-entry memo by content: a multicast datagram delivered to many members of one
 * simulation is parsed once. Decoded heartbeats are treated as immutable by every consumer, so a
 * bitset equal to the one in the same sender's previous heartbeat is replaced by that object: a
 * receiver can then tell "unchanged" by identity (one comparison instead of 256 bytes).
 */
export class HeartbeatDecoder {
  private lastBytes: Buffer | null = null;
  private lastResult: Heartbeat | null = null;
  /** `lastBytes` as received, when it is immutable (immutable-datagram.ts): a repeat is one pointer comparison. */
  private lastRef: Uint8Array | null = null;
  /** The previous heartbeat per node id (at most 2048 entries). */
  private readonly previous = new Map<number, Heartbeat>();

  decode(b: Uint8Array): Heartbeat {
    if (b === this.lastRef && this.lastResult !== null) return this.lastResult;
    const last = this.lastBytes;
    if (last !== null && this.lastResult !== null && last.length === b.length && last.equals(b)) return this.lastResult;
    const hb = decodeHeartbeat(b);
    const prev = this.previous.get(hb.nodeId);
    if (prev !== undefined) {
      if (prev.view.equals(hb.view)) hb.view = prev.view;
      if (prev.heard.equals(hb.heard)) hb.heard = prev.heard;
      if (prev.refused !== undefined && hb.refused !== undefined && prev.refused.equals(hb.refused)) hb.refused = prev.refused;
      if (prev.name === hb.name) hb.name = prev.name;
    }
    this.previous.set(hb.nodeId, hb);
    this.lastBytes = Buffer.from(b);
    this.lastResult = hb;
    this.lastRef = isImmutable(b) ? b : null;
    return hb;
  }
}

/** Reads the system magic without parsing the body (the `foreign` check comes before `malformed`). */
export function systemMagicOf(b: Uint8Array): number {
  if (b.length < 12) throw new RangeError('datagram too short for a system magic');
  return ((b[8]! << 24) | (b[9]! << 16) | (b[10]! << 8) | b[11]!) >>> 0;
}

function u64(buf: Buffer, at: number): number {
  const v = buf.readBigUInt64BE(at);
  if (v > MAX_SAFE) throw new MalformedHeartbeatError('integer out of range');
  return Number(v);
}

function parseAddress(host: string): Uint8Array {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    if (parts.some((p) => p > 255)) throw new RangeError(`bad IPv4 address ${host}`);
    return Uint8Array.from(parts);
  }
  // IPv6: expand "::" and read eight 16-bit groups.
  const halves = host.split('::');
  if (halves.length > 2) throw new RangeError(`bad IPv6 address ${host}`);
  const left = halves[0] ? halves[0].split(':') : [];
  const right = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const groups = halves.length === 2 ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) throw new RangeError(`bad address ${host}`);
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const n = parseInt(g, 16);
    out[2 * i] = n >> 8;
    out[2 * i + 1] = n & 255;
  });
  return out;
}

function formatAddress(a: Uint8Array): string {
  if (a.length === 4) return Array.from(a).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((a[i]! << 8) | a[i + 1]!).toString(16));
  return groups.join(':');
}

/**
 * Message type 2, the address directory of unicast groups (docs/design/group.md §7 "Unicast groups"):
 * the header of a heartbeat up to the sender's node id, then a count and the entries, padded to the
 * smallest datagram, then the same key id and tag. It is checked by the same authentication, and
 * read only by the unicast transport, which never passes it up: a heartbeat decoder drops it as
 * `malformed` (unknown type).
 *
 * | offset | size | field |
 * |--------|------|-------|
 * | 0      | 14   | as a heartbeat: magic, version, type 2, flags 0, key id, system magic, sender node id |
 * | 14     | 2    | entry count |
 * | 16     | …    | entries: node id (2), family (1: 4 or 6), address (4 or 16), port (2) |
 * | end−16 | 16   | tag |
 */
export const TYPE_DIRECTORY = 2;
/** Entries of one directory datagram at most (IPv6 entries are 21 bytes: 55 of them fit too). */
export const MAX_DIRECTORY_ENTRIES = 48;

export interface DirectoryEntry {
  id: number;
  host: string;
  port: number;
}

/** Encodes a directory with key id 0 and a zero tag (the authenticated transport's `sealDatagram` fills both in). */
export function encodeDirectory(systemMagic: number, nodeId: number, entries: readonly DirectoryEntry[]): Buffer {
  if (entries.length > MAX_DIRECTORY_ENTRIES) throw new RangeError(`a directory holds at most ${MAX_DIRECTORY_ENTRIES} entries`);
  const addrs = entries.map((e) => parseAddress(e.host));
  const body = 16 + addrs.reduce((n, a) => n + 5 + a.length, 0);
  const b = Buffer.alloc(Math.max(body + TAG_BYTES, MIN_DATAGRAM));
  b.writeUInt32BE(PROTOCOL_MAGIC, 0);
  b[4] = WIRE_VERSION;
  b[5] = TYPE_DIRECTORY;
  b.writeUInt32BE(systemMagic >>> 0, 8);
  b.writeUInt16BE(nodeId, 12);
  b.writeUInt16BE(entries.length, 14);
  let at = 16;
  entries.forEach((e, i) => {
    const a = addrs[i]!;
    b.writeUInt16BE(e.id, at);
    b[at + 2] = a.length === 4 ? 4 : 6;
    b.set(a, at + 3);
    b.writeUInt16BE(e.port, at + 3 + a.length);
    at += 5 + a.length;
  });
  return b;
}

/** Decodes an authenticated directory; throws MalformedHeartbeatError on anything out of shape. */
export function decodeDirectory(d: Uint8Array): { systemMagic: number; nodeId: number; entries: DirectoryEntry[] } {
  const b = Buffer.from(d.buffer, d.byteOffset, d.byteLength);
  if (b.length < MIN_DATAGRAM || b.length > MAX_DATAGRAM || b[5] !== TYPE_DIRECTORY) throw new MalformedHeartbeatError('not a directory');
  const count = b.readUInt16BE(14);
  if (count > MAX_DIRECTORY_ENTRIES) throw new MalformedHeartbeatError('too many directory entries');
  const end = b.length - TAG_BYTES;
  const entries: DirectoryEntry[] = [];
  let at = 16;
  for (let i = 0; i < count; i++) {
    if (at + 3 > end) throw new MalformedHeartbeatError('directory truncated');
    const id = b.readUInt16BE(at);
    const family = b[at + 2];
    const len = family === 4 ? 4 : family === 6 ? 16 : -1;
    if (len < 0 || at + 3 + len + 2 > end || id > MAX_NODE_ID) throw new MalformedHeartbeatError('bad directory entry');
    const port = b.readUInt16BE(at + 3 + len);
    if (port === 0) throw new MalformedHeartbeatError('bad directory entry');
    entries.push({ id, host: formatAddress(b.subarray(at + 3, at + 3 + len)), port });
    at += 5 + len;
  }
  return { systemMagic: systemMagicOf(b), nodeId: b.readUInt16BE(12), entries };
}

/**
 * Message type 3, the keep-alive (docs/design/group.md §4.1 "Keep-alives"): sent instead of a
 * heartbeat whose body is the same as that of the last full heartbeat its sender sent. The body is
 * everything but the sequence number, the send time, the key id and the tag; its *digest* is the
 * SHA-256 of a full heartbeat's bytes before the tag with those three fields zeroed. A keep-alive
 * carries the sequence number and the send time, and its tag covers its 18 bytes followed by the
 * digest of the body it stands for: it verifies only against that very body (system magic, epoch,
 * view, sets, contact, name all count without being sent). The receiver rebuilds the heartbeat from
 * the last full one it holds from that sender; one holding another body (it lost the full heartbeat
 * of a change) drops the keep-alive as `stale` (byte 6 tells it without an HMAC, but for one time in
 * 256, when the tag check says `auth`), until a full heartbeat comes.
 *
 * | offset | size | field |
 * |--------|------|-------|
 * | 0      | 4    | protocol magic (as a heartbeat) |
 * | 4      | 1    | version (1) |
 * | 5      | 1    | message type 3 |
 * | 6      | 1    | the first byte of the body digest |
 * | 7      | 1    | key id (as a heartbeat) |
 * | 8      | 2    | sender node id |
 * | 10     | 4    | sequence number (a keep-alive goes only below 2^32; a full heartbeat above) |
 * | 14     | 4    | send time − sender epoch (ms; below 2^32, about 49 days, else a full heartbeat goes) |
 * | 18     | 12   | HMAC-SHA256 over bytes 0..17 and then the 32-byte body digest, truncated to 12 bytes (96 bits, as IPsec's HMAC-SHA-256-96 would be) |
 */
export const TYPE_KEEPALIVE = 3;
export const KEEPALIVE_TAG_BYTES = 12;
export const KEEPALIVE_BYTES = 18 + KEEPALIVE_TAG_BYTES;
export const MAX_KEEPALIVE_FIELD = 0xffffffff;
/** Where a keep-alive carries its sender's node id (a heartbeat at 12). */
export const KEEPALIVE_OFFSET_NODE_ID = 8;

export interface KeepAlive {
  nodeId: number;
  /** The first byte of the body digest. */
  check: number;
  seq: number;
  /** Send time − sender epoch (ms). */
  age: number;
}

/** The digest of a full heartbeat's body (sequence number, send time, key id and tag left out). */
export function bodyDigest(full: Uint8Array): Buffer {
  const b = Buffer.from(full.subarray(0, full.length - TAG_BYTES));
  b[OFFSET_KEY_ID] = 0;
  b.fill(0, 22, 38);
  return createHash('sha256').update(b).digest();
}

/** Encodes a keep-alive with key id 0 and a zero tag (the compact layer seals it with the body digest). */
export function encodeKeepAlive(k: KeepAlive): Buffer {
  if (!Number.isInteger(k.seq) || k.seq < 0 || k.seq > MAX_KEEPALIVE_FIELD) throw new RangeError(`keep-alive sequence number ${k.seq} out of range`);
  if (!Number.isInteger(k.age) || k.age < 0 || k.age > MAX_KEEPALIVE_FIELD) throw new RangeError(`keep-alive send time ${k.age} out of range`);
  if (!Number.isInteger(k.nodeId) || k.nodeId < 0 || k.nodeId > MAX_NODE_ID) throw new RangeError('node id out of range');
  const b = Buffer.alloc(KEEPALIVE_BYTES);
  b.writeUInt32BE(PROTOCOL_MAGIC, 0);
  b[4] = WIRE_VERSION;
  b[5] = TYPE_KEEPALIVE;
  b[6] = k.check & 255;
  b.writeUInt16BE(k.nodeId, 8);
  b.writeUInt32BE(k.seq, 10);
  b.writeUInt32BE(k.age, 14);
  return b;
}

/** True when `d` has the size, magic, version and type of a keep-alive (nothing else is checked). */
export function isKeepAlive(d: Uint8Array): boolean {
  return d.length === KEEPALIVE_BYTES && d[5] === TYPE_KEEPALIVE && d[4] === WIRE_VERSION && ((d[0]! << 24) | (d[1]! << 16) | (d[2]! << 8) | d[3]!) >>> 0 === PROTOCOL_MAGIC;
}

/** Decodes a keep-alive's fields; throws MalformedHeartbeatError (and only that) on a bad one. */
export function decodeKeepAlive(d: Uint8Array): KeepAlive {
  if (d.length !== KEEPALIVE_BYTES || d[5] !== TYPE_KEEPALIVE) throw new MalformedHeartbeatError('not a keep-alive');
  const b = Buffer.from(d.buffer, d.byteOffset, d.length);
  const nodeId = b.readUInt16BE(8);
  if (nodeId > MAX_NODE_ID) throw new MalformedHeartbeatError('node id out of range');
  return { nodeId, check: d[6]!, seq: b.readUInt32BE(10), age: b.readUInt32BE(14) };
}
