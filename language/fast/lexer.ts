/**
 * The fast lexer of the `.sf` front end: one pass of charCode scanning that fills
 * parallel typed arrays (kind, start, end) instead of making one object per token.
 *
 * It produces exactly the tokens the chevrotain lexer (chevrotain/lexer.ts) produces for
 * input that lexes without errors, and it reproduces that lexer's first-match order (see
 * the comment there): numbers take their leading `-`, `--` and `->` come before `-`, `x|`
 * comes before a WORD, a keyword wins over a WORD of the same length and loses to a
 * longer one. Both take their keywords from keywords.ts. Whatever the chevrotain lexer would report (an unknown character, an
 * unterminated string, comment or byte array) or the nesting check of parse.ts would
 * refuse makes it throw FastPathBail instead: the caller then falls back to the
 * chevrotain path, which reports it. It never has to produce a diagnostic itself.
 */
import { KEYWORDS, type KeywordName } from '../keywords.js';

/**
 * Thrown by the fast path on anything it does not accept; parse.ts falls back on it. A plain
 * Error, not a FrogError (core/errors.ts): internal control flow that never reaches a user.
 */
export class FastPathBail extends Error {
  constructor(
    readonly reason: string,
    readonly offset: number,
  ) {
    super(`fast path bail-out at ${offset}: ${reason}`);
    this.name = 'FastPathBail';
  }
}

// Token kinds. Operators (the chevrotain Operator category) are one contiguous range.
export const K_EOF = 0;
export const K_WORD = 1;
export const K_QSTRING = 2;
export const K_MSTRING = 3;
export const K_NUMBER = 4;
export const K_BYTES = 5;
export const K_INCLUDE = 6;
export const K_INCLUDE_OPT = 7;
export const K_CODEBASE = 8;
// Keywords: the entry at index i of keywords.ts's KEYWORDS has kind K_KEYWORD_FIRST + i.
export const K_KEYWORD_FIRST = 10;
/** The kind of a keyword, by its name in keywords.ts. */
function keyword(name: KeywordName): number {
  return K_KEYWORD_FIRST + KEYWORDS.findIndex((k) => k.name === name);
}
export const K_EXTENDS = keyword('Extends');
export const K_TRUE = keyword('True');
export const K_FALSE = keyword('False');
export const K_NULL = keyword('Null');
export const K_TBD = keyword('Tbd');
export const K_LAZY = keyword('Lazy');
export const K_DATA = keyword('Data');
export const K_ATTRIB = keyword('Attrib');
export const K_HERE = keyword('Here');
export const K_PARENT = keyword('Parent');
export const K_ROOT = keyword('Root');
export const K_THIS = keyword('This');
export const K_OPTIONAL = keyword('Optional');
export const K_APPLY = keyword('Apply');
export const K_ASSERT = keyword('Assert');
export const K_IF = keyword('If');
export const K_THEN = keyword('Then');
export const K_ELSE = keyword('Else');
export const K_FI = keyword('Fi');
export const K_ENDSWITCH = keyword('EndSwitch');
export const K_SWITCH = keyword('Switch');
export const K_VAR = keyword('Var');
export const K_IPROPERTY = keyword('IProperty');
export const K_PROPERTY = keyword('Property');
export const K_IENVPROPERTY = keyword('IEnvProperty');
export const K_ENVPROPERTY = keyword('EnvProperty');
export const K_CONSTANT = keyword('Constant');
export const K_HOST = keyword('Host');
export const K_PROCESS = keyword('Process');
// Operators, contiguous from K_OP_FIRST to K_OP_LAST.
export const K_XOR = 40;
export const K_IMPLIES = 41;
export const K_MINUS = 42;
export const K_CONCAT = 43;
export const K_PLUS = 44;
export const K_STAR = 45;
export const K_SLASH = 46;
export const K_PERCENT = 47;
export const K_APPEND = 48;
export const K_EQ = 49;
export const K_NE = 50;
export const K_GE = 51;
export const K_LE = 52;
export const K_GT = 53;
export const K_LT = 54;
export const K_AND = 55;
export const K_OR = 56;
export const K_OP_FIRST = K_XOR;
export const K_OP_LAST = K_OR;
// Punctuation.
export const K_LVEC_OPEN = 60;
export const K_LVEC_CLOSE = 61;
export const K_UNIQUE = 62;
export const K_BANG = 63;
export const K_SEMI = 64;
export const K_COMMA = 65;
export const K_LCURLY = 66;
export const K_RCURLY = 67;
export const K_LBRACKET = 68;
export const K_RBRACKET = 69;
export const K_COLON = 70;
export const K_LPAREN = 71;
export const K_RPAREN = 72;

