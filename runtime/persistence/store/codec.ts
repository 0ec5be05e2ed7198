/**
 * The store's byte encoding: msgpack through msgpackr, configured to be deterministic
 * (plain maps in insertion order, no shared record structures whose ids would depend on
 * what was written before, absent optional fields rather than `undefined`). Both stores use
 * it, so that the memory store rejects exactly what the LMDB store rejects and hands back
 * copies, never the caller's objects.
 *
 * Encoding checks the shape of what it is given (a malformed record from a caller is
 * rejected before anything is written); decoding checks the shape of what it reads (a
 * record that does not decode is corruption, reported with its key, never a crash later).
 *
 * Every value written carries a checksum (docs/design/recovery.md §6.1): a marker byte that
 * msgpack never uses (0xc1), the CRC-32 of the msgpack bytes (4 bytes, big-endian), then
 * the msgpack bytes. A value whose bytes changed on disk is refused as corrupt instead of
 * being recovered with a changed meaning; a value without the marker was written before
 * checksums existed and is read as it is.
 */
import * as zlib from 'node:zlib';
import { Packr, type Options } from 'msgpackr';
import type { DeploymentPlan } from '../../../core/plan-types.js';
import { HISTORY_LIMIT, isLifecycleState, type ApplicationEntry, type ComponentKey, type ComponentRecord, type HistoryEntry } from './record.js';

const packr = new Packr({
  useRecords: false,
  mapsAsObjects: true,
  variableMapSize: true,
  // Documented by msgpackr 2.1 but missing from its type declarations.
  skipValues: [undefined],
  // Integers beyond 2^53 never occur in canonical values (a Long is a string); decode any as numbers.
  int64AsType: 'number',
} as Options & { skipValues: unknown[] });

/** LMDB refuses keys above about 1978 bytes; keep a margin for the key encoding's own bytes. */
export const MAX_KEY_BYTES = 1900;
/** Bound on nesting so that a cyclic or absurdly deep value fails cleanly instead of overflowing the stack. */
const MAX_DEPTH = 256;

/**
 * Thrown by the encoders; the stores turn it into `CheckpointRejectedError` naming the subject.
 * EncodeError and DecodeError stay plain Errors, not FrogErrors (core/errors.ts): they never
 * reach a user, only the store code that catches them next door and says what failed.
 */
export class EncodeError extends Error {}
/** Thrown by the decoders; the stores turn it into `StoreCorruptError` naming the key. */
export class DecodeError extends Error {}

export function keyText(key: ComponentKey): string {
  return `${key.app}/${key.path}`;
}

export function checkKey(key: ComponentKey): void {
  if (typeof key?.app !== 'string' || key.app === '') throw new EncodeError('the application name must be a non-empty string');
  if (typeof key.path !== 'string' || key.path === '') throw new EncodeError('the path must be a non-empty string');
  if (Buffer.byteLength(key.app) + Buffer.byteLength(key.path) > MAX_KEY_BYTES) {
    throw new EncodeError(`the application name and path are longer than ${MAX_KEY_BYTES} bytes`);
  }
}

/** Orders keys as `readAll` returns them: by application, then path. */
export function compareKeys(a: ComponentKey, b: ComponentKey): number {
  if (a.app !== b.app) return a.app < b.app ? -1 : 1;
  if (a.path !== b.path) return a.path < b.path ? -1 : 1;
  return 0;
}

/** Checks that a value is plain data that survives a msgpack round trip unchanged. */
/**
 * Checks that a value is plain data msgpack stores as it is. The place named in an error is
 * built only when there is an error: `base` (what is checked) and the keys on the way down.
 */
function placeOf(base: string, trail: (string | number)[]): string {
  return base + trail.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('');
}

