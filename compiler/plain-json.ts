/**
 * The plain JSON form of a resolved description (`frog resolve --format json`,
 * docs/design/language.md §14.1): descriptions as JSON objects in attribute order, numbers,
 * strings, booleans, null and arrays as themselves, so that `jq .who` reads a value. What
 * JSON has no form for is written as a small object with one `$` key:
 *   reference          {"$ref": "LAZY a:b"}            (its .sf text, flags included)
 *   function, predicate {"$apply": {...body...}, "lazy": true}   (`$assert` alike; `data` too)
 *   Long beyond 2^53   {"$long": "9007199254740993"}
 *   NaN, ±Infinity     {"$double": "NaN"}, {"$float": "-Infinity"}
 *   byte array         {"$bytes": "<base64>"}
 * An attribute name that starts with `$` gets one more `$` in front (`$x` → `"$$x"`), so a key
 * with a single leading `$` always marks one of the forms above. Tags and the data flag of a
 * description are left out: the canonical form (`--format canonical`) keeps everything.
 *
 * The text is written straight from the tree, without an intermediate object tree, and with a
 * sink it goes out in chunks as it grows, since outputs of 100,000 components go through here.
 */
import { CanonicalError } from '../core/canonical.js';
import { Applied, Description, Ref, SfDouble, SfFloat, TBD, kindOf, type Value } from '../core/values.js';
import { float32Text, valueText } from './unparse.js';
import { CHUNK_CHARS, checkWritable, type TextSink } from '../core/canonical-json.js';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** The plain JSON text of a resolved description, indented by two spaces, with a final newline. */
export function toPlainJson(d: Description): string {
  return writePlainJson(d);
}

/**
 * The plain JSON of `d` with its final newline: indented by two spaces, or with `compact` on
 * one line without any space (`--compact`, docs/design/output.md). With a sink, the text goes
 * to it in chunks as it is written and the result is empty; a value without a form (TBD) is
 * refused before the first chunk (checkWritable), so that no half document is ever written.
 */
export function writePlainJson(d: Description, options: { compact?: boolean; sink?: TextSink } = {}): string {
  const w = new PlainWriter(options.compact === true, options.sink, d);
  w.description(d, 0);
  return w.end();
}

/** `$name` → `$$name`; other names unchanged. */
export function plainKey(name: string): string {
  return name.charCodeAt(0) === 36 ? '$' + name : name;
}

function special(x: number): string | undefined {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  return undefined;
}

class PlainWriter {
  out = '';
  private pads: string[] = [''];
  /** What follows a key: `": "`, or `":"` when compact. */
  private readonly colon: string;

  /** Each attribute name's `"key": ` text, written once per name (names repeat across components). */
  private readonly keys = new Map<string, string>();

  constructor(
    private readonly compact: boolean,
    private readonly sink: TextSink | undefined,
    /** The whole tree, checked (checkWritable) before the first chunk leaves; a small result is never checked twice. */
    private readonly root: Value,
  ) {
    this.colon = compact ? '":' : '": ';
  }

  private key(name: string): string {
    let text = this.keys.get(name);
    if (text === undefined) {
      text = JSON.stringify(plainKey(name)).slice(0, -1) + this.colon;
      this.keys.set(name, text);
    }
    return text;
  }

  /** A new line and the indentation of `depth`; nothing when compact. */
  private pad(depth: number): string {
    if (this.compact) return '';
    while (this.pads.length <= depth) this.pads.push(this.pads[this.pads.length - 1] + '  ');
    return '\n' + this.pads[depth];
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

  private unchecked = true;

  end(): string {
    this.out += '\n';
    if (this.sink === undefined) return this.out;
    this.sink(this.out);
    this.out = '';
    return '';
  }

  description(d: Description, depth: number): void {
    if (d.attrs.size === 0) {
      this.out += '{}';
      return;
    }
    const inner = this.pad(depth + 1);
    const next = ',' + inner;
    let first = true;
    this.out += '{';
    d.attrs.forEach((attr, name) => {
      this.out += (first ? inner : next) + this.key(name);
      first = false;
      this.value(attr.value, depth + 1);
      this.spill();
    });
    this.out += this.pad(depth) + '}';
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
      case 'number':
      case 'boolean':
        this.out += String(v);
        return;
      case 'bigint':
        this.out += v <= MAX_SAFE && v >= -MAX_SAFE ? v.toString() : `{"$long${this.colon}"${v}"}`;
        return;
    }
    if (v instanceof Description) {
      this.description(v, depth);
    } else if (Array.isArray(v)) {
      if (v.length === 0) {
        this.out += '[]';
        return;
      }
      const inner = this.pad(depth + 1);
      for (let i = 0; i < v.length; i++) {
        this.out += (i === 0 ? '[' : ',') + inner;
        this.value(v[i], depth + 1);
      }
      this.out += this.pad(depth) + ']';
    } else if (v instanceof SfDouble) {
      const s = special(v.value);
      this.out += s ? `{"$double${this.colon}"${s}"}` : String(v.value);
    } else if (v instanceof SfFloat) {
      const s = special(v.value);
      this.out += s ? `{"$float${this.colon}"${s}"}` : float32Text(v.value);
    } else if (v instanceof Ref) {
      this.out += `{"$ref${this.colon}${JSON.stringify(valueText(v))}}`;
    } else if (v instanceof Applied) {
      const inner = this.pad(depth + 1);
      this.out += `{${inner}"$${v.kind}${this.colon}`;
      this.description(v.body, depth + 1);
      if (v.lazy) this.out += `,${inner}"lazy${this.colon}true`;
      if (v.data) this.out += `,${inner}"data${this.colon}true`;
      this.out += this.pad(depth) + '}';
    } else if (v instanceof Uint8Array) {
      this.out += `{"$bytes${this.colon}"${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')}"}`;
    } else if (v === TBD) {
      throw new CanonicalError('TBD has no canonical encoding: it must be overridden before output');
    } else {
      throw new CanonicalError(`a value of kind ${kindOf(v)} has no canonical encoding`);
    }
  }
}