/** The text of each operator kind, as the AST records it. */
export const OPERATOR_TEXT: readonly string[] = (() => {
  const t: string[] = [];
  t[K_XOR] = 'x|';
  t[K_IMPLIES] = '->';
  t[K_MINUS] = '-';
  t[K_CONCAT] = '++';
  t[K_PLUS] = '+';
  t[K_STAR] = '*';
  t[K_SLASH] = '/';
  t[K_PERCENT] = '%';
  t[K_APPEND] = '<>';
  t[K_EQ] = '==';
  t[K_NE] = '!=';
  t[K_GE] = '>=';
  t[K_LE] = '<=';
  t[K_GT] = '>';
  t[K_LT] = '<';
  t[K_AND] = '&&';
  t[K_OR] = '||';
  return t;
})();

/** Character classes of the Latin-1 range: bit 1 starts a WORD, bit 2 continues one (§3.2). */
const WORD_START = 1;
const WORD_PART = 2;
const CHAR_CLASS = (() => {
  const c = new Uint8Array(256);
  const both = WORD_START | WORD_PART;
  for (let i = 65; i <= 90; i++) c[i] = both; // A-Z
  for (let i = 97; i <= 122; i++) c[i] = both; // a-z
  c[95] = both; // _
  c[36] = both; // $
  for (let i = 0xa2; i <= 0xa5; i++) c[i] = both;
  c[0xaa] = both;
  c[0xb5] = both;
  c[0xba] = both;
  for (let i = 0xc0; i <= 0xff; i++) if (i !== 0xd7 && i !== 0xf7) c[i] = both;
  for (let i = 48; i <= 57; i++) c[i] = WORD_PART; // 0-9
  for (const ch of '.-+@#~%^&') c[ch.charCodeAt(0)] = WORD_PART;
  return c;
})();

// The keyword kinds must stay below the operators (renumber those if the table outgrows the gap).
if (K_KEYWORD_FIRST + KEYWORDS.length > K_OP_FIRST) throw new Error('fast lexer: keyword kinds overlap the operator kinds');

/** The shortest and longest keyword. */
const KEYWORD_MIN = Math.min(...KEYWORDS.map((k) => k.text.length));
const KEYWORD_MAX = Math.max(...KEYWORDS.map((k) => k.text.length));
/** By character code below 128: 1 where a keyword starts with that character. */
const KEYWORD_START = new Uint8Array(128);
for (const k of KEYWORDS) KEYWORD_START[k.text.charCodeAt(0)] = 1;
/** Keywords by length, for the check after a WORD has been scanned: [text, kind]. */
const KEYWORDS_BY_LENGTH: [string, number][][] = [];
for (let n = 0; n <= KEYWORD_MAX; n++) KEYWORDS_BY_LENGTH.push([]);
KEYWORDS.forEach((k, i) => KEYWORDS_BY_LENGTH[k.text.length].push([k.text, K_KEYWORD_FIRST + i]));

