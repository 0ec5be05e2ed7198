/**
 * Values between the description language and the state space. The state space carries
 * plain data (what msgpack encodes and any peer can read); components hold the value model.
 *
 * To the state space (`toStateValue`): Integer and Double/Float → number, Long → number when
 * it is a safe integer, else its decimal text; String, Boolean, NULL, bytes as they are;
 * vectors → arrays; a description → a plain object of its attributes (converted the same
 * way); a live component → its complete name; an unresolved reference → its text.
 *
 * From the state space (`fromStateValue`): whole numbers → Integer when they fit in 32 bits,
 * else Long; other numbers → Double; bigint → Long; arrays → vectors; plain objects → DATA
 * descriptions (non-eager, so nothing is deployed from them); anything else → its text.
 */
import { Applied, Description, Ref, SfDouble, SfFloat, TBD, type Value } from '../../core/values.js';
import { Prim, type RuntimeValue } from '../component/component.js';
import type { StateValue } from './state-access.js';

const MAX_DEPTH = 64;

export function toStateValue(v: RuntimeValue, depth = 0): StateValue {
  if (depth > MAX_DEPTH) return null;
  if (v === null || typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof SfFloat || v instanceof SfDouble) return v.value;
  if (v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map((x) => toStateValue(x, depth + 1));
  if (v instanceof Prim) return v.path;
  if (v instanceof Description) {
    const out: Record<string, StateValue> = {};
    for (const [name, attr] of v.attrs) {
      // Own property even for `__proto__`.
      Object.defineProperty(out, name, { value: toStateValue(attr.value, depth + 1), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  if (v instanceof Ref) return v.toString();
  if (v instanceof Applied) return null;
  if (v === TBD) return null;
  return String(v);
}

export function fromStateValue(v: StateValue, depth = 0): Value {
  if (depth > MAX_DEPTH) return null;
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return v >= -(2 ** 31) && v < 2 ** 31 ? v : BigInt(v);
    return new SfDouble(v);
  }
  if (typeof v === 'bigint') return v;
  if (v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map((x) => fromStateValue(x, depth + 1));
  if (typeof v === 'object') {
    const d = new Description();
    d.eager = false;
    for (const [name, x] of Object.entries(v as Record<string, unknown>)) d.set(name, fromStateValue(x, depth + 1));
    return d;
  }
  return String(v);
}

/** Plain data safe for JSON event lines (bytes as base64, bigint as text). */
export function jsonSafe(v: StateValue, depth = 0): unknown {
  if (depth > MAX_DEPTH) return null;
  if (v === undefined) return null;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  if (Array.isArray(v)) return v.map((x) => jsonSafe(x, depth + 1));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) Object.defineProperty(out, k, { value: jsonSafe(x, depth + 1), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}
