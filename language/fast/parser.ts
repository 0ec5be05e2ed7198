/**
 * The fast path of `parse`: a recursive-descent parser over the tokens of lexer.ts (this
 * folder) that builds the AST directly, with no concrete syntax tree in between.
 *
 * Contract: for every input it accepts, the result equals, spans and property order
 * included, what the chevrotain grammar and CST visitor (chevrotain/grammar.ts, visitor.ts)
 * build, and the chevrotain path reports no diagnostic for that input. It accepts only
 * input that the grammar takes without any error and that the visitor builds without any
 * diagnostic; on anything else (a syntax error, an out-of-range number, a bad byte array,
 * mixed operators, `VAR`, flag misuse, nesting too deep) it throws FastPathBail and
 * `parse` runs the chevrotain path, which gives the diagnostics and the recovery. The
 * decisions below follow the grammar's: every choice is made on the next token, and the
 * optional prototype list of `extends` is greedy, as chevrotain's OPTION is.
 */
import type * as A from '../ast.js';
import { decodeBytes, decodeString } from '../literals.js';
import type { Span } from '../../core/source.js';
import {
  acquireTokens, FastPathBail, fastLex, releaseTokens, OPERATOR_TEXT, type TokenBuffer,
  K_APPLY, K_ASSERT, K_ATTRIB, K_BANG, K_BYTES, K_CODEBASE, K_COLON, K_COMMA, K_CONSTANT, K_DATA,
  K_ELSE, K_ENDSWITCH, K_ENVPROPERTY, K_EOF, K_EXTENDS, K_FALSE, K_FI, K_HERE, K_HOST, K_IENVPROPERTY,
  K_IF, K_INCLUDE, K_INCLUDE_OPT, K_IPROPERTY, K_LAZY, K_LBRACKET, K_LCURLY, K_LPAREN, K_LVEC_CLOSE,
  K_LVEC_OPEN, K_MSTRING, K_NULL, K_NUMBER, K_OP_FIRST, K_OP_LAST, K_OPTIONAL, K_PARENT, K_PROCESS,
  K_PROPERTY, K_QSTRING, K_RBRACKET, K_RCURLY, K_ROOT, K_RPAREN, K_SEMI, K_SWITCH, K_TBD, K_THEN,
  K_THIS, K_TRUE, K_UNIQUE, K_WORD,
} from './lexer.js';

export { FastPathBail } from './lexer.js';

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

/** Membership tables indexed by token kind. */
function kindSet(...kinds: number[]): Uint8Array {
  const s = new Uint8Array(128);
  for (const k of kinds) s[k] = 1;
  return s;
}

/** Kinds that start a link path (RefPart of §5). */
const LINK_START = kindSet(
  K_WORD, K_ROOT, K_PARENT, K_THIS, K_PROCESS, K_ATTRIB, K_HERE, K_PROPERTY, K_IPROPERTY,
  K_ENVPROPERTY, K_IENVPROPERTY, K_CONSTANT, K_HOST,
);
/** Kinds that start a reference: flags, OPTIONAL, APPLY, ASSERT, a link path. */
const REFERENCE_START = kindSet(
  K_LAZY, K_DATA, K_OPTIONAL, K_APPLY, K_ASSERT,
  K_WORD, K_ROOT, K_PARENT, K_THIS, K_PROCESS, K_ATTRIB, K_HERE, K_PROPERTY, K_IPROPERTY,
  K_ENVPROPERTY, K_IENVPROPERTY, K_CONSTANT, K_HOST,
);
/** RefPart kinds named by their keyword alone. */
const BARE_PARTS: (A.RefPartKind | undefined)[] = [];
BARE_PARTS[K_ROOT] = 'ROOT';
BARE_PARTS[K_PARENT] = 'PARENT';
BARE_PARTS[K_THIS] = 'THIS';
BARE_PARTS[K_PROCESS] = 'PROCESS';
/** RefPart kinds that take a name after the keyword. */
const NAMED_PARTS: (A.RefPartKind | undefined)[] = [];
NAMED_PARTS[K_ATTRIB] = 'ATTRIB';
NAMED_PARTS[K_HERE] = 'HERE';
NAMED_PARTS[K_PROPERTY] = 'PROPERTY';
NAMED_PARTS[K_IPROPERTY] = 'IPROPERTY';
NAMED_PARTS[K_ENVPROPERTY] = 'ENVPROPERTY';
NAMED_PARTS[K_IENVPROPERTY] = 'IENVPROPERTY';
NAMED_PARTS[K_CONSTANT] = 'CONSTANT';
NAMED_PARTS[K_HOST] = 'HOST';

