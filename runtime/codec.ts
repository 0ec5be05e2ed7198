/**
 * The canonical encoding of values (architecture.md, "Data that crosses a boundary")
 * to and from the value model of compiler/values.ts, as the runtime needs it: plans
 * carry EncodedValue, components work with Value.
 */
import type { EncodedDescription, EncodedValue } from '../compiler/plan-types.js';
import { Applied, Description, Ref, SfDouble, SfFloat, TBD, type RefPart, type Value } from '../compiler/values.js';
import type { RefPartKind } from '../language/ast.js';

export class EncodingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EncodingError';
  }
}

function decodeNumber(v: number | string): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  throw new EncodingError(`invalid number ${JSON.stringify(v)}`);
}

function encodeNumber(v: number): number | string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}

export function decodeDescription(e: EncodedDescription): Description {
  const d = new Description();
  if (e.eager === false) d.eager = false;
  for (const [name, value] of e.$cd) {
    const tags = e.tags?.[name];
    d.set(name, decodeValue(value), tags ? new Set(tags) : undefined);
  }
  return d;
}

/** EncodedValue → Value. Throws EncodingError on malformed input. */
export function decodeValue(e: EncodedValue): Value {
  if (e === null || typeof e === 'number' || typeof e === 'string' || typeof e === 'boolean') return e;
  if (Array.isArray(e)) return e.map(decodeValue);
  if (typeof e !== 'object') throw new EncodingError(`invalid value ${String(e)}`);
  if ('$cd' in e) return decodeDescription(e);
  if ('$long' in e) return BigInt(e.$long);
  if ('$float' in e) return new SfFloat(decodeNumber(e.$float));
  if ('$double' in e) return new SfDouble(decodeNumber(e.$double));
  if ('$bytes' in e) return new Uint8Array(Buffer.from(e.$bytes, 'base64'));
  if ('$ref' in e) {
    return new Ref(
      parseReferenceText(e.$ref),
      e.lazy ?? false,
      e.data ?? false,
      e.optional ?? false,
      e.default !== undefined ? decodeValue(e.default) : undefined,
    );
  }
  if ('$apply' in e) return new Applied('apply', decodeDescription(e.$apply), e.lazy ?? false, e.data ?? false);
  if ('$assert' in e) return new Applied('assert', decodeDescription(e.$assert), e.lazy ?? false, e.data ?? false);
  throw new EncodingError(`unknown encoded value ${JSON.stringify(e).slice(0, 80)}`);
}

export function encodeDescription(d: Description): EncodedDescription {
  const out: EncodedDescription = { $cd: [] };
  const tags: Record<string, string[]> = {};
  for (const [name, attr] of d.attrs) {
    out.$cd.push([name, encodeValue(attr.value)]);
    if (attr.tags?.size) tags[name] = [...attr.tags].sort();
  }
  if (!d.eager) out.eager = false;
  if (Object.keys(tags).length) out.tags = tags;
  return out;
}

/** Value → EncodedValue. */
export function encodeValue(v: Value): EncodedValue {
  if (v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return { $long: v.toString() };
  if (v === TBD) throw new EncodingError('TBD cannot be encoded');
  if (Array.isArray(v)) return v.map(encodeValue);
  if (v instanceof SfFloat) return { $float: encodeNumber(v.value) };
  if (v instanceof SfDouble) return { $double: encodeNumber(v.value) };
  if (v instanceof Uint8Array) return { $bytes: Buffer.from(v).toString('base64') };
  if (v instanceof Description) return encodeDescription(v);
  if (v instanceof Ref) {
    const r: EncodedValue = { $ref: v.toString() };
    if (v.lazy) r.lazy = true;
    if (v.data) r.data = true;
    if (v.optional) r.optional = true;
    if (v.defaultValue !== undefined) r.default = encodeValue(v.defaultValue);
    return r;
  }
  if (v instanceof Applied) {
    const body = encodeDescription(v.body);
    const flags = { ...(v.lazy ? { lazy: true } : {}), ...(v.data ? { data: true } : {}) };
    return v.kind === 'apply' ? { $apply: body, ...flags } : { $assert: body, ...flags };
  }
  throw new EncodingError('unknown value');
}

const BARE_KINDS = new Set(['ROOT', 'PARENT', 'THIS', 'PROCESS']);
const NAMED_KINDS = new Set(['ATTRIB', 'HERE', 'PROPERTY', 'IPROPERTY', 'ENVPROPERTY', 'IENVPROPERTY', 'CONSTANT', 'HOST']);

/**
 * Parses the canonical text of a reference (`PARENT:x`, `ATTRIB a:b`, `HERE "a b"`), as
 * written by `refText` in compiler/values.ts: parts joined by `:`, names JSON-quoted when
 * they are not plain words.
 */
export function parseReferenceText(text: string): RefPart[] {
  const parts: RefPart[] = [];
  let i = 0;
  const n = text.length;
  const readName = (): string => {
    if (text[i] === '"') {
      let j = i + 1;
      while (j < n && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (j >= n) throw new EncodingError(`unterminated name in reference ${JSON.stringify(text)}`);
      const name = JSON.parse(text.slice(i, j + 1)) as string;
      i = j + 1;
      return name;
    }
    let j = i;
    while (j < n && text[j] !== ':' && text[j] !== ' ') j++;
    const name = text.slice(i, j);
    i = j;
    return name;
  };
  while (i <= n) {
    if (text[i] === '"') {
      parts.push({ kind: 'WORD', name: readName() });
    } else {
      const start = i;
      const word = readName();
      if (BARE_KINDS.has(word)) parts.push({ kind: word as RefPartKind });
      else if (NAMED_KINDS.has(word) && text[i] === ' ') {
        i++;
        parts.push({ kind: word as RefPartKind, name: readName() });
      } else {
        if (!word) throw new EncodingError(`empty part at ${start} in reference ${JSON.stringify(text)}`);
        parts.push({ kind: 'WORD', name: word });
      }
    }
    if (i >= n) break;
    if (text[i] !== ':') throw new EncodingError(`unexpected ${JSON.stringify(text[i])} in reference ${JSON.stringify(text)}`);
    i++;
  }
  return parts;
}
