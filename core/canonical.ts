/**
 * The canonical encoding of values (docs/design/pipeline.md §3): the
 * JSON that `frog resolve --format canonical` prints and the conformance suite compares, and the
 * same structure in msgpack for plans. Key order is part of the format:
 *   description  {"$cd": [[name, value], ...], "eager": false, "tags": {name: [sorted tags]}}
 *   reference    {"$ref": text, "lazy": true, "data": true, "optional": true, "default": v}
 *   function     {"$apply": description, "lazy": true, "data": true}   (`$assert` alike)
 * with each of eager/tags/lazy/data/optional/default present only when it says something.
 */
import { createRequire } from 'node:module';
import type { Packr, Unpackr } from 'msgpackr';
import { Applied, Description, Ref, SfDouble, SfFloat, TBD, kindOf, type RefPart, type Value } from './values.js';
import type { EncodedDescription, EncodedReference, EncodedValue } from './plan-types.js';
import { FrogError } from './errors.js';
import { Messages } from './messages/index.js';
import { RefTextError, parseRefText } from './ref-text.js';
import { writeCanonicalJson } from './canonical-json.js';

/** A value that has no canonical form, or canonical data that is not valid (SF3204, SF3205 with `where`). */
export class CanonicalError extends FrogError {
  constructor(
    readonly reason: string,
    /** Where in the data: `$cd[2][1]` style, empty for the top. */
    readonly where = '',
  ) {
    super(where ? Messages.NotCanonicalAt : Messages.NotCanonical, where ? { reason, where } : { reason });
    this.name = 'CanonicalError';
  }
}

function encodeFloating(x: number): number | string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  return x;
}

function bytesToBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** The canonical encoding of a resolved value. TBD has none (it never reaches the output). */
export function encodeValue(v: Value): EncodedValue {
  if (v === null || typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') return v;
  if (typeof v === 'bigint') return { $long: v.toString() };
  if (v === TBD) throw new CanonicalError('TBD has no canonical encoding: it must be overridden before output');
  if (v instanceof SfFloat) return { $float: encodeFloating(v.value) };
  if (v instanceof SfDouble) return { $double: encodeFloating(v.value) };
  if (Array.isArray(v)) return v.map(encodeValue);
  if (v instanceof Uint8Array) return { $bytes: bytesToBase64(v) };
  if (v instanceof Description) return encodeDescription(v);
  if (v instanceof Ref) return encodeRef(v);
  if (v instanceof Applied) {
    const body = encodeDescription(v.body);
    const out = (v.kind === 'apply' ? { $apply: body } : { $assert: body }) as { $apply: EncodedDescription; lazy?: boolean; data?: boolean };
    if (v.lazy) out.lazy = true;
    if (v.data) out.data = true;
    return out;
  }
  throw new CanonicalError(`a value of kind ${kindOf(v)} has no canonical encoding`);
}

export function encodeDescription(d: Description): EncodedDescription {
  const out: EncodedDescription = { $cd: [] };
  const tags: [string, string[]][] = [];
  for (const [name, attr] of d.attrs) {
    out.$cd.push([name, encodeValue(attr.value)]);
    if (attr.tags && attr.tags.size) tags.push([name, [...attr.tags].sort()]);
  }
  if (!d.eager) out.eager = false;
  // fromEntries defines own properties, so even an attribute called `__proto__` is kept.
  if (tags.length) out.tags = Object.fromEntries(tags);
  return out;
}

function encodeRef(r: Ref): EncodedReference {
  const out: EncodedReference = { $ref: r.toString() };
  if (r.lazy) out.lazy = true;
  if (r.data) out.data = true;
  if (r.optional) {
    out.optional = true;
    if (r.defaultValue !== undefined) out.default = encodeValue(r.defaultValue);
  }
  return out;
}

/**
 * The canonical JSON text of a resolved description: exactly what the conformance suite compares,
 * `JSON.stringify(encodeValue(d), null, 2) + '\n'`, written by canonical-json.ts without the
 * encoded tree (and in chunks to a sink there, for big results).
 */
export function toCanonicalJson(d: Description): string {
  return writeCanonicalJson(d);
}

// --- decoding ---------------------------------------------------------------------------

type Json = EncodedValue | Record<string, unknown> | unknown;

function isPlainObject(e: unknown): e is Record<string, unknown> {
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return false;
  const proto = Object.getPrototypeOf(e);
  return proto === Object.prototype || proto === null;
}

function checkKeys(o: Record<string, unknown>, allowed: string[], where: string): void {
  for (const key of Object.keys(o)) {
    if (!allowed.includes(key)) throw new CanonicalError(`unexpected key \`${key}\``, where);
  }
}

function flag(o: Record<string, unknown>, key: string, where: string): boolean {
  const v = o[key];
  if (v === undefined) return false;
  if (v !== true) throw new CanonicalError(`\`${key}\` must be true when present`, where);
  return true;
}

function decodeFloating(v: unknown, key: string, where: string): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  throw new CanonicalError(`\`${key}\` must be a number or "NaN", "Infinity", "-Infinity"`, where);
}

