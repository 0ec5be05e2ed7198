/**
 * Compact keep-alive heartbeats (docs/design/group.md §4.1): a layer between the heartbeat machine
 * and the datagram transport that does the authentication itself (as AuthenticatedDatagramTransport
 * does, which it replaces when enabled). The machine is unchanged: it hands over full heartbeats and
 * receives full heartbeats. Works over any DatagramTransport (multicast, unicast: there it saves the
 * bytes of each of the n − 1 copies).
 *
 * Sending: each full heartbeat's body (wire.ts `bodyDigest`: all but sequence number, send time, key
 * id and tag) is compared with that of the last full heartbeat sent. When it changed, the heartbeat
 * goes in full, and so do the next `repeats` ones (one loss does not keep a change from a receiver);
 * a full one also goes at least every `fullEveryMs` (for a receiver that lost every copy, or a new
 * one), and the next one goes in full after a `stale` keep-alive came in or a heartbeat from a peer
 * that does not hear us (so a healed partition or a newcomer need not wait for that). Otherwise a
 * 30-byte keep-alive (wire.ts, type 3) goes in its place.
 *
 * Receiving: a full heartbeat is authenticated as before and, when newer (epoch, then sequence
 * number) than the one held for its sender and epoch, is held with its body digest (two epochs per
 * node id, for a restart or a duplicate; see `hold`); a replayed old one cannot displace a newer one. A keep-alive needs a held heartbeat from its sender whose digest starts with
 * its check byte (else `stale`), then its key id and tag (`key`, `auth`, over its bytes and the held
 * digest); the heartbeat rebuilt from the held one with the
 * keep-alive's sequence number and send time goes up as if it had come in full, so the machine's
 * `replay` and `untimely` checks apply as to any heartbeat. Every drop is counted by reason.
 */
import { checkDatagram, sealDatagram, type GroupKey } from './authenticated-transport.js';
import type { DatagramTransport } from './transport.js';
import {
  bodyDigest,
  decodeKeepAlive,
  type DropCounters,
  encodeKeepAlive,
  isKeepAlive,
  MalformedHeartbeatError,
  KEEPALIVE_TAG_BYTES,
  MAX_KEEPALIVE_FIELD,
  MIN_DATAGRAM,
  OFFSET_KEY_ID,
  TAG_BYTES,
  TYPE_HEARTBEAT,
} from './wire.js';

export interface CompactOptions {
  /** Full heartbeats sent after each change of the body, beyond the first. */
  repeats?: number;
  /** A full heartbeat at least this often (ms, by send time). */
  fullEveryMs?: number;
  /** The clock (for how recently a held incarnation was used); Date.now by default. */
  now?: () => number;
  /** A held incarnation unused this long may be replaced by an older epoch's (the profile's T). */
  idleMs?: number;
}

export const DEFAULT_KEEPALIVE_REPEATS = 2;
export const DEFAULT_FULL_EVERY_MS = 10_000;

/** Offsets of the fields a keep-alive carries (wire.ts): sequence number and send time. */
const SEQ_AT = 22;
const TIME_AT = 30;

interface Held {
  /** The full datagram, tag included (a private copy). */
  bytes: Buffer;
  digest: Buffer;
  epoch: number;
  seq: number;
  /** When a full heartbeat or a keep-alive of this incarnation last came (local clock, ms). */
  used: number;
}

export interface CompactCounters {
  fullSent: number;
  keepAlivesSent: number;
  keepAlivesAccepted: number;
}

export class CompactHeartbeatTransport implements DatagramTransport {
  readonly counters: CompactCounters = { fullSent: 0, keepAlivesSent: 0, keepAlivesAccepted: 0 };
  private readonly repeats: number;
  private readonly fullEveryMs: number;
  /** Our last full heartbeat's digest and send time, and how many more to send in full. */
  private sentDigest: Buffer | null = null;
  private sentAt = -Infinity;
  private fullLeft = 0;
  /** Our node id, once we sent a heartbeat (−1 before). */
  private self = -1;
  /** The last full heartbeat held per sender node id (at most 2048) and incarnation (at most 2, newest epoch first). */
  private readonly held = new Map<number, Held[]>();
  private readonly now: () => number;
  private readonly idleMs: number;

