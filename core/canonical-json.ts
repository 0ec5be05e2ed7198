/**
 * The canonical JSON text of a resolved description written straight from the tree
 * (docs/design/output.md): the very text `JSON.stringify(encodeValue(d), null, 2) + '\n'`
 * gives (core/canonical.ts), without the encoded object tree in between, and handed to a sink
 * in chunks as it grows, so that the output of 100,000 components never has to be one string.
 *
 * Before the first chunk leaves, `checkWritable` walks the tree once in the order the writer does
 * and throws the CanonicalError that encodeValue would throw: a value without canonical form
 * (TBD) never leaves half a document behind.
 */
import { Applied, Description, Ref, SfDouble, SfFloat, TBD, kindOf, type Value } from './values.js';
import { CanonicalError } from './canonical.js';

/** Receives the text in order; the chunks joined are the whole document. */
export type TextSink = (chunk: string) => void;

/** Text is handed to the sink in pieces of about this many characters. */
export const CHUNK_CHARS = 1 << 16;

/**
 * Throws the CanonicalError encodeValue (core/canonical.ts) throws for the first value without a
 * canonical form, in the same depth-first attribute order; bounded by the size of the tree.
 */
export function checkWritable(v: Value): void {
  if (v === null) return;
  switch (typeof v) {
    case 'string':
    case 'boolean':
    case 'number':
    case 'bigint':
      return;
  }
  if (v === TBD) throw new CanonicalError('TBD has no canonical encoding: it must be overridden before output');
  if (v instanceof SfFloat || v instanceof SfDouble || v instanceof Uint8Array) return;
  if (Array.isArray(v)) {
    for (const item of v) checkWritable(item);
    return;
  }
  if (v instanceof Description) {
    for (const attr of v.attrs.values()) checkWritable(attr.value);
    return;
  }
  if (v instanceof Ref) {
    if (v.optional && v.defaultValue !== undefined) checkWritable(v.defaultValue);
    return;
  }
  if (v instanceof Applied) {
    checkWritable(v.body);
    return;
  }
  throw new CanonicalError(`a value of kind ${kindOf(v)} has no canonical encoding`);
}

/** NaN and the infinities as the canonical strings, finite numbers as JSON writes them. */
function floating(x: number): string {
  if (Number.isNaN(x)) return '"NaN"';
  if (x === Infinity) return '"Infinity"';
  if (x === -Infinity) return '"-Infinity"';
  return String(x);
}

class CanonicalWriter {
  out = '';
  private readonly pads: string[] = [''];

  /** Each attribute name as a JSON string (names repeat across components). */
  private readonly names = new Map<string, string>();
  private unchecked = true;

  constructor(
    private readonly sink: TextSink | undefined,
    /** The whole tree, checked (checkWritable) before the first chunk leaves; a small result is never checked twice. */
    private readonly root: Value,
  ) {}

  private quoted(name: string): string {
    let text = this.names.get(name);
    if (text === undefined) {
      text = JSON.stringify(name);
      this.names.set(name, text);
    }
    return text;
  }

  private pad(depth: number): string {
    while (this.pads.length <= depth) this.pads.push(this.pads[this.pads.length - 1] + '  ');
    return this.pads[depth];
  }

  /** Hands what has been written to the sink once it is long enough. */
  private spill(): void {
    if (this.sink !== undefined && this.out.length >= CHUNK_CHARS) {
      if (this.unchecked) {
        checkWritable(this.root);
        this.unchecked = false;
      }
      this.sink(this.out);
      this.out = '';
    }
  }