function checkPlain(value: unknown, base: string, depth: number, trail: (string | number)[] = []): void {
  if (depth > MAX_DEPTH) throw new EncodeError(`${placeOf(base, trail)} is nested more than ${MAX_DEPTH} levels deep (or is cyclic)`);
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new EncodeError(`${placeOf(base, trail)} is ${value}; encode it as {$double: "${value}"}`);
      return;
    case 'object':
      if (value === null) return;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          if (item === null || typeof item === 'string' || typeof item === 'boolean') continue;
          trail.push(i);
          checkPlain(item, base, depth + 1, trail);
          trail.pop();
        }
        return;
      }
      {
        const proto = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null) {
          throw new EncodeError(`${placeOf(base, trail)} is a ${proto?.constructor?.name ?? 'non-plain object'}, not plain data`);
        }
        for (const k in value as Record<string, unknown>) {
          const v = (value as Record<string, unknown>)[k];
          if (v === undefined) continue;
          trail.push(k);
          checkPlain(v, base, depth + 1, trail);
          trail.pop();
        }
      }
      return;
    default:
      throw new EncodeError(`${placeOf(base, trail)} is ${typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`}, which cannot be stored`);
  }
}

function checkRecord(record: ComponentRecord): void {
  if (record === null || typeof record !== 'object') throw new EncodeError('the record is not an object');
  checkKey(record);
  if (record.parent !== null && typeof record.parent !== 'string') throw new EncodeError('`parent` must be a path or null');
  if (typeof record.planId !== 'string') throw new EncodeError('`planId` must be a string');
  if (!isLifecycleState(record.lifecycle)) throw new EncodeError(`\`${String(record.lifecycle)}\` is not a lifecycle state`);
  if (typeof record.epoch !== 'number' || !Number.isFinite(record.epoch)) throw new EncodeError('`epoch` must be a number');
  if (!Array.isArray(record.children) || !record.children.every((c) => typeof c === 'string')) {
    throw new EncodeError('`children` must be an array of names');
  }
  checkAttributes(record.attributes, 'attribute');
  const d = record.description;
  if (d === null || typeof d !== 'object' || typeof d.type !== 'string' || typeof d.host !== 'string' || !Array.isArray(d.lazy)) {
    throw new EncodeError('`description` must have `type`, `host`, `attributes` and `lazy`');
  }
  checkAttributes(d.attributes, 'description attribute');
  if (d.tags !== undefined) checkPlain(d.tags, 'description tags', 0);
  checkPlain(d.lazy, '`lazy`', 0);
  if (record.tags !== undefined) checkPlain(record.tags, 'tags', 0);
}

function checkAttributes(attributes: unknown, what: string): void {
  if (!Array.isArray(attributes)) throw new EncodeError(`the ${what}s must be an array of [name, value] pairs`);
  for (const pair of attributes) {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string') {
      throw new EncodeError(`each ${what} must be a [name, value] pair`);
    }
    const value: unknown = pair[1];
    if (value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) continue;
    checkPlain(value, `${what} \`${pair[0]}\``, 1);
  }
}

/** Encodes a record, with its fields in a fixed order so that equal records give equal bytes. */
export function encodeRecord(record: ComponentRecord): Buffer {
  checkRecord(record);
  const d = record.description;
  return seal(packr.pack({
    app: record.app,
    path: record.path,
    parent: record.parent,
    planId: record.planId,
    description: { type: d.type, host: d.host, attributes: d.attributes, tags: d.tags, lazy: d.lazy },
    attributes: record.attributes,
    tags: record.tags,
    children: record.children,
    lifecycle: record.lifecycle,
    epoch: record.epoch,
  }));
}

/** The marker of a checksummed value: 0xc1 is the one byte msgpack never uses. */
const SEALED = 0xc1;
const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3) of `bytes[from..]`. */
export function crc32(bytes: Uint8Array, from = 0): number {
  if (nativeCrc32) return nativeCrc32(from ? bytes.subarray(from) : bytes);
  return crc32Js(bytes, from);
}

/** zlib's CRC-32 (the same polynomial and result), native from Node 20.15; the table below otherwise. */
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