/** The keyword kind of the WORD text[start, start+length), or K_WORD. */
function keywordKind(text: string, start: number, length: number): number {
  if (length < KEYWORD_MIN || length > KEYWORD_MAX) return K_WORD;
  const first = text.charCodeAt(start);
  if (first >= 128 || KEYWORD_START[first] === 0) return K_WORD;
  const candidates = KEYWORDS_BY_LENGTH[length];
  for (let i = 0; i < candidates.length; i++) {
    const kw = candidates[i][0];
    if (kw.charCodeAt(0) === first && text.startsWith(kw, start)) return candidates[i][1];
  }
  return K_WORD;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * Tokens as parallel arrays; entry `count` is always an EOF token at the end of the
 * text, so a parser can look at the current token without a bounds check.
 */
export class TokenBuffer {
  kinds: Uint8Array;
  starts: Int32Array;
  ends: Int32Array;
  count = 0;

  constructor(capacity: number) {
    this.kinds = new Uint8Array(capacity);
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
  }

  grow(): void {
    const size = this.kinds.length * 2;
    const kinds = new Uint8Array(size);
    const starts = new Int32Array(size);
    const ends = new Int32Array(size);
    kinds.set(this.kinds);
    starts.set(this.starts);
    ends.set(this.ends);
    this.kinds = kinds;
    this.starts = starts;
    this.ends = ends;
  }
}

/** Buffers kept between calls up to this many tokens; larger ones are dropped after use. */
const KEEP_CAPACITY = 1 << 16;
let spare: TokenBuffer | undefined;

/**
 * A buffer for one lexing run of `textLength` characters, sized so that it rarely has to
 * grow (real descriptions average well over four characters a token); give it back with
 * `releaseTokens` when done.
 */
export function acquireTokens(textLength: number): TokenBuffer {
  const want = Math.max(1024, (textLength >> 2) + 16);
  let b = spare;
  spare = undefined;
  if (!b || b.kinds.length < want) b = new TokenBuffer(want);
  b.count = 0;
  return b;
}

export function releaseTokens(b: TokenBuffer): void {
  if (b.kinds.length <= KEEP_CAPACITY) spare = b;
}

/**
 * Lexes all of `text` into `out`. Throws FastPathBail where the chevrotain lexer would
 * report an error, and where bracket nesting exceeds `maxNesting` (counted as parse.ts
 * counts it: openers `( { [ [|`, closers `) } ] |]`, never below zero).
 */
export function fastLex(text: string, out: TokenBuffer, maxNesting: number): void {
  const n = text.length;
  let kinds = out.kinds;
  let starts = out.starts;
  let ends = out.ends;
  let cap = kinds.length - 1; // room for the EOF entry
  let count = 0;
  let depth = 0;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    // Whitespace: space, TAB, LF, CR, FF.
    if (c === 32 || c === 10 || c === 9 || c === 13 || c === 12) {
      i++;
      continue;
    }
    const start = i;
    let kind: number;
    if (c < 256 && (CHAR_CLASS[c] & WORD_START) !== 0) {
      // `x|` is lexed before WORD.
      if (c === 120 && text.charCodeAt(i + 1) === 124) {
        kind = K_XOR;
        i += 2;
      } else {
        i++;
        while (i < n) {
          const d = text.charCodeAt(i);
          if (d >= 256 || (CHAR_CLASS[d] & WORD_PART) === 0) break;
          i++;
        }
        kind = keywordKind(text, start, i - start);
      }
    } else if (isDigit(c) || c === 45 || c === 46) {
      // `-`, `.` or a digit: a number if the NumberLit pattern matches here.
      const end = scanNumber(text, i, n);
      if (end > 0) {
        kind = K_NUMBER;
        i = end;
      } else if (c === 45) {
        const d = text.charCodeAt(i + 1);
        if (d === 45) {
          kind = K_UNIQUE;
          i += 2;
        } else if (d === 62) {
          kind = K_IMPLIES;
          i += 2;
        } else {
          kind = K_MINUS;
          i++;
        }
      } else {
        throw new FastPathBail('unexpected character', i);
      }
    } else {
      switch (c) {
        case 34: // "
          i = scanQuoted(text, i, n);
          kind = K_QSTRING;
          break;
        case 35: // #
          if (text.charCodeAt(i + 1) === 35) {
            i = scanMultiline(text, i, n);
            kind = K_MSTRING;
          } else if (isBytesHead(text, i)) {
            const close = text.indexOf('#', i + 5);
            if (close < 0) throw new FastPathBail('unterminated byte array', i);
            i = close + 1;
            kind = K_BYTES;
          } else if (text.startsWith('#include?', i)) {
            i += 9;
            kind = K_INCLUDE_OPT;
          } else if (text.startsWith('#include', i)) {
            i += 8;
            kind = K_INCLUDE;
          } else if (text.startsWith('#codebase', i)) {
            i += 9;
            kind = K_CODEBASE;
          } else {
            throw new FastPathBail('unexpected character', i);
          }
          break;
        case 47: {
          // /
          const d = text.charCodeAt(i + 1);
          if (d === 47) {
            i += 2;
            while (i < n) {
              const e = text.charCodeAt(i);
              if (e === 10 || e === 13) break;
              i++;
            }
            continue;
          }
          if (d === 42) {
            const close = text.indexOf('*/', i + 2);
            if (close < 0) throw new FastPathBail('unterminated comment', i);
            i = close + 2;
            continue;
          }
          kind = K_SLASH;
          i++;
          break;
        }
        case 91: // [
          if (text.charCodeAt(i + 1) === 124) {
            kind = K_LVEC_OPEN;
            i += 2;
          } else {
            kind = K_LBRACKET;
            i++;
          }
          if (++depth > maxNesting) throw new FastPathBail('nesting too deep', start);
          break;
        case 124: {
          // |
          const d = text.charCodeAt(i + 1);
          if (d === 93) {
            kind = K_LVEC_CLOSE;
            if (depth > 0) depth--;
          } else if (d === 124) kind = K_OR;
          else throw new FastPathBail('unexpected character', i);
          i += 2;
          break;
        }
        case 43: // +
          if (text.charCodeAt(i + 1) === 43) {
            kind = K_CONCAT;
            i += 2;
          } else {
            kind = K_PLUS;
            i++;
          }
          break;
        case 42: // *
          kind = K_STAR;
          i++;
          break;
        case 37: // %
          kind = K_PERCENT;
          i++;
          break;
        case 60: {
          // <
          const d = text.charCodeAt(i + 1);
          if (d === 62) {
            kind = K_APPEND;
            i += 2;
          } else if (d === 61) {
            kind = K_LE;
            i += 2;
          } else {
            kind = K_LT;
            i++;
          }
          break;
        }
        case 62: // >
          if (text.charCodeAt(i + 1) === 61) {
            kind = K_GE;
            i += 2;
          } else {
            kind = K_GT;
            i++;
          }
          break;
        case 61: // =
          if (text.charCodeAt(i + 1) !== 61) throw new FastPathBail('unexpected character', i);
          kind = K_EQ;
          i += 2;
          break;
        case 33: // !
          if (text.charCodeAt(i + 1) === 61) {
            kind = K_NE;
            i += 2;
          } else {
            kind = K_BANG;
            i++;
          }
          break;
        case 38: // &
          if (text.charCodeAt(i + 1) !== 38) throw new FastPathBail('unexpected character', i);
          kind = K_AND;
          i += 2;
          break;
        case 59:
          kind = K_SEMI;
          i++;
          break;
        case 44:
          kind = K_COMMA;
          i++;
          break;
        case 123:
          kind = K_LCURLY;
          i++;
          if (++depth > maxNesting) throw new FastPathBail('nesting too deep', start);
          break;
        case 125:
          kind = K_RCURLY;
          i++;
          if (depth > 0) depth--;
          break;
        case 93:
          kind = K_RBRACKET;
          i++;
          if (depth > 0) depth--;
          break;
        case 58:
          kind = K_COLON;
          i++;
          break;
        case 40:
          kind = K_LPAREN;
          i++;
          if (++depth > maxNesting) throw new FastPathBail('nesting too deep', start);
          break;
        case 41:
          kind = K_RPAREN;
          i++;
          if (depth > 0) depth--;
          break;
        default:
          throw new FastPathBail('unexpected character', i);
      }
    }
    if (count === cap) {
      out.grow();
      kinds = out.kinds;
      starts = out.starts;
      ends = out.ends;
      cap = kinds.length - 1;
    }
    kinds[count] = kind;
    starts[count] = start;
    ends[count] = i;
    count++;
  }
  kinds[count] = K_EOF;
  starts[count] = n;
  ends[count] = n;
  out.count = count;
}

