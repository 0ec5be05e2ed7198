/**
 * Authentication wraps a datagram transport (docs/design/pipeline.md §4): outgoing datagrams get the key id and
 * an HMAC-SHA256 tag (truncated to 16 bytes) over every byte before the tag; incoming ones are checked
 * in the order of docs/design/group.md §6.2 — size, magic, version, key, auth — before anything parses the body.
 * A failure is counted and the datagram dropped; nothing here throws out of the receive handler.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { FrogError } from '../../core/errors.js';
import { Messages } from '../../core/messages/index.js';
import { isImmutable } from './immutable-datagram.js';
import type { DatagramTransport } from './transport.js';
import { DropCounters, MAX_DATAGRAM, MIN_DATAGRAM, OFFSET_KEY_ID, PROTOCOL_MAGIC, TAG_BYTES, WIRE_VERSION } from './wire.js';

export const KEY_BYTES = 32;

export class BadKeyError extends FrogError {
  constructor(reason: string) {
    super(Messages.BadGroupKey, { reason });
    this.name = 'BadKeyError';
  }
}

/**
 * The group key: the current key and, during rotation, the previous one. A key's id is the first byte
 * of its SHA-256; when two keys share an id both are tried. Keys are never printed.
 */
export class GroupKey {
  private readonly keys: { id: number; key: Buffer }[];
  /**
   * The last datagram found authentic. One multicast datagram reaches every member, and in a
   * simulation all members share one key object, so identical bytes need one HMAC, not N.
   * Compared by content (memcmp), so it can never accept bytes that were not verified.
   */
  private lastValid: Buffer | null = null;
  /** The last datagram found authentic, when it is immutable (immutable-datagram.ts): a repeat is one pointer comparison. */
  private lastValidRef: Uint8Array | null = null;

  constructor(current: Uint8Array, previous?: Uint8Array) {
    this.keys = [current, ...(previous ? [previous] : [])].map((k) => {
      if (k.length !== KEY_BYTES) throw new BadKeyError(`a group key is ${KEY_BYTES} bytes, not ${k.length}`);
      return { id: createHash('sha256').update(k).digest()[0]!, key: Buffer.from(k) };
    });
  }

  get currentId(): number {
    return this.keys[0]!.id;
  }

  tag(data: Uint8Array, which = 0): Buffer {
    return createHmac('sha256', this.keys[which]!.key).update(data).digest().subarray(0, TAG_BYTES);
  }

  /**
   * Verifies a whole datagram (body, then the tag in its last TAG_BYTES). The memo is checked on the
   * whole datagram first, so a repeat costs one memcmp and no allocation.
   */
  verifyDatagram(d: Uint8Array): 'key' | 'auth' | null {
    if (d === this.lastValidRef) return null;
    const last = this.lastValid;
    const r = last !== null && last.length === d.length && last.equals(d) ? null : this.verify(d[OFFSET_KEY_ID]!, d.subarray(0, d.length - TAG_BYTES), d.subarray(d.length - TAG_BYTES));
    if (r === null && isImmutable(d)) this.lastValidRef = d;
    return r;
  }

  /** 'key' when no key has that id, 'auth' when none of them makes this tag, else null (valid). */
  verify(keyId: number, data: Uint8Array, tag: Uint8Array): 'key' | 'auth' | null {
    const whole = data.length + tag.length;
    if (this.lastValid && this.lastValid.length === whole && data.buffer === tag.buffer && tag.byteOffset === data.byteOffset + data.length) {
      if (this.lastValid.equals(new Uint8Array(data.buffer, data.byteOffset, whole))) return null;
    }
    const r = this.verifyUncached(keyId, data, tag);
    if (r === null && data.buffer === tag.buffer && tag.byteOffset === data.byteOffset + data.length) {
      this.lastValid = Buffer.from(new Uint8Array(data.buffer, data.byteOffset, whole));
    }
    return r;
  }

  /** As `verify` for a tag truncated to `tag.length` bytes (1..TAG_BYTES; keep-alives use 12), without the memo. */
  verifyTruncated(keyId: number, data: Uint8Array, tag: Uint8Array): 'key' | 'auth' | null {
    return this.verifyUncached(keyId, data, tag, tag.length);
  }

  private verifyUncached(keyId: number, data: Uint8Array, tag: Uint8Array, tagBytes = TAG_BYTES): 'key' | 'auth' | null {
    let known = false;
    for (let i = 0; i < this.keys.length; i++) {
      if (this.keys[i]!.id !== keyId) continue;
      known = true;
      if (tag.length === tagBytes && tagBytes >= 1 && tagBytes <= TAG_BYTES && timingSafeEqual(this.tag(data, i).subarray(0, tagBytes), tag)) return null;
    }
    return known ? 'auth' : 'key';
  }

  toJSON(): string {
    return '[group key]';
  }
}

/** Signs a datagram in place (key id byte and the tag slot at the end). */
export function sealDatagram(key: GroupKey, d: Uint8Array): Uint8Array {
  d[OFFSET_KEY_ID] = key.currentId;
  d.set(key.tag(d.subarray(0, d.length - TAG_BYTES)), d.length - TAG_BYTES);
  return d;
}

/** Runs the checks up to `auth`; returns the reason to drop, or null when the datagram is authentic. */
export function checkDatagram(key: GroupKey, d: Uint8Array): 'size' | 'magic' | 'version' | 'key' | 'auth' | null {
  if (d.length < MIN_DATAGRAM || d.length > MAX_DATAGRAM) return 'size';
  const magic = ((d[0]! << 24) | (d[1]! << 16) | (d[2]! << 8) | d[3]!) >>> 0;
  if (magic !== PROTOCOL_MAGIC) return 'magic';
  if (d[4] !== WIRE_VERSION) return 'version';
  return key.verifyDatagram(d);
}

export class AuthenticatedDatagramTransport implements DatagramTransport {
  constructor(
    private readonly inner: DatagramTransport,
    private readonly key: GroupKey,
    private readonly drops: DropCounters,
  ) {}

  send(datagram: Uint8Array): void {
    this.inner.send(sealDatagram(this.key, datagram));
  }

  onReceive(handler: (datagram: Uint8Array) => void): void {
    this.inner.onReceive((d, source) => {
      const reason = checkDatagram(this.key, d);
      if (reason) this.drops.count(reason);
      else {
        if (source !== undefined) this.inner.trust?.(source, d);
        handler(d);
      }
    });
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
