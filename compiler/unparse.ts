/**
 * A resolved description back to `.sf` text (`frog resolve --format sf`), in the style of
 * SmartFrog's `sfParse -d`: descriptions as `extends { }`, literal vectors as `[| |]`, lazy
 * functions as `LAZY APPLY { }`. The text parses back to the same values; `unparseConfig` wraps
 * it into a whole file that resolves to the same description (docs/design/language.md §14.2).
 */
import { Applied, Description, Ref, SfDouble, SfFloat, TBD, quoteNameIfNeeded, refPartText, type RefPart, type Value } from '../core/values.js';

/** The attributes of `d` as `.sf` text, one per line, without a wrapper. */
export function unparse(d: Description): string {
  const lines: string[] = [];
  body(d, 0, lines);
  return lines.join('\n') + (lines.length ? '\n' : '');
}

/**
 * A resolved `sfConfig` as a whole `.sf` file, `sfConfig extends { ... }`, which resolves to the
 * same description again (docs/design/language.md §14.2).
 */
export function unparseConfig(d: Description): string {
  const lines: string[] = [];
  const skipped = { function: false, link: false };
  leftovers(d, skipped);
  if (skipped.function || skipped.link) {
    // The description was resolved with a phase list that left work undone: the text
    // repeats that, so that resolving it again does not do that work either.
    const phases = ['type', 'place', ...(skipped.function ? [] : ['function']), 'sfConfig', ...(skipped.link ? [] : ['link'])];
    lines.push(`phaseList [| ${phases.map((p) => `"${p}"`).join(', ')} |];`);
  }
  lines.push(`sfConfig extends ${d.eager ? '' : 'DATA '}{`);
  body(d, 1, lines);
  lines.push('}');
  return lines.join('\n') + '\n';
}

/**
 * What in a resolved tree shows that a phase did not run: a description still marked
 * `phase.function` (no function phase), an eager reference or function, or TBD (no link phase).
 */
function leftovers(v: Value, found: { function: boolean; link: boolean }): void {
  if (v === TBD) found.link = true;
  else if (v instanceof Ref) {
    if (!v.lazy && !v.data) found.link = true;
  } else if (Array.isArray(v)) {
    for (const item of v) leftovers(item, found);
  } else if (v instanceof Applied) {
    if (!v.lazy && !v.data) found.link = true;
    leftovers(v.body, found);
  } else if (v instanceof Description) {
    for (const [name, attr] of v.attrs) {
      if (name === 'phase.function') found.function = true;
      leftovers(attr.value, found);
    }
  }
}

function body(d: Description, depth: number, lines: string[]): void {
  const pad = '    '.repeat(depth);
  for (const [name, attr] of d.attrs) {
    const tags = attr.tags?.size ? `[${[...attr.tags].sort().map(nameText).join(', ')}] ` : '';
    const v = attr.value;
    if (v instanceof Description) {
      lines.push(`${pad}${tags}${nameText(name)} extends ${v.eager ? '' : 'DATA '}{`);
      body(v, depth + 1, lines);
      lines.push(`${pad}}`);
    } else if (v instanceof Applied) {
      lines.push(`${pad}${tags}${nameText(name)} ${appliedHead(v)} {`);
      body(v.body, depth + 1, lines);
      lines.push(`${pad}};`);
    } else {
      lines.push(`${pad}${tags}${nameText(name)} ${valueText(v, depth)};`);
    }
  }
}

function appliedHead(v: Applied): string {
  return `${v.data ? 'DATA ' : ''}${v.lazy ? 'LAZY ' : ''}${v.kind === 'apply' ? 'APPLY' : 'ASSERT'}`;
}