/** `#HEX#`, `#DEC#`, `#OCT#`, `#BIN#` or `#B64#` at `i`. */
function isBytesHead(text: string, i: number): boolean {
  if (text.charCodeAt(i + 4) !== 35) return false;
  return (
    text.startsWith('HEX', i + 1) ||
    text.startsWith('DEC', i + 1) ||
    text.startsWith('OCT', i + 1) ||
    text.startsWith('BIN', i + 1) ||
    text.startsWith('B64', i + 1)
  );
}

/** `"..."` from `i`: the end offset; an unterminated string bails. */
function scanQuoted(text: string, i: number, n: number): number {
  for (let j = i + 1; j < n; j++) {
    const c = text.charCodeAt(j);
    if (c === 34) return j + 1;
    if (c === 10 || c === 13) break;
    if (c === 92) {
      const d = text.charCodeAt(j + 1);
      // An escape takes any character but a line break (and needs one).
      if (j + 1 >= n || d === 10 || d === 13) break;
      j++;
    }
  }
  throw new FastPathBail('unterminated string', i);
}

/** `##...#` from `i`: the end offset; `\` escapes any character, line breaks included. */
function scanMultiline(text: string, i: number, n: number): number {
  for (let j = i + 2; j < n; j++) {
    const c = text.charCodeAt(j);
    if (c === 35) return j + 1;
    if (c === 92) {
      if (j + 1 >= n) break;
      j++;
    }
  }
  throw new FastPathBail('unterminated multi-line string', i);
}