/** The CRC-32 in JavaScript: what older Node versions use, and what tests compare the native one with. */
export function crc32Js(bytes: Uint8Array, from = 0): number {
  let c = -1;
  for (let i = from; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** The stored form of msgpack bytes: marker, checksum, bytes. */
function seal(packed: Buffer): Buffer {
  const out = Buffer.allocUnsafe(packed.length + 5);
  out[0] = SEALED;
  out.writeUInt32BE(crc32(packed), 1);
  packed.copy(out, 5);
  return out;
}

function unpack(stored: Uint8Array): unknown {
  let bytes = stored;
  if (stored.length > 0 && stored[0] === SEALED) {
    if (stored.length < 5) throw new DecodeError('it is shorter than its checksum');
    const expected = Buffer.from(stored.buffer, stored.byteOffset, stored.length).readUInt32BE(1);
    bytes = stored.subarray(5);
    if (crc32(bytes) !== expected) throw new DecodeError('its checksum does not match its bytes: it was changed or damaged on disk');
  }
  try {
    return packr.unpack(bytes);
  } catch (error) {
    throw new DecodeError(`it is not valid msgpack (${error instanceof Error ? error.message : String(error)})`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function decodeRecord(bytes: Uint8Array): ComponentRecord {
  const value = unpack(bytes);
  if (!isObject(value)) throw new DecodeError('it is not a record');
  const r = value as unknown as ComponentRecord;
  const d = r.description as unknown;
  if (
    typeof r.app !== 'string' ||
    typeof r.path !== 'string' ||
    (r.parent !== null && typeof r.parent !== 'string') ||
    typeof r.planId !== 'string' ||
    !isObject(d) ||
    !Array.isArray(r.attributes) ||
    !Array.isArray(r.children) ||
    !isLifecycleState(r.lifecycle) ||
    typeof r.epoch !== 'number'
  ) {
    throw new DecodeError('it lacks fields of a component record');
  }
  return r;
}

export function encodePlan(plan: DeploymentPlan): Buffer {
  if (plan === null || typeof plan !== 'object' || typeof plan.id !== 'string' || plan.id === '') {
    throw new EncodeError('a plan must have an id');
  }
  if (Buffer.byteLength(plan.id) > MAX_KEY_BYTES) throw new EncodeError('the plan id is too long');
  checkPlain(plan, 'the plan', 0);
  return seal(packr.pack(plan));
}

export function decodePlan(bytes: Uint8Array): DeploymentPlan {
  const value = unpack(bytes);
  if (!isObject(value) || typeof value.id !== 'string' || !isObject(value.root)) throw new DecodeError('it is not a plan');
  return value as unknown as DeploymentPlan;
}

export function encodeApplication(entry: ApplicationEntry): Buffer {
  if (entry === null || typeof entry !== 'object' || typeof entry.name !== 'string' || entry.name === '') {
    throw new EncodeError('an application needs a name');
  }
  if (Buffer.byteLength(entry.name) > MAX_KEY_BYTES) throw new EncodeError('the application name is too long');
  if (typeof entry.planId !== 'string' || typeof entry.registered !== 'number') {
    throw new EncodeError('an application entry needs `planId` and `registered`');
  }
  return seal(packr.pack({ name: entry.name, planId: entry.planId, registered: entry.registered }));
}

export function decodeApplication(bytes: Uint8Array): ApplicationEntry {
  const value = unpack(bytes);
  if (!isObject(value) || typeof value.name !== 'string' || typeof value.planId !== 'string' || typeof value.registered !== 'number') {
    throw new DecodeError('it is not an application entry');
  }
  return value as unknown as ApplicationEntry;
}

/**
 * The history of ended applications (meta key `history`): `{ entries: [...] }`, oldest first,
 * each entry's fields in a fixed order. Its writer keeps it to HISTORY_LIMIT entries; a longer
 * list is refused.
 */
export function encodeHistory(entries: HistoryEntry[]): Buffer {
  if (!Array.isArray(entries)) throw new EncodeError('the history must be an array of entries');
  if (entries.length > HISTORY_LIMIT) throw new EncodeError(`the history has ${entries.length} entries; it keeps at most ${HISTORY_LIMIT}`);
  return seal(
    packr.pack({
      entries: entries.map((e, i) => {
        const problem = historyEntryProblem(e);
        if (problem) throw new EncodeError(`history entry ${i} ${problem}`);
        return { app: e.app, outcome: e.outcome, reason: e.reason, path: e.path, time: e.time, peer: e.peer };
      }),
    }),
  );
}

export function decodeHistory(bytes: Uint8Array): HistoryEntry[] {
  const value = unpack(bytes);
  if (!isObject(value) || !Array.isArray(value.entries)) throw new DecodeError('it is not a history');
  const entries = value.entries as unknown[];
  entries.forEach((e, i) => {
    const problem = historyEntryProblem(e);
    if (problem) throw new DecodeError(`it is not a history: entry ${i} ${problem}`);
  });
  return entries as HistoryEntry[];
}

/** What is wrong with the shape of a history entry, or undefined. */
function historyEntryProblem(e: unknown): string | undefined {
  if (!isObject(e)) return 'is not an object';
  if (typeof e.app !== 'string' || e.app === '') return 'needs an application name';
  if (e.outcome !== 'terminated' && e.outcome !== 'failed') return `has the outcome \`${String(e.outcome)}\` (not terminated or failed)`;
  if (typeof e.reason !== 'string' || typeof e.path !== 'string' || typeof e.peer !== 'string') return 'needs `reason`, `path` and `peer` strings';
  if (typeof e.time !== 'number' || !Number.isFinite(e.time)) return 'needs a `time` number';
  return undefined;
}

/** Meta values (format, incarnation, shutdown marker) are small plain objects. */
export function encodeMeta(value: Record<string, unknown>): Buffer {
  return seal(packr.pack(value));
}

export function decodeMeta(bytes: Uint8Array): Record<string, unknown> {
  const value = unpack(bytes);
  if (!isObject(value)) throw new DecodeError('it is not a metadata object');
  return value;
}