  constructor(
    private readonly inner: DatagramTransport,
    private readonly key: GroupKey,
    private readonly drops: DropCounters,
    options: CompactOptions = {},
  ) {
    this.repeats = Math.max(0, Math.floor(options.repeats ?? DEFAULT_KEEPALIVE_REPEATS));
    this.fullEveryMs = Math.max(0, options.fullEveryMs ?? DEFAULT_FULL_EVERY_MS);
    this.now = options.now ?? Date.now;
    this.idleMs = options.idleMs ?? 2 * this.fullEveryMs;
  }

  /** Sends an unsealed full heartbeat (encodeHeartbeat), in full or as a keep-alive. */
  send(datagram: Uint8Array): void {
    const d = Buffer.from(datagram.buffer, datagram.byteOffset, datagram.length);
    if (d[5] !== TYPE_HEARTBEAT || d.length < MIN_DATAGRAM) {
      this.inner.send(sealDatagram(this.key, datagram));
      return;
    }
    this.self = d.readUInt16BE(12);
    const digest = bodyDigest(d);
    const epoch = Number(d.readBigUInt64BE(14));
    const seq = Number(d.readBigUInt64BE(SEQ_AT));
    const sendTime = Number(d.readBigUInt64BE(TIME_AT));
    const same = this.sentDigest !== null && this.sentDigest.equals(digest);
    const age = sendTime - epoch;
    if (same && this.fullLeft === 0 && sendTime - this.sentAt < this.fullEveryMs && seq <= MAX_KEEPALIVE_FIELD && age >= 0 && age <= MAX_KEEPALIVE_FIELD) {
      const k = encodeKeepAlive({ nodeId: d.readUInt16BE(12), check: digest[0]!, seq, age });
      this.inner.send(sealKeepAlive(this.key, k, digest));
      this.counters.keepAlivesSent++;
      return;
    }
    if (!same) this.fullLeft = this.repeats;
    else if (this.fullLeft > 0) this.fullLeft--;
    this.sentDigest = digest;
    this.sentAt = sendTime;
    this.counters.fullSent++;
    this.inner.send(sealDatagram(this.key, d));
  }