/** Binary operators: more than two operands is an error (SF1009), so the fast path bails. */
const BINARY_KIND = new Uint8Array(128);
for (let k = K_OP_FIRST; k <= K_OP_LAST; k++) {
  const text = OPERATOR_TEXT[k];
  if (text === '-' || text === '/' || text === '%' || text === '==' || text === '!=' || text === '>=' || text === '<=' || text === '>' || text === '<') {
    BINARY_KIND[k] = 1;
  }
}

/**
 * Parses a whole file, or throws FastPathBail. `maxNesting` is parse.ts's MAX_NESTING:
 * brackets deeper than that bail in the lexer (as parse.ts refuses them), and the
 * recursion of values and bodies (which also counts bracket-less `IF`/`SWITCH`) bails
 * beyond twice that, well inside what the chevrotain path handles without overflowing.
 */
export function fastParseFile(text: string, file: string, maxNesting: number): A.FileNode {
  const tokens = acquireTokens(text.length);
  try {
    fastLex(text, tokens, maxNesting);
    return new FastParser(text, file, tokens, maxNesting * 2).file();
  } finally {
    releaseTokens(tokens);
  }
}

/**
 * The value of the string whose content is text[from, to): the runs between escapes are
 * copied whole, and each escape is decoded by literals.ts's decodeString, so that the
 * escape rules stay in one place. (decodeString adds one character at a time, which
 * leaves a long chain of string pieces per escaped literal; this keeps one flat string.)
 */
/** The first `\\` in [from, to), or -1: bounded, so that a string without escapes costs its own length only. */
function backslashIn(text: string, from: number, to: number): number {
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === 92) return i;
  return -1;
}

function decodeEscapes(text: string, from: number, to: number): string {
  let slash = backslashIn(text, from, to);
  if (slash < 0) return text.slice(from, to);
  let out = '';
  let run = from;
  while (slash >= 0 && slash < to) {
    if (slash > run) out += text.slice(run, slash);
    const first = text.charCodeAt(slash + 1);
    // n t b r f
    const named = first === 110 || first === 116 || first === 98 || first === 114 || first === 102;
    if (!named && !(first >= 48 && first <= 55) && slash + 1 < to) {
      // Any other escaped character stands for itself: it starts the next run.
      run = slash + 1;
      slash = backslashIn(text, slash + 2, to);
      continue;
    }
    // `\` and one character, or up to three octal digits (two if the first is 4-7).
    let end = slash + 2;
    if (first >= 48 && first <= 55) {
      const max = slash + 1 + (first <= 51 ? 3 : 2);
      while (end < max && end < to && text.charCodeAt(end) >= 48 && text.charCodeAt(end) <= 55) end++;
    }
    if (end > to) end = to;
    out += decodeString(text.slice(slash, end), 'escape');
    run = end;
    slash = backslashIn(text, run, to);
  }
  if (run < to) out += text.slice(run, to);
  return out;
}

/** The tags of every untagged attribute: one shared, frozen empty list. */
const NO_TAGS: A.Tag[] = Object.freeze([]) as unknown as A.Tag[];

/**
 * Words (attribute names, reference parts) repeat throughout a description; a small
 * direct-mapped table of the words seen recently gives each repetition the string made
 * for the first one instead of a new copy, which saves most of the parser's string
 * allocations. One table per parse, so that no string (which may be a slice of the
 * source text) outlives the parse through it. Words longer than WORD_CACHE_MAX_LENGTH
 * are not cached.
 */
const WORD_CACHE_SIZE = 4096;
const WORD_CACHE_MAX_LENGTH = 40;