  value(v: Value, depth: number): void {
    if (v === null) {
      this.out += 'null';
      return;
    }
    switch (typeof v) {
      case 'string':
        this.out += JSON.stringify(v);
        return;
      case 'boolean':
        this.out += v ? 'true' : 'false';
        return;
      case 'number':
        // JSON.stringify writes what is not finite as null.
        this.out += Number.isFinite(v) ? String(v) : 'null';
        return;
      case 'bigint':
        this.one('$long', JSON.stringify(v.toString()), depth);
        return;
    }
    if (v instanceof Description) this.description(v, depth);
    else if (Array.isArray(v)) {
      if (v.length === 0) {
        this.out += '[]';
        return;
      }
      const inner = this.pad(depth + 1);
      for (let i = 0; i < v.length; i++) {
        this.out += (i === 0 ? '[\n' : ',\n') + inner;
        this.value(v[i], depth + 1);
      }
      this.out += '\n' + this.pad(depth) + ']';
    } else if (v instanceof SfFloat) this.one('$float', floating(v.value), depth);
    else if (v instanceof SfDouble) this.one('$double', floating(v.value), depth);
    else if (v instanceof Uint8Array) this.one('$bytes', JSON.stringify(Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')), depth);
    else if (v instanceof Ref) this.ref(v, depth);
    else if (v instanceof Applied) {
      const inner = this.pad(depth + 1);
      this.out += `{\n${inner}"$${v.kind}": `;
      this.description(v.body, depth + 1);
      if (v.lazy) this.out += `,\n${inner}"lazy": true`;
      if (v.data) this.out += `,\n${inner}"data": true`;
      this.out += '\n' + this.pad(depth) + '}';
    } else {
      // checkWritable has refused these before the first chunk.
      throw new CanonicalError(v === TBD ? 'TBD has no canonical encoding: it must be overridden before output' : `a value of kind ${kindOf(v)} has no canonical encoding`);
    }
  }

  /** `{"key": text}` over three lines, as JSON.stringify indents an object of one member. */
  private one(key: string, text: string, depth: number): void {
    this.out += `{\n${this.pad(depth + 1)}"${key}": ${text}\n${this.pad(depth)}}`;
  }

  private ref(r: Ref, depth: number): void {
    const inner = this.pad(depth + 1);
    this.out += `{\n${inner}"$ref": ${JSON.stringify(r.toString())}`;
    if (r.lazy) this.out += `,\n${inner}"lazy": true`;
    if (r.data) this.out += `,\n${inner}"data": true`;
    if (r.optional) {
      this.out += `,\n${inner}"optional": true`;
      if (r.defaultValue !== undefined) {
        this.out += `,\n${inner}"default": `;
        this.value(r.defaultValue, depth + 1);
      }
    }
    this.out += '\n' + this.pad(depth) + '}';
  }

  description(d: Description, depth: number): void {
    const inner = this.pad(depth + 1);
    const entry = this.pad(depth + 2);
    const item = this.pad(depth + 3);
    this.out += `{\n${inner}"$cd": `;
    let tags: [string, string[]][] | undefined = undefined as [string, string[]][] | undefined;
    if (d.attrs.size === 0) this.out += '[]';
    else {
      const open = '\n' + entry + '[\n' + item;
      const between = ',\n' + item;
      const close = '\n' + entry + ']';
      let first = true;
      d.attrs.forEach((attr, name) => {
        this.out += (first ? '[' : ',') + open + this.quoted(name) + between;
        first = false;
        this.value(attr.value, depth + 3);
        this.out += close;
        if (attr.tags && attr.tags.size) (tags ??= []).push([name, [...attr.tags].sort()]);
        this.spill();
      });
      this.out += '\n' + inner + ']';
    }
    if (!d.eager) this.out += `,\n${inner}"eager": false`;
    if (tags) {
      // As encodeDescription builds it: Object.fromEntries orders integer-like names first.
      const object = Object.fromEntries(tags) as Record<string, string[]>;
      const names = Object.keys(object);
      const tagPad = this.pad(depth + 3);
      this.out += `,\n${inner}"tags": {`;
      names.forEach((name, i) => {
        const list = object[name];
        this.out += (i === 0 ? '\n' : ',\n') + entry + JSON.stringify(name) + ': ';
        if (list.length === 0) this.out += '[]';
        else this.out += '[\n' + list.map((t) => tagPad + JSON.stringify(t)).join(',\n') + '\n' + entry + ']';
      });
      this.out += '\n' + inner + '}';
    }
    this.out += '\n' + this.pad(depth) + '}';
  }

  end(): string {
    this.out += '\n';
    if (this.sink === undefined) return this.out;
    if (this.out.length) this.sink(this.out);
    this.out = '';
    return '';
  }
}

/**
 * Writes the canonical JSON of `v` (with its final newline) to `sink` in chunks; without a
 * sink, returns it as one string. Throws before writing anything when a value has no canonical form.
 */
export function writeCanonicalJson(v: Value, sink?: TextSink): string {
  const w = new CanonicalWriter(sink, v);
  w.value(v, 0);
  return w.end();
}