const LONG = /^-?(0|[1-9][0-9]*)$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

/**
 * A value from its canonical encoding, checked strictly: a bad shape is a CanonicalError that
 * says what and where. Descriptions get their parents; the body of a function gets the
 * description holding it as its parent (its operands resolve from there at run time); a
 * description inside a vector has no parent, as the `vector` function leaves it.
 */
/**
 * Parsed reference texts, shared between the Refs decoded from the same text (frozen: a Ref's
 * parts are never changed). A plan of 100,000 components whose attributes hold the same few
 * references parses each text once. Bounded: cleared when full.
 */
const REF_PARTS = new Map<string, RefPart[]>();
const REF_PARTS_LIMIT = 10_000;

export function decodeValue(e: EncodedValue): Value {
  return decode(e, null, '');
}

function decode(e: Json, holder: Description | null, where: string): Value {
  if (e === null || typeof e === 'string' || typeof e === 'boolean') return e;
  if (typeof e === 'number') {
    if (!Number.isInteger(e) || e < INT_MIN || e > INT_MAX) {
      throw new CanonicalError(`the number ${e} is not a 32-bit Integer (write {"$double": ${e}} for a Double)`, where);
    }
    return e | 0;
  }
  if (Array.isArray(e)) return e.map((x, i) => decode(x, holder, `${where}[${i}]`));
  if (!isPlainObject(e)) throw new CanonicalError(`a ${typeof e === 'object' ? 'non-JSON object' : typeof e} is not a canonical value`, where);
  if ('$cd' in e) return decodeDescription(e, where);
  if ('$long' in e) {
    checkKeys(e, ['$long'], where);
    const text = e.$long;
    if (typeof text !== 'string' || !LONG.test(text)) throw new CanonicalError('`$long` must be a decimal integer string', where);
    const value = BigInt(text);
    if (value < LONG_MIN || value > LONG_MAX) throw new CanonicalError(`the long ${text} does not fit in 64 bits`, where);
    return value;
  }
  if ('$float' in e) {
    checkKeys(e, ['$float'], where);
    return new SfFloat(decodeFloating(e.$float, '$float', where));
  }
  if ('$double' in e) {
    checkKeys(e, ['$double'], where);
    return new SfDouble(decodeFloating(e.$double, '$double', where));
  }
  if ('$bytes' in e) {
    checkKeys(e, ['$bytes'], where);
    if (typeof e.$bytes !== 'string' || !BASE64.test(e.$bytes)) throw new CanonicalError('`$bytes` must be base64 text', where);
    return new Uint8Array(Buffer.from(e.$bytes, 'base64'));
  }
  if ('$ref' in e) {
    checkKeys(e, ['$ref', 'lazy', 'data', 'optional', 'default'], where);
    if (typeof e.$ref !== 'string') throw new CanonicalError('`$ref` must be reference text', where);
    let parts = REF_PARTS.get(e.$ref);
    try {
      if (!parts) {
        parts = Object.freeze(parseRefText(e.$ref).map((p) => Object.freeze(p))) as RefPart[];
        if (REF_PARTS.size >= REF_PARTS_LIMIT) REF_PARTS.clear();
        REF_PARTS.set(e.$ref, parts);
      }
    } catch (err) {
      if (err instanceof RefTextError) throw new CanonicalError(err.message, where);
      throw err;
    }
    const lazy = flag(e, 'lazy', where);
    const data = flag(e, 'data', where);
    const optional = flag(e, 'optional', where);
    if (!optional && 'default' in e) throw new CanonicalError('`default` needs `optional`', where);
    const fallback = 'default' in e ? decode(e.default, holder, `${where}.default`) : undefined;
    return new Ref(parts, lazy, data, optional, fallback);
  }
  if ('$apply' in e || '$assert' in e) {
    const kind = '$apply' in e ? 'apply' : 'assert';
    const key = `$${kind}`;
    checkKeys(e, [key, 'lazy', 'data'], where);
    if (!isPlainObject(e[key]) || !('$cd' in (e[key] as object))) {
      throw new CanonicalError(`\`${key}\` must hold a description {"$cd": ...}`, where);
    }
    const body = decodeDescription(e[key] as Record<string, unknown>, `${where}.${key}`);
    body.parent = holder;
    return new Applied(kind, body, flag(e, 'lazy', where), flag(e, 'data', where));
  }
  throw new CanonicalError(`unknown object with keys ${Object.keys(e).map((k) => `\`${k}\``).join(', ') || '(none)'}`, where);
}

function decodeDescription(e: Record<string, unknown>, where: string): Description {
  checkKeys(e, ['$cd', 'eager', 'tags'], where);
  const d = new Description();
  if ('eager' in e) {
    if (e.eager !== false) throw new CanonicalError('`eager` must be false when present', where);
    d.eager = false;
  }
  const entries = e.$cd;
  if (!Array.isArray(entries)) throw new CanonicalError('`$cd` must be an array of [name, value] pairs', where);
  entries.forEach((entry, i) => {
    const at = `${where}.$cd[${i}]`;
    if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string') {
      throw new CanonicalError('an attribute must be a [name, value] pair', at);
    }
    const name = entry[0];
    if (d.attrs.has(name)) throw new CanonicalError(`attribute \`${name}\` appears twice`, at);
    d.set(name, decode(entry[1], d, `${at}[1]`));
  });
  if ('tags' in e) {
    const tags = e.tags;
    if (!isPlainObject(tags)) throw new CanonicalError('`tags` must be an object', where);
    for (const [name, list] of Object.entries(tags)) {
      const attr = d.attrs.get(name);
      if (!attr) throw new CanonicalError(`tags for \`${name}\`, which is not an attribute`, `${where}.tags`);
      if (!Array.isArray(list) || list.length === 0 || !list.every((t) => typeof t === 'string')) {
        throw new CanonicalError(`the tags of \`${name}\` must be a non-empty array of strings`, `${where}.tags`);
      }
      attr.tags = new Set(list as string[]);
    }
  }
  return d;
}

