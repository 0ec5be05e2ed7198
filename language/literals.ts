/**
 * Literal text ↔ value, both directions, so that the visitor and the printer agree:
 * string escapes (§3.4), byte arrays (§3.7), and number texts that read back as the
 * same value and kind (§3.5).
 */
import type { BytesLiteral } from './ast.js';

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', b: '\b', r: '\r', f: '\f' };

/**
 * The value of a string token. `tokenName` says which delimiters to strip; an
 * unterminated token has only its opening delimiter. Escapes: `\n \t \b \r \f`, octal
 * `\ooo` (first digit 0–3 for three digits), and any other escaped character stands
 * for itself (`\\`, `\"`, `\'`, `\#`).
 */
export function decodeString(image: string, tokenName: string): string {
  let inner: string;
  switch (tokenName) {
    case 'QuotedString':
      inner = image.slice(1, -1);
      break;
    case 'UnterminatedQuotedString':
      inner = image.slice(1);
      break;
    case 'MultilineString':
      inner = image.slice(2, -1);
      break;
    case 'UnterminatedMultilineString':
      inner = image.slice(2);
      break;
    default:
      inner = image;
  }
  if (inner.indexOf('\\') < 0) return inner;
  let out = '';
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i];
    if (ch !== '\\' || i + 1 >= inner.length) {
      out += ch;
      continue;
    }
    const next = inner[++i];
    if (next >= '0' && next <= '7') {
      let digits = next;
      const max = next <= '3' ? 3 : 2;
      while (digits.length < max && inner[i + 1] >= '0' && inner[i + 1] <= '7') digits += inner[++i];
      out += String.fromCharCode(parseInt(digits, 8));
    } else {
      out += SIMPLE_ESCAPES[next] ?? next;
    }
  }
  return out;
}

/** A `"..."` literal for any string: escapes what the lexer would not take verbatim. */
export function quoteString(value: string): string {
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    const code = value.charCodeAt(i);
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (code < 0x20 || code === 0x7f) out += '\\' + code.toString(8).padStart(3, '0');
    else out += ch;
  }
  return out + '"';
}

/** A `##...#` literal: only `\` and `#` need escaping; newlines stay as they are. */
export function multilineString(value: string): string {
  return '##' + value.replace(/[\\#]/g, (c) => '\\' + c) + '#';
}

/** Decodes the content of a byte array; returns the reason as a string when it is invalid. */
export function decodeBytes(encoding: BytesLiteral['encoding'], content: string): Uint8Array | string {
  switch (encoding) {
    case 'HEX': {
      const hex = content.replace(/\s+/g, '');
      if (!/^[0-9a-fA-F]*$/.test(hex)) return 'only hexadecimal digits are allowed';
      if (hex.length % 2 !== 0) return 'an odd number of hexadecimal digits';
      const out = new Uint8Array(hex.length / 2);
      for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
      return out;
    }
    case 'DEC':
    case 'OCT':
    case 'BIN': {
      const words = content.split(/\s+/).filter((w) => w.length > 0);
      const [radix, digits, name] =
        encoding === 'DEC' ? [10, /^[0-9]+$/, 'a decimal'] : encoding === 'OCT' ? [8, /^[0-7]+$/, 'an octal'] : [2, /^[01]+$/, 'a binary'];
      const out = new Uint8Array(words.length);
      for (let i = 0; i < words.length; i++) {
        if (!digits.test(words[i])) return `\`${words[i].slice(0, 20)}\` is not ${name} number`;
        const v = parseInt(words[i], radix);
        if (v > 255) return `\`${words[i].slice(0, 20)}\` does not fit in a byte`;
        out[i] = v;
      }
      return out;
    }
    case 'B64': {
      const b64 = content.replace(/\s+/g, '');
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) return 'not valid base64';
      return new Uint8Array(Buffer.from(b64, 'base64'));
    }
  }
}

/** The text of a byte array in its encoding; `decodeBytes` reads it back to the same bytes. */
export function encodeBytes(encoding: BytesLiteral['encoding'], value: Uint8Array): string {
  const items: string[] = [];
  switch (encoding) {
    case 'HEX':
      for (const b of value) items.push(b.toString(16).padStart(2, '0'));
      break;
    case 'DEC':
      for (const b of value) items.push(String(b));
      break;
    case 'OCT':
      for (const b of value) items.push(b.toString(8));
      break;
    case 'BIN':
      for (const b of value) items.push(b.toString(2).padStart(8, '0'));
      break;
    case 'B64':
      items.push(Buffer.from(value).toString('base64'));
      break;
  }
  return `#${encoding}#${items.length ? ' ' + items.join(' ') + ' ' : ''}#`;
}

/** A decimal text of a double that has a `.` or an exponent (the lexer's Double form). */
function decimal(text: string): string {
  return /[.eE]/.test(text) ? text.replace('e+', 'e') : text + '.0';
}

/** `value` as a Double literal; infinities use an exponent that overflows. */
export function doubleText(value: number): string {
  if (value === Infinity) return '1e999';
  if (value === -Infinity) return '-1e999';
  if (Object.is(value, -0)) return '-0.0';
  return decimal(String(value));
}

/** `value` (already a 32-bit float) as a Float literal, as short as reads back exactly. */
export function floatText(value: number): string {
  if (value === Infinity) return '1e999f';
  if (value === -Infinity) return '-1e999f';
  if (Object.is(value, -0)) return '-0.0f';
  for (let p = 1; p <= 9; p++) {
    const t = value.toPrecision(p);
    if (Math.fround(Number(t)) === value) return decimal(String(Number(t))) + 'f';
  }
  return decimal(String(value)) + 'f';
}
