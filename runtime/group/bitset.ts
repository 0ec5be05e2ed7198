/**
 * A set of node ids 0..2047 stored as 256 bytes (bit i of the set is bit `i & 7` of byte `i >> 3`).
 * Connection sets, partitions and message-link sets are all bitsets: they go on the wire trimmed of
 * trailing zero bytes, and compare with one native memcmp.
 */
export const MAX_NODE_ID = 2047;
export const BITSET_BYTES = 256;

export class Bitset {
  readonly bytes: Buffer;

  constructor(bytes?: Uint8Array) {
    this.bytes = Buffer.alloc(BITSET_BYTES);
    if (bytes) {
      if (bytes.length > BITSET_BYTES) throw new RangeError(`a bitset holds at most ${BITSET_BYTES} bytes`);
      this.bytes.set(bytes);
    }
  }

  static of(ids: Iterable<number>): Bitset {
    const b = new Bitset();
    for (const id of ids) b.add(id);
    return b;
  }

  has(id: number): boolean {
    return id >= 0 && id <= MAX_NODE_ID && (this.bytes[id >> 3]! & (1 << (id & 7))) !== 0;
  }

  add(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id > MAX_NODE_ID) throw new RangeError(`node id ${id} is outside 0..${MAX_NODE_ID}`);
    this.bytes[id >> 3]! |= 1 << (id & 7);
  }

  delete(id: number): void {
    if (id < 0 || id > MAX_NODE_ID) return;
    this.bytes[id >> 3]! &= ~(1 << (id & 7));
  }

  equals(other: Bitset): boolean {
    return this.bytes.equals(other.bytes);
  }

  copy(): Bitset {
    return new Bitset(this.bytes);
  }

  /** this := this ∩ other. Returns true when something was removed. */
  intersect(other: Bitset): boolean {
    let changed = false;
    for (let i = 0; i < BITSET_BYTES; i++) {
      const v = this.bytes[i]! & other.bytes[i]!;
      if (v !== this.bytes[i]) {
        this.bytes[i] = v;
        changed = true;
      }
    }
    return changed;
  }

  /** True when every member of this set is in `other`. */
  subsetOf(other: Bitset): boolean {
    for (let i = 0; i < BITSET_BYTES; i++) if ((this.bytes[i]! & ~other.bytes[i]!) !== 0) return false;
    return true;
  }

  /** True when the two sets share no member. */
  disjoint(other: Bitset): boolean {
    for (let i = 0; i < BITSET_BYTES; i++) if ((this.bytes[i]! & other.bytes[i]!) !== 0) return false;
    return true;
  }

  size(): number {
    let n = 0;
    for (let i = 0; i < BITSET_BYTES; i++) {
      let v = this.bytes[i]!;
      while (v) {
        v &= v - 1;
        n++;
      }
    }
    return n;
  }

  ids(): number[] {
    const out: number[] = [];
    for (let i = 0; i < BITSET_BYTES; i++) {
      const v = this.bytes[i]!;
      if (v === 0) continue;
      for (let b = 0; b < 8; b++) if (v & (1 << b)) out.push(i * 8 + b);
    }
    return out;
  }

  /** The bytes up to the last non-zero one: what goes on the wire. */
  trimmed(): Uint8Array {
    let end = BITSET_BYTES;
    while (end > 0 && this.bytes[end - 1] === 0) end--;
    return this.bytes.subarray(0, end);
  }

  toString(): string {
    return `{${this.ids().join(',')}}`;
  }
}
