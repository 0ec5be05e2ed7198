/**
 * A resolved description back to `.sf` text (`frog resolve --format sf`), in the style of
 * SmartFrog's `sfParse -d`: descriptions as `extends { }`, literal vectors as `[| |]`, lazy
 * functions as `LAZY APPLY { }`. The text parses back to the same values.
 */
import { Applied, Description, Ref, SfDouble, SfFloat, TBD, quoteNameIfNeeded, type Value } from '../core/values.js';

export function unparse(d: Description): string {
  const lines: string[] = [];
  body(d, 0, lines);
  return lines.join('\n') + (lines.length ? '\n' : '');
}

function body(d: Description, depth: number, lines: string[]): void {
  const pad = '    '.repeat(depth);
  for (const [name, attr] of d.attrs) {
    const tags = attr.tags?.size ? `[${[...attr.tags].sort().map(quoteNameIfNeeded).join(', ')}] ` : '';
    const v = attr.value;
    if (v instanceof Description) {
      lines.push(`${pad}${tags}${quoteNameIfNeeded(name)} extends ${v.eager ? '' : 'DATA '}{`);
      body(v, depth + 1, lines);
      lines.push(`${pad}}`);
    } else if (v instanceof Applied) {
      lines.push(`${pad}${tags}${quoteNameIfNeeded(name)} ${appliedHead(v)} {`);
      body(v.body, depth + 1, lines);
      lines.push(`${pad}};`);
    } else {
      lines.push(`${pad}${tags}${quoteNameIfNeeded(name)} ${valueText(v, depth)};`);
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
  if (Array.isArray(v)) return `[| ${v.map((i) => valueText(i, depth)).join(', ')} |]`;
  if (v instanceof Ref) {
    const flags = `${v.data ? 'DATA ' : ''}${v.lazy ? 'LAZY ' : ''}`;
    const optional = v.optional ? (v.defaultValue !== undefined ? `OPTIONAL(${valueText(v.defaultValue)}) ` : 'OPTIONAL ') : '';
    return `${flags}${optional}${v.toString()}`;
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

function numberText(n: number, suffix: 'f' | 'd'): string {
  if (Number.isNaN(n)) return `(0.0${suffix} / 0.0${suffix})`;
  if (n === Infinity) return `(1.0${suffix} / 0.0${suffix})`;
  if (n === -Infinity) return `(-1.0${suffix} / 0.0${suffix})`;
  const text = String(n);
  return `${/[.e]/.test(text) ? text : text + '.0'}${suffix}`;
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
      default: out += ch;
    }
  }
  return out + '"';
}