// --- msgpack ----------------------------------------------------------------------------

/**
 * Plain msgpack with no extensions (no records, structures, bundled strings or typed
 * arrays), so the bytes depend only on the encoded value: integers in the smallest int
 * format, other numbers as float64, maps sized by their key count, keys in insertion order.
 */
const PACK_OPTIONS = {
  useRecords: false,
  moreTypes: false,
  structuredClone: false,
  bundleStrings: false,
  useToJSON: false,
  useFloat32: 0,
  variableMapSize: true,
  mapsAsObjects: true,
  copyBuffers: true,
} as const;

/**
 * msgpackr, loaded on first use (synchronously, from its CommonJS build): most commands that
 * load this module (`frog resolve` among them) never pack, and the package costs start-up time.
 */
let codec: { packr: Packr; unpackr: Unpackr } | undefined;
function msgpack(): { packr: Packr; unpackr: Unpackr } {
  if (!codec) {
    const m = createRequire(import.meta.url)('msgpackr') as typeof import('msgpackr');
    codec = { packr: new m.Packr(PACK_OPTIONS), unpackr: new m.Unpackr(PACK_OPTIONS) };
  }
  return codec;
}

/** Something the writer below leaves to msgpackr (undefined, a class instance): never in an encoded value. */
class NotPlain {}
const NOT_PLAIN = new NotPlain();

/**
 * The writer of `msgpackEncodeCanonical`: the bytes msgpackr writes with PACK_OPTIONS for the
 * JSON-shaped values an encoded value is made of (null, booleans, numbers, strings, arrays,
 * plain objects), written here so that `frog validate` and `frog compile`, which hash plans,
 * need not load msgpackr and its native add-on at start (docs/design/startup.md). The tests
 * compare the two byte for byte; anything else throws NOT_PLAIN and msgpackr writes it.
 */
class CanonicalPacker {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  pos = 0;