function internWord(wordCache: (string | undefined)[], text: string, start: number, end: number): string {
  const length = end - start;
  if (length > WORD_CACHE_MAX_LENGTH) return text.slice(start, end);
  let h = length;
  for (let i = start; i < end; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  const slot = (h ^ (h >>> 13)) & (WORD_CACHE_SIZE - 1);
  const cached = wordCache[slot];
  if (cached !== undefined && cached.length === length && text.startsWith(cached, start)) return cached;
  const fresh = text.slice(start, end);
  wordCache[slot] = fresh;
  return fresh;
}

class FastParser {
  private readonly kinds: Uint8Array;
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  private pos = 0;
  private depth = 0;
  private readonly words: (string | undefined)[] = new Array(WORD_CACHE_SIZE).fill(undefined);

  constructor(
    private readonly text: string,
    private readonly path: string,
    tokens: TokenBuffer,
    private readonly maxDepth: number,
  ) {
    this.kinds = tokens.kinds;
    this.starts = tokens.starts;
    this.ends = tokens.ends;
  }

  private bail(reason: string): never {
    throw new FastPathBail(reason, this.starts[this.pos]);
  }

  private span(start: number, end: number): Span {
    return { file: this.path, start, end };
  }

  private tokenSpan(i: number): Span {
    return { file: this.path, start: this.starts[i], end: this.ends[i] };
  }

  /** Consumes a token of `kind` and returns its index, or bails. */
  private expect(kind: number): number {
    const p = this.pos;
    if (this.kinds[p] !== kind) this.bail('unexpected token');
    this.pos = p + 1;
    return p;
  }

  private image(i: number): string {
    return this.text.slice(this.starts[i], this.ends[i]);
  }

  /** A WORD's text, shared with earlier occurrences of the same word (see internWord). */
  private word(i: number): string {
    return internWord(this.words, this.text, this.starts[i], this.ends[i]);
  }

  private enter(): void {
    if (++this.depth > this.maxDepth) this.bail('nesting too deep');
  }

  // --- files, bodies, members --------------------------------------------------------

  file(): A.FileNode {
    let wrapped = false;
    let members: A.Member[];
    if (this.kinds[0] === K_EXTENDS) {
      this.pos = 1;
      wrapped = true;
      members = this.body().members;
      // After the wrapper only separators are clean; anything else is reported.
      while (this.kinds[this.pos] === K_SEMI) this.pos++;
    } else {
      members = [];
      this.members(members);
    }
    if (this.kinds[this.pos] !== K_EOF) this.bail('input left over');
    return { kind: 'File', wrapped, members, span: this.span(0, this.text.length) };
  }

  /** The attribute list of a file or body, up to a token that cannot continue it. */
  private members(out: A.Member[]): void {
    const kinds = this.kinds;
    for (;;) {
      const k = kinds[this.pos];
      if (k === K_WORD || k === K_LBRACKET || k === K_QSTRING || k === K_MSTRING || k === K_UNIQUE) {
        out.push(this.attribute());
      } else if (k === K_SEMI) {
        this.pos++;
      } else if (k === K_INCLUDE || k === K_INCLUDE_OPT || k === K_CODEBASE) {
        out.push(this.include());
      } else {
        return;
      }
    }
  }

  private body(): A.Body {
    this.enter();
    const open = this.expect(K_LCURLY);
    const members: A.Member[] = [];
    this.members(members);
    const close = this.expect(K_RCURLY);
    this.depth--;
    return { kind: 'Body', members, span: this.span(this.starts[open], this.ends[close]) };
  }

  private include(): A.Include {
    const start = this.starts[this.pos];
    let codebase: string | undefined;
    if (this.kinds[this.pos] === K_CODEBASE) {
      this.pos++;
      codebase = this.stringValue(this.expectString());
    }
    const k = this.kinds[this.pos];
    if (k !== K_INCLUDE && k !== K_INCLUDE_OPT) this.bail('expected #include');
    this.pos++;
    const pathTok = this.expectString();
    const pathSpan = this.tokenSpan(pathTok);
    const inc: A.Include = {
      kind: 'Include',
      path: this.stringValue(pathTok),
      optional: k === K_INCLUDE_OPT,
      pathSpan,
      span: this.span(start, pathSpan.end),
    };
    if (codebase !== undefined) inc.codebase = codebase;
    return inc;
  }

  private expectString(): number {
    const p = this.pos;
    const k = this.kinds[p];
    if (k !== K_QSTRING && k !== K_MSTRING) this.bail('expected a string');
    this.pos = p + 1;
    return p;
  }

  private attribute(): A.Attribute {
    const kinds = this.kinds;
    const start = this.starts[this.pos];
    const tags = kinds[this.pos] === K_LBRACKET ? this.tags() : NO_TAGS;
    let name: A.AttrName;
    const p = this.pos;
    const k = kinds[p];
    if (k === K_WORD) {
      const parts = [this.word(p)];
      let last = p;
      this.pos = p + 1;
      while (kinds[this.pos] === K_COLON) {
        this.pos++;
        last = this.expect(K_WORD);
        parts.push(this.word(last));
      }
      name = { kind: 'Name', parts, quoted: false, span: this.span(this.starts[p], this.ends[last]) };
    } else if (k === K_QSTRING || k === K_MSTRING) {
      this.pos = p + 1;
      name = { kind: 'Name', parts: [this.stringValue(p)], quoted: true, span: this.tokenSpan(p) };
    } else if (k === K_UNIQUE) {
      this.pos = p + 1;
      name = { kind: 'Unique', span: this.tokenSpan(p) };
    } else {
      return this.bail('expected an attribute name');
    }
    let value: A.Value;
    const v = kinds[this.pos];
    if (v === K_EXTENDS) {
      value = this.componentDef();
    } else if (v === K_SEMI) {
      value = { kind: 'Null', implicit: true, span: this.tokenSpan(this.pos) };
      this.pos++;
    } else {
      value = this.expr();
    }
    const end = value.span.end > name.span.end ? value.span.end : name.span.end;
    return { kind: 'Attribute', tags, name, value, span: this.span(start, end) };
  }

  /** `[ name, "name" name ]`: commas optional. */
  private tags(): A.Tag[] {
    this.pos++;
    const tags: A.Tag[] = [];
    for (;;) {
      const p = this.pos;
      const k = this.kinds[p];
      if (k === K_WORD) {
        tags.push({ name: this.image(p), span: this.tokenSpan(p) });
      } else if (k === K_QSTRING || k === K_MSTRING) {
        tags.push({ name: this.stringValue(p), span: this.tokenSpan(p) });
      } else {
        break;
      }
      this.pos = p + 1;
      if (this.kinds[this.pos] === K_COMMA) this.pos++;
    }
    this.expect(K_RBRACKET);
    return tags;
  }

  // --- values ----------------------------------------------------------------------------

  /** `extends [:KIND] [LAZY|DATA] [P1 {[,] Pn}]`. */
  private componentDef(): A.Component {
    const kinds = this.kinds;
    const ext = this.pos++;
    const start = this.starts[ext];
    let end = this.ends[ext];
    let nodeKind: string | undefined;
    if (kinds[this.pos] === K_COLON) {
      this.pos++;
      const w = this.expect(K_WORD);
      nodeKind = this.image(w);
      end = this.ends[w];
    }
    let flag: A.Component['flag'] = 'eager';
    const f = kinds[this.pos];
    if (f === K_LAZY || f === K_DATA) {
      flag = f === K_LAZY ? 'lazy' : 'data';
      end = this.ends[this.pos];
      this.pos++;
    }
    const prototypes: A.Prototype[] = [];
    const first = kinds[this.pos];
    if (first === K_NULL || first === K_LCURLY || LINK_START[first] === 1) {
      prototypes.push(this.proto());
      for (;;) {
        const k = kinds[this.pos];
        if (k === K_COMMA) this.pos++;
        else if (k !== K_LCURLY) break;
        prototypes.push(this.proto());
      }
      const last = prototypes[prototypes.length - 1].span.end;
      if (last > end) end = last;
    }
    const comp: A.Component = { kind: 'Component', flag, prototypes, span: this.span(start, end) };
    if (nodeKind !== undefined) comp.nodeKind = nodeKind;
    return comp;
  }

  private proto(): A.Prototype {
    const p = this.pos;
    const k = this.kinds[p];
    if (k === K_LCURLY) return this.body();
    if (k === K_NULL) {
      this.pos = p + 1;
      return { kind: 'Null', implicit: false, span: this.tokenSpan(p) };
    }
    if (LINK_START[k] === 1) return this.linkPath();
    return this.bail('expected a prototype');
  }

  private expr(): A.Value {
    this.enter();
    const p = this.pos;
    const k = this.kinds[p];
    let v: A.Value;
    switch (k) {
      case K_NUMBER:
        this.pos = p + 1;
        v = this.number(p);
        break;
      case K_QSTRING:
      case K_MSTRING:
        this.pos = p + 1;
        v = { kind: 'String', value: this.stringValue(p), multiline: k === K_MSTRING, span: this.tokenSpan(p) };
        break;
      case K_LBRACKET:
        v = this.vectorExpr();
        break;
      case K_LPAREN:
        v = this.paren();
        break;
      case K_IF:
        v = this.ifExpr();
        break;
      case K_SWITCH:
        v = this.switchExpr();
        break;
      default:
        v = REFERENCE_START[k] === 1 ? this.reference() : this.simple();
    }
    this.depth--;
    return v;
  }

  /** `true`, `false`, `NULL`, `TBD`, byte arrays, literal vectors: what expr and primitive share. */
  private simple(): A.Value {
    const p = this.pos;
    switch (this.kinds[p]) {
      case K_TRUE:
        this.pos = p + 1;
        return { kind: 'Boolean', value: true, span: this.tokenSpan(p) };
      case K_FALSE:
        this.pos = p + 1;
        return { kind: 'Boolean', value: false, span: this.tokenSpan(p) };
      case K_NULL:
        this.pos = p + 1;
        return { kind: 'Null', implicit: false, span: this.tokenSpan(p) };
      case K_TBD:
        this.pos = p + 1;
        return { kind: 'TBD', span: this.tokenSpan(p) };
      case K_BYTES:
        this.pos = p + 1;
        return this.bytes(p);
      case K_LVEC_OPEN:
        return this.literalVector();
      default:
        // VAR (always an error), or no value at all.
        return this.bail('expected a value');
    }
  }

  /** A Primitive of §5: literals, literal vectors, `DATA` references. */
  private primitive(): A.Value {
    this.enter();
    const p = this.pos;
    const k = this.kinds[p];
    let v: A.Value;
    if (k === K_NUMBER) {
      this.pos = p + 1;
      v = this.number(p);
    } else if (k === K_QSTRING || k === K_MSTRING) {
      this.pos = p + 1;
      v = { kind: 'String', value: this.stringValue(p), multiline: k === K_MSTRING, span: this.tokenSpan(p) };
    } else if (k === K_DATA) {
      v = this.reference();
    } else {
      v = this.simple();
    }
    this.depth--;
    return v;
  }

  private literalVector(): A.LiteralVector {
    const open = this.pos++;
    const items: A.Value[] = [];
    if (this.kinds[this.pos] !== K_LVEC_CLOSE) {
      items.push(this.primitive());
      while (this.kinds[this.pos] === K_COMMA) {
        this.pos++;
        items.push(this.primitive());
      }
    }
    const close = this.expect(K_LVEC_CLOSE);
    return { kind: 'LiteralVector', items, span: this.span(this.starts[open], this.ends[close]) };
  }

  private vectorExpr(): A.VectorExpr {
    const open = this.pos++;
    const items: A.Value[] = [];
    if (this.kinds[this.pos] !== K_RBRACKET) {
      items.push(this.expr());
      while (this.kinds[this.pos] === K_COMMA) {
        this.pos++;
        items.push(this.expr());
      }
    }
    const close = this.expect(K_RBRACKET);
    return { kind: 'VectorExpr', items, span: this.span(this.starts[open], this.ends[close]) };
  }

  // --- literals -----------------------------------------------------------------------------

  /** As AstBuilder.number; a number out of range is an error there, so it bails here. */
  private number(p: number): A.Value {
    const text = this.text;
    const s = this.starts[p];
    const e = this.ends[p];
    const last = text.charCodeAt(e - 1);
    // l L
    if (last === 108 || last === 76) {
      // The lexer also takes an exponent before `L` (`1e5L`); BigInt cannot read that,
      // so such a literal is the chevrotain path's to answer.
      for (let i = s; i < e - 1; i++) {
        const ch = text.charCodeAt(i);
        if (ch === 101 || ch === 69) this.bail('long with an exponent');
      }
      const value = BigInt(text.slice(s, e - 1));
      if (value < LONG_MIN || value > LONG_MAX) this.bail('long out of range');
      return { kind: 'Long', value, span: this.span(s, e) };
    }
    // f F
    if (last === 102 || last === 70) return { kind: 'Float', value: Math.fround(Number(text.slice(s, e - 1))), span: this.span(s, e) };
    // d D
    if (last === 100 || last === 68) return { kind: 'Double', value: Number(text.slice(s, e - 1)), span: this.span(s, e) };
    const negative = text.charCodeAt(s) === 45;
    let value = 0;
    for (let i = negative ? s + 1 : s; i < e; i++) {
      const ch = text.charCodeAt(i);
      // . e E
      if (ch === 46 || ch === 101 || ch === 69) return { kind: 'Double', value: Number(text.slice(s, e)), span: this.span(s, e) };
      value = value * 10 + (ch - 48);
    }
    // Exact while it stays below 2^53, far beyond the Integer range checked here.
    if (e - s > 15) value = Number(text.slice(s, e));
    else if (negative) value = -value;
    if (value < INT_MIN || value > INT_MAX) this.bail('integer out of range');
    return { kind: 'Int', value, span: this.span(s, e) };
  }

  private stringValue(p: number): string {
    const from = this.starts[p] + (this.kinds[p] === K_QSTRING ? 1 : 2);
    return decodeEscapes(this.text, from, this.ends[p] - 1);
  }

  private bytes(p: number): A.BytesLiteral {
    const s = this.starts[p];
    const e = this.ends[p];
    const encoding = this.text.slice(s + 1, s + 4) as A.BytesLiteral['encoding'];
    const decoded = decodeBytes(encoding, this.text.slice(s + 5, e - 1));
    if (typeof decoded === 'string') this.bail('bad byte array');
    return { kind: 'Bytes', encoding, value: decoded, span: this.span(s, e) };
  }

  // --- operations -----------------------------------------------------------------------------

  /** `( extends ... )`, `( ! e )`, `( e )`, `( e op e ... )` with one operator kind. */
  private paren(): A.Value {
    const kinds = this.kinds;
    const open = this.pos++;
    const start = this.starts[open];
    const k = kinds[this.pos];
    if (k === K_EXTENDS) {
      const inner = this.componentDef();
      const close = this.expect(K_RPAREN);
      return { kind: 'Paren', inner, span: this.span(start, this.ends[close]) };
    }
    if (k === K_BANG) {
      this.pos++;
      const operand = this.expr();
      const close = this.expect(K_RPAREN);
      return { kind: 'Operation', op: '!', operands: [operand], span: this.span(start, this.ends[close]) };
    }
    const first = this.expr();
    const op = kinds[this.pos];
    if (op === K_RPAREN) {
      const close = this.pos++;
      return { kind: 'Paren', inner: first, span: this.span(start, this.ends[close]) };
    }
    if (op < K_OP_FIRST || op > K_OP_LAST) this.bail('expected an operator or `)`');
    const operands = [first];
    do {
      this.pos++;
      operands.push(this.expr());
    } while (kinds[this.pos] === op);
    // A different operator (SF1008), or a binary operator with a third operand (SF1009).
    if (kinds[this.pos] !== K_RPAREN || (BINARY_KIND[op] === 1 && operands.length > 2)) this.bail('operator misuse');
    const close = this.pos++;
    return { kind: 'Operation', op: OPERATOR_TEXT[op] as A.OperatorText, operands, span: this.span(start, this.ends[close]) };
  }

  private ifExpr(): A.IfExpr {
    const start = this.starts[this.pos++];
    const condition = this.expr();
    this.expect(K_THEN);
    const then = this.expr();
    this.expect(K_ELSE);
    const els = this.expr();
    const fi = this.expect(K_FI);
    return { kind: 'If', condition, then, else: els, span: this.span(start, this.ends[fi]) };
  }

  private switchExpr(): A.SwitchExpr {
    const start = this.starts[this.pos++];
    const bindings = this.kinds[this.pos] === K_LCURLY ? this.body() : undefined;
    const cases: A.SwitchCase[] = [];
    while (this.kinds[this.pos] === K_IF) {
      const caseStart = this.starts[this.pos++];
      const condition = this.expr();
      this.expect(K_THEN);
      const value = this.expr();
      cases.push({ condition, value, span: this.span(caseStart, value.span.end) });
    }
    if (cases.length === 0) this.bail('a SWITCH without cases');
    const end = this.expect(K_ENDSWITCH);
    const result: A.SwitchExpr = { kind: 'Switch', cases, span: this.span(start, this.ends[end]) };
    if (bindings) result.bindings = bindings;
    return result;
  }

  // --- references -----------------------------------------------------------------------------

  /** `[LAZY|DATA] BaseRef`: one flag at most (the others are errors, so they bail). */
  private reference(): A.Reference | A.Apply {
    const kinds = this.kinds;
    let lazy = false;
    let data = false;
    let flagStart = -1;
    const f = kinds[this.pos];
    if (f === K_LAZY || f === K_DATA) {
      lazy = f === K_LAZY;
      data = !lazy;
      flagStart = this.starts[this.pos++];
      const again = kinds[this.pos];
      if (again === K_LAZY || again === K_DATA) this.bail('flags repeated or combined');
    }
    let ref: A.Reference | A.Apply;
    const p = this.pos;
    const k = kinds[p];
    if (k === K_OPTIONAL) {
      this.pos = p + 1;
      let dv: A.Value | undefined;
      if (kinds[this.pos] === K_LPAREN) {
        this.pos++;
        dv = this.primitive();
        this.expect(K_RPAREN);
      }
      if (LINK_START[kinds[this.pos]] !== 1) this.bail('expected a link path');
      const r = this.linkPath();
      r.optional = true;
      if (dv) r.default = dv;
      r.span = this.span(this.starts[p], r.span.end);
      ref = r;
    } else if (k === K_APPLY || k === K_ASSERT) {
      this.pos = p + 1;
      if (kinds[this.pos] !== K_LCURLY) this.bail('expected a body');
      const body = this.body();
      ref = { kind: k === K_APPLY ? 'Apply' : 'Assert', lazy: false, data: false, body, span: this.span(this.starts[p], body.span.end) };
    } else if (LINK_START[k] === 1) {
      ref = this.linkPath();
    } else {
      return this.bail('expected a reference');
    }
    ref.lazy = lazy;
    ref.data = data;
    if (flagStart >= 0) ref.span = this.span(Math.min(flagStart, ref.span.start), ref.span.end);
    return ref;
  }

  /** `RefPart {: RefPart}` as a Reference without flags. */
  private linkPath(): A.Reference {
    const parts = [this.refPart()];
    while (this.kinds[this.pos] === K_COLON) {
      this.pos++;
      parts.push(this.refPart());
    }
    // A one-part path shares its part's span (spans are never changed in place).
    const span = parts.length === 1 ? parts[0].span : this.span(parts[0].span.start, parts[parts.length - 1].span.end);
    return { kind: 'Reference', parts, lazy: false, data: false, optional: false, span };
  }

  private refPart(): A.RefPart {
    const p = this.pos;
    const k = this.kinds[p];
    if (k === K_WORD) {
      this.pos = p + 1;
      return { kind: 'WORD', name: this.word(p), span: this.tokenSpan(p) };
    }
    const bare = BARE_PARTS[k];
    if (bare !== undefined) {
      this.pos = p + 1;
      return { kind: bare, span: this.tokenSpan(p) };
    }
    const named = NAMED_PARTS[k];
    if (named === undefined) return this.bail('expected a reference part');
    const n = p + 1;
    const nk = this.kinds[n];
    this.pos = n + 1;
    if (nk === K_WORD) return { kind: named, name: this.word(n), span: this.span(this.starts[p], this.ends[n]) };
    if (nk === K_QSTRING || nk === K_MSTRING) {
      return { kind: named, name: this.stringValue(n), quoted: true, span: this.span(this.starts[p], this.ends[n]) };
    }
    this.pos = n;
    return this.bail('expected a name');
  }
}