export function valueText(v: Value, depth = 0): string {
  if (v === null) return 'NULL';
  if (v === TBD) return 'TBD';
  switch (typeof v) {
    case 'number':
      return String(v);
    case 'bigint':
      return `${v}L`;
    case 'boolean':
      return String(v);
    case 'string':
      return stringText(v);
  }
  if (v instanceof SfFloat) return numberText(v.value, 'f');
  if (v instanceof SfDouble) return numberText(v.value, 'd');
  if (v instanceof Uint8Array) return `#HEX#${[...v].map((b) => b.toString(16).padStart(2, '0')).join(' ')}#`;
  if (Array.isArray(v)) {
    if (v.length === 0) return '[| |]';
    const items = v.map((i) => valueText(i, depth)).join(', ');
    // A literal vector holds primitives only; a description, a function or a NaN (written as
    // a division) inside makes it the vector function, which evaluates to the same vector.
    return v.every(isPrimitive) ? `[| ${items} |]` : `[ ${items} ]`;
  }
  if (v instanceof Ref) {
    const flags = `${v.data ? 'DATA ' : ''}${v.lazy ? 'LAZY ' : ''}`;
    const optional = v.optional ? (v.defaultValue !== undefined ? `OPTIONAL(${valueText(v.defaultValue)}) ` : 'OPTIONAL ') : '';
    return `${flags}${optional}${refText(v.parts)}`;
  }
  if (v instanceof Description || v instanceof Applied) {
    const lines: string[] = [];
    const inner = v instanceof Description ? v : v.body;
    body(inner, depth + 1, lines);
    const head = v instanceof Description ? `extends ${v.eager ? '' : 'DATA '}` : `${appliedHead(v)} `;
    return `(${head}{\n${lines.join('\n')}\n${'    '.repeat(depth)}})`;
  }
  return 'NULL';
}

/** True when `v` can be written inside a literal vector `[| |]` (a primitive, §5). */
function isPrimitive(v: Value): boolean {
  if (v instanceof Description || v instanceof Applied || v === TBD) return false;
  if (v instanceof Ref) return v.data && !v.lazy;
  if (v instanceof SfFloat || v instanceof SfDouble) return Number.isFinite(v.value);
  if (Array.isArray(v)) return v.every(isPrimitive);
  return true;
}

function numberText(n: number, suffix: 'f' | 'd'): string {
  if (Number.isNaN(n)) return `(0.0${suffix} / 0.0${suffix})`;
  if (n === Infinity) return `(1.0${suffix} / 0.0${suffix})`;
  if (n === -Infinity) return `(-1.0${suffix} / 0.0${suffix})`;
  if (Object.is(n, -0)) return `-0.0${suffix}`;
  const text = suffix === 'f' ? float32Text(n) : String(n);
  return `${/[.e]/.test(text) ? text : text + '.0'}${suffix}`;
}

/** The shortest decimal that reads back to the same binary32 value (`0.1f`, not `0.10000000149011612f`). */
export function float32Text(x: number): string {
  for (let p = 1; p < 9; p++) {
    const n = Number(x.toPrecision(p));
    if (Math.fround(n) === x) return String(n);
  }
  return String(Number(x.toPrecision(9)));
}

/** A name as .sf text: bare when it is a plain word, else a string. */
function nameText(name: string): string {
  return quoteNameIfNeeded(name) === name ? name : stringText(name);
}

/**
 * A reference's parts as .sf text. Unlike the canonical text (core/values.ts refText), a name
 * that is not a plain word is written with its keyword and as an .sf string: `ATTRIB "a b"`.
 */
function refText(parts: readonly RefPart[]): string {
  return parts
    .map((p, i) => {
      if (p.name === undefined || quoteNameIfNeeded(p.name) === p.name) return refPartText(p, i);
      const keyword = p.kind === 'WORD' ? (i === 0 ? 'ATTRIB' : 'HERE') : p.kind;
      return `${keyword} ${stringText(p.name)}`;
    })
    .join(':');
}

function stringText(s: string): string {
  let out = '"';
  for (const ch of s) {
    switch (ch) {
      case '"': out += '\\"'; break;
      case '\\': out += '\\\\'; break;
      case '\n': out += '\\n'; break;
      case '\t': out += '\\t'; break;
      case '\r': out += '\\r'; break;
      case '\b': out += '\\b'; break;
      case '\f': out += '\\f'; break;
      default: {
        const c = ch.charCodeAt(0);
        // Other control characters as octal escapes (§3.4), so the text stays readable.
        out += c < 0x20 || c === 0x7f ? '\\' + c.toString(8).padStart(3, '0') : ch;
      }
    }
  }
  return out + '"';
}