  bytes(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  private header(length: number, fix: number, fixLimit: number, c16: number, c32: number): void {
    this.room(5);
    if (length < fixLimit) this.buf[this.pos++] = fix | length;
    else if (length < 0x10000) {
      this.buf[this.pos++] = c16;
      this.buf[this.pos++] = length >> 8;
      this.buf[this.pos++] = length & 0xff;
    } else {
      this.buf[this.pos++] = c32;
      this.view.setUint32(this.pos, length);
      this.pos += 4;
    }
  }

  private string(s: string): void {
    let ascii = true;
    for (let i = 0; i < s.length; i++) {
      if (s.charCodeAt(i) >= 0x80) {
        ascii = false;
        break;
      }
    }
    const bytes = ascii ? undefined : Buffer.from(s, 'utf8');
    const length = bytes ? bytes.length : s.length;
    this.room(length + 5);
    if (length < 0x20) this.buf[this.pos++] = 0xa0 | length;
    else if (length < 0x100) {
      this.buf[this.pos++] = 0xd9;
      this.buf[this.pos++] = length;
    } else if (length < 0x10000) {
      this.buf[this.pos++] = 0xda;
      this.buf[this.pos++] = length >> 8;
      this.buf[this.pos++] = length & 0xff;
    } else {
      this.buf[this.pos++] = 0xdb;
      this.view.setUint32(this.pos, length);
      this.pos += 4;
    }
    if (bytes) this.buf.set(bytes, this.pos);
    else for (let i = 0; i < length; i++) this.buf[this.pos + i] = s.charCodeAt(i);
    this.pos += length;
  }

  private number(n: number): void {
    this.room(9);
    const b = this.buf;
    if (n >>> 0 === n) {
      if (n < 0x80) b[this.pos++] = n;
      else if (n < 0x100) {
        b[this.pos++] = 0xcc;
        b[this.pos++] = n;
      } else if (n < 0x10000) {
        b[this.pos++] = 0xcd;
        b[this.pos++] = n >> 8;
        b[this.pos++] = n & 0xff;
      } else {
        b[this.pos++] = 0xce;
        this.view.setUint32(this.pos, n);
        this.pos += 4;
      }
    } else if (n >> 0 === n) {
      if (n >= -0x20) b[this.pos++] = 0x100 + n;
      else if (n >= -0x80) {
        b[this.pos++] = 0xd0;
        b[this.pos++] = n + 0x100;
      } else if (n >= -0x8000) {
        b[this.pos++] = 0xd1;
        this.view.setInt16(this.pos, n);
        this.pos += 2;
      } else {
        b[this.pos++] = 0xd2;
        this.view.setInt32(this.pos, n);
        this.pos += 4;
      }
    } else {
      b[this.pos++] = 0xcb;
      this.view.setFloat64(this.pos, n);
      this.pos += 8;
    }
  }

  value(v: unknown, depth: number): void {
    // Deeper than any description the limits let through: msgpackr's own recursion then decides.
    if (depth > 10_000) throw NOT_PLAIN;
    if (v === null) {
      this.room(1);
      this.buf[this.pos++] = 0xc0;
    } else if (typeof v === 'string') this.string(v);
    else if (typeof v === 'number') this.number(v);
    else if (typeof v === 'boolean') {
      this.room(1);
      this.buf[this.pos++] = v ? 0xc3 : 0xc2;
    } else if (Array.isArray(v) && v.constructor === Array) {
      this.header(v.length, 0x90, 0x10, 0xdc, 0xdd);
      for (let i = 0; i < v.length; i++) this.value(v[i], depth + 1);
    } else if (typeof v === 'object' && v.constructor === Object && typeof (v as { toJSON?: unknown }).toJSON !== 'function') {
      const keys = Object.keys(v);
      this.header(keys.length, 0x80, 0x10, 0xde, 0xdf);
      for (const key of keys) {
        this.string(key);
        this.value((v as Record<string, unknown>)[key], depth + 1);
      }
    } else throw NOT_PLAIN;
  }
}

/** The canonical msgpack bytes of an encoded value (plan ids hash these). */
export function msgpackEncodeCanonical(v: EncodedValue): Uint8Array {
  const packer = new CanonicalPacker();
  try {
    packer.value(v, 0);
    return packer.bytes();
  } catch (e) {
    if (e !== NOT_PLAIN) throw e;
  }
  // A copy: the packer may reuse the memory behind the buffer it returns.
  return Uint8Array.from(msgpack().packr.pack(v));
}

/** The same bytes from msgpackr itself, for the tests that compare the two writers. */
export function msgpackEncodeCanonicalWithMsgpackr(v: EncodedValue): Uint8Array {
  return Uint8Array.from(msgpack().packr.pack(v));
}

/** An encoded value from msgpack bytes; pass it to decodeValue to check and rebuild it. */
export function msgpackDecodeCanonical(bytes: Uint8Array): EncodedValue {
  try {
    return msgpack().unpackr.unpack(bytes) as EncodedValue;
  } catch (err) {
    throw new CanonicalError(`invalid msgpack data: ${err instanceof Error ? err.message : String(err)}`);
  }
}