/**
 * The end of the NumberLit match at `i`, or 0 when the pattern does not match. The
 * pattern's alternatives are tried in order, as the regular expression does:
 * `D+ . D* exp? [fFdD]?`, `. D+ exp? [fFdD]?`, `D+ exp? [lLfFdD]?`, each after `-?`.
 */
function scanNumber(text: string, i: number, n: number): number {
  let j = i;
  if (text.charCodeAt(j) === 45) j++;
  let c = text.charCodeAt(j);
  if (isDigit(c)) {
    j++;
    while (j < n && isDigit(text.charCodeAt(j))) j++;
    if (text.charCodeAt(j) === 46) {
      j++;
      while (j < n && isDigit(text.charCodeAt(j))) j++;
      j = scanExponent(text, j, n);
      c = text.charCodeAt(j);
      if (c === 102 || c === 70 || c === 100 || c === 68) j++;
      return j;
    }
    j = scanExponent(text, j, n);
    c = text.charCodeAt(j);
    if (c === 108 || c === 76 || c === 102 || c === 70 || c === 100 || c === 68) j++;
    return j;
  }
  if (c === 46 && isDigit(text.charCodeAt(j + 1))) {
    j += 2;
    while (j < n && isDigit(text.charCodeAt(j))) j++;
    j = scanExponent(text, j, n);
    c = text.charCodeAt(j);
    if (c === 102 || c === 70 || c === 100 || c === 68) j++;
    return j;
  }
  return 0;
}

/** `[eE][+-]?[0-9]+` at `j` if it is there in full; otherwise `j` unchanged. */
function scanExponent(text: string, j: number, n: number): number {
  const c = text.charCodeAt(j);
  if (c !== 101 && c !== 69) return j;
  let k = j + 1;
  const s = text.charCodeAt(k);
  if (s === 43 || s === 45) k++;
  if (!isDigit(text.charCodeAt(k))) return j;
  k++;
  while (k < n && isDigit(text.charCodeAt(k))) k++;
  return k;
}