  onReceive(handler: (datagram: Uint8Array, source?: string) => void): void {
    this.inner.onReceive((d, source) => {
      try {
        if (isKeepAlive(d)) {
          const full = this.rebuild(d);
          if (full === null) return;
          this.counters.keepAlivesAccepted++;
          this.checkHeard(full);
          if (source !== undefined) this.inner.trust?.(source, full);
          handler(full);
          return;
        }
        const reason = checkDatagram(this.key, d);
        if (reason) return this.drops.count(reason);
        if (d[5] === TYPE_HEARTBEAT) {
          this.hold(d);
          this.checkHeard(d);
        }
        if (source !== undefined) this.inner.trust?.(source, d);
        handler(d);
      } catch {
        this.drops.count('malformed');
      }
    });
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /**
   * A peer that sends but does not hear us (its heard set lacks our node id: it is new, or it drops
   * our keep-alives as stale) gets our next heartbeat in full.
   */
  private checkHeard(d: Uint8Array): void {
    const me = this.self;
    if (me < 0 || d.length < MIN_DATAGRAM) return;
    const b = Buffer.from(d.buffer, d.byteOffset, d.length);
    if (b.readUInt16BE(12) === me) return;
    const viewLen = b.readUInt16BE(64);
    const at = 64 + 2 + viewLen;
    if (at + 2 > b.length - TAG_BYTES) return;
    const heardLen = b.readUInt16BE(at);
    const byte = me >> 3;
    const heard = byte < heardLen && at + 2 + byte < b.length - TAG_BYTES && (b[at + 2 + byte]! & (1 << (me & 7))) !== 0;
    if (!heard) this.fullLeft = Math.max(this.fullLeft, 1);
  }

  /**
   * Holds an authentic full heartbeat when it is newer than the one held for its sender and epoch.
   * Two incarnations per node id at most (a restart, or a duplicate peer next to the one that ran
   * first): the newest epoch, and one other, which an older epoch takes only when the other has not
   * been used for T (so a replayed old heartbeat cannot push out a live incarnation).
   */
  private hold(d: Uint8Array): void {
    const b = Buffer.from(d.buffer, d.byteOffset, d.length);
    const id = b.readUInt16BE(12);
    const epoch = Number(b.readBigUInt64BE(14));
    const seq = Number(b.readBigUInt64BE(SEQ_AT));
    const now = this.now();
    const slots = this.held.get(id);
    const make = (h: Held | undefined): Held => {
      const end = b.length - TAG_BYTES;
      // The digest is recomputed only when the body changed (the common case is a repeat).
      const same = h !== undefined && h.bytes.length === b.length && h.bytes.compare(b, 0, SEQ_AT, 0, SEQ_AT) === 0 && h.bytes.compare(b, TIME_AT + 8, end, TIME_AT + 8, end) === 0;
      return { bytes: Buffer.from(b), digest: same ? h.digest : bodyDigest(b), epoch, seq, used: now };
    };
    if (slots === undefined) {
      this.held.set(id, [make(undefined)]);
      return;
    }
    const i = slots.findIndex((h) => h.epoch === epoch);
    if (i >= 0) {
      if (seq > slots[i]!.seq) slots[i] = make(slots[i]);
      return;
    }
    const newest = slots[0]!;
    if (epoch > newest.epoch) {
      slots.length = 0;
      slots.push(make(undefined), newest);
    } else if (slots.length < 2 || now - slots[1]!.used > this.idleMs) {
      slots[1] = make(undefined);
    }
  }

  /** The full heartbeat a keep-alive stands for, or null (counted) when it cannot be verified. */
  private rebuild(d: Uint8Array): Uint8Array | null {
    let k;
    try {
      k = decodeKeepAlive(d);
    } catch (e) {
      if (!(e instanceof MalformedHeartbeatError)) throw e;
      this.drops.count('malformed');
      return null;
    }
    const slots = this.held.get(k.nodeId);
    let reason: 'key' | 'auth' | 'stale' = 'stale';
    for (const h of slots ?? []) {
      if (h.digest[0] !== k.check) continue;
      const r = this.key.verifyTruncated(d[OFFSET_KEY_ID]!, macInput(d, h.digest), d.subarray(d.length - KEEPALIVE_TAG_BYTES));
      if (r !== null) {
        reason = r;
        continue;
      }
      h.used = this.now();
      const full = Buffer.from(h.bytes);
      full.writeBigUInt64BE(BigInt(k.seq), SEQ_AT);
      full.writeBigUInt64BE(BigInt(h.epoch + k.age), TIME_AT);
      return full;
    }
    this.drops.count(reason);
    if (reason === 'stale') {
      // Most likely we missed a change and the sender missed ours (a healed partition): our next
      // heartbeat goes in full, and the heard set in it makes the sender send its own in full.
      this.fullLeft = Math.max(this.fullLeft, 1);
    }
    return null;
  }
}

function macInput(k: Uint8Array, digest: Uint8Array): Buffer {
  return Buffer.concat([k.subarray(0, k.length - KEEPALIVE_TAG_BYTES), digest]);
}

/** Seals a keep-alive in place: key id, and the tag over its bytes followed by the body digest. */
export function sealKeepAlive(key: GroupKey, k: Uint8Array, digest: Uint8Array): Uint8Array {
  k[OFFSET_KEY_ID] = key.currentId;
  k.set(key.tag(macInput(k, digest)).subarray(0, KEEPALIVE_TAG_BYTES), k.length - KEEPALIVE_TAG_BYTES);
  return k;
}
