/**
 * The `.sf` formatter behind `frog fmt` (docs/design/language.md §16). It changes only the
 * whitespace between tokens: every token and every comment is written back with its own
 * text, in its order, so the formatted file means exactly what the original meant. Where an
 * attribute starts is taken from the syntax tree (semicolons are optional, so tokens alone do
 * not say it); everything else is decided token by token:
 *
 * - one member (attribute or include) per line, indented by four spaces per body `{ }`;
 * - `{` ends the line it opens and `}` stands on a line of its own (`{ }` when empty);
 * - within a member, one space between tokens, none before `;` `,` `)` and around `:`, none
 *   inside `( )` and tag lists, one inside vectors `[ a ]` `[| a |]` (`[]` when empty),
 *   `OPTIONAL(d)`;
 * - line breaks the author put inside brackets (and `SWITCH ... ENDSWITCH`) are kept, their
 *   lines indented one level deeper than the line that opened the bracket; other breaks
 *   inside a member are joined;
 * - blank lines between lines are kept, runs of them collapsed to one, none at the start or
 *   end of a body or the file;
 * - a comment stays where it was: after a token on the same line, or on a line of its own
 *   at the indentation of what follows. Line comments lose trailing spaces; block comments
 *   are kept verbatim.
 *
 * The result is checked before it is returned: it must lex to the same tokens and comments.
 */
import type { Diagnostic } from '../core/diagnostics.js';
import { hasErrors } from '../core/diagnostics.js';
import type { SourceFile } from '../core/source.js';
import { MAX_NESTING, parse } from './parse.js';
import { forEachMember } from './walk.js';
import {
  K_COLON,
  K_COMMA,
  K_ENDSWITCH,
  K_LBRACKET,
  K_LCURLY,
  K_LPAREN,
  K_LVEC_CLOSE,
  K_LVEC_OPEN,
  K_OPTIONAL,
  K_RBRACKET,
  K_RCURLY,
  K_RPAREN,
  K_SEMI,
  K_SWITCH,
  acquireTokens,
  fastLex,
  releaseTokens,
} from './fast/lexer.js';

export interface FormatResult {
  /** The formatted text; absent when the file has syntax errors. */
  text?: string;
  /** The syntax errors (and any warnings) of the file. */
  diagnostics: Diagnostic[];
  source: SourceFile;
}

/** Kinds of item in the stream: a token (its lexer kind, ≥ 0) or a comment. */
const LINE_COMMENT = -1;
const BLOCK_COMMENT = -2;

interface Item {
  kind: number;
  text: string;
  /** Line breaks between the previous item (or the start of the file) and this one. */
  breaks: number;
  /** A token that starts a member (an attribute or an include). */
  member: boolean;
}

interface Frame {
  /** The kind of the opening token. */
  opener: number;
  /** The level of the line that opened it: where its closer goes. */
  level: number;
  /** A tag list `[t1, t2]` rather than a vector. */
  tags: boolean;
}

const INDENT = '    ';

const isCloser = (k: number): boolean => k === K_RCURLY || k === K_RPAREN || k === K_RBRACKET || k === K_LVEC_CLOSE || k === K_ENDSWITCH;
const isOpener = (k: number): boolean => k === K_LCURLY || k === K_LPAREN || k === K_LBRACKET || k === K_LVEC_OPEN || k === K_SWITCH;

/** Formats `.sf` text; a file with syntax errors gets its diagnostics and no text. */
export function formatSource(text: string, file: string): FormatResult {
  const parsed = parse(text, file);
  if (hasErrors(parsed.diagnostics)) return { diagnostics: parsed.diagnostics, source: parsed.source };
  const starts: number[] = [];
  forEachMember(parsed.ast.members, (m) => starts.push(m.span.start));
  const items = scan(text, starts);
  const out = layout(items);
  const again = scan(out, []);
  if (!sameStream(items, again)) throw new Error(`the formatter changed the tokens or comments of ${file}`);
  return { text: out, diagnostics: parsed.diagnostics, source: parsed.source };
}

/** The formatted text of valid `.sf` text (throws on syntax errors; for tests and tools). */
export function format(text: string, file = '<text>'): string {
  const r = formatSource(text, file);
  if (r.text === undefined) throw new Error(`${file} has syntax errors: ${r.diagnostics.map((d) => d.message).join('; ')}`);
  return r.text;
}

/** Line breaks in text[from, to): LF, CR LF and a lone CR each count once. */
function countBreaks(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) n++;
    else if (c === 13 && text.charCodeAt(i + 1) !== 10) n++;
  }
  return n;
}

/**
 * The tokens of `text` (from the fast lexer) with the comments between them. A gap between two
 * tokens holds only whitespace and comments, so the comments are found by scanning the gaps.
 */
function scan(text: string, memberStarts: number[]): Item[] {
  const buf = acquireTokens(text.length);
  const items: Item[] = [];
  try {
    fastLex(text, buf, MAX_NESTING);
    const sorted = [...memberStarts].sort((a, b) => a - b);
    let nextMember = 0;
    let pos = 0;
    const gap = (to: number): number => {
      // Pushes the comments in text[pos, to) and returns the breaks after the last of them.
      let from = pos;
      let i = pos;
      while (i < to) {
        const c = text.charCodeAt(i);
        if (c === 47 && text.charCodeAt(i + 1) === 47) {
          let end = i + 2;
          while (end < to && text.charCodeAt(end) !== 10 && text.charCodeAt(end) !== 13) end++;
          items.push({ kind: LINE_COMMENT, text: text.slice(i, end).trimEnd(), breaks: countBreaks(text, from, i), member: false });
          from = i = end;
        } else if (c === 47 && text.charCodeAt(i + 1) === 42) {
          const end = text.indexOf('*/', i + 2) + 2;
          items.push({ kind: BLOCK_COMMENT, text: text.slice(i, end), breaks: countBreaks(text, from, i), member: false });
          from = i = end;
        } else {
          i++;
        }
      }
      return countBreaks(text, from, to);
    };
    for (let t = 0; t < buf.count; t++) {
      const start = buf.starts[t];
      const breaks = gap(start);
      while (nextMember < sorted.length && sorted[nextMember] < start) nextMember++;
      const member = nextMember < sorted.length && sorted[nextMember] === start;
      items.push({ kind: buf.kinds[t], text: text.slice(start, buf.ends[t]), breaks, member });
      pos = buf.ends[t];
    }
    gap(text.length);
  } finally {
    releaseTokens(buf);
  }
  return items;
}

function sameStream(a: Item[], b: Item[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i].kind !== b[i].kind || a[i].text !== b[i].text) return false;
  return true;
}

/** The separator between two tokens on one line: '' or ' '. */
function space(prev: Item, cur: Item, top: Frame | undefined): string {
  const p = prev.kind;
  const c = cur.kind;
  if (c === K_SEMI || c === K_COMMA || c === K_RPAREN) return '';
  if (p === K_LPAREN) return '';
  if (p === K_COLON || c === K_COLON) return '';
  if (c === K_LPAREN && p === K_OPTIONAL) return '';
  if (p === K_LBRACKET) return top?.tags || c === K_RBRACKET ? '' : ' ';
  if (c === K_RBRACKET) return top?.tags ? '' : ' ';
  return ' ';
}

function layout(items: Item[]): string {
  let out = '';
  const stack: Frame[] = [];
  /** The level of the line being written. */
  let level = 0;
  let prev: Item | undefined;

  /** The level of the body whose members are being written (0 at the top). */
  const memberLevel = (): number => {
    for (let i = stack.length - 1; i >= 0; i--) if (stack[i].opener === K_LCURLY) return stack[i].level + 1;
    return 0;
  };
  /** For each item, the first token at or after it. */
  const nextToken: (Item | undefined)[] = new Array(items.length);
  for (let i = items.length - 1, next: Item | undefined; i >= 0; i--) {
    if (items[i].kind >= 0) next = items[i];
    nextToken[i] = next;
  }
  /** True between the first token of a member and the `;` or `}` that ends it. */
  let inMember = false;
  /**
   * The level of a line that starts with items[i]: a closer at the level of the line that
   * opened it (a comment before it one deeper), a member at its body's level, the rest of a
   * member one deeper than that, and a line inside brackets one deeper than the line that
   * opened them.
   */
  const lineLevel = (i: number, comment: boolean): number => {
    const next = nextToken[i];
    const top = stack[stack.length - 1];
    if (next && isCloser(next.kind) && top) return comment ? top.level + 1 : top.level;
    if (!top || top.opener === K_LCURLY) return memberLevel() + (!next || next.member || !inMember ? 0 : 1);
    return top.level + 1;
  };

  const newline = (i: number, cur: Item, blank: boolean): void => {
    if (prev === undefined) return;
    out += blank ? '\n\n' : '\n';
    level = lineLevel(i, cur.kind < 0);
    out += INDENT.repeat(level);
  };

  for (let i = 0; i < items.length; i++) {
    const cur = items[i];
    const top = stack[stack.length - 1];
    const opensBody = prev?.kind === K_LCURLY;
    const closes = cur.kind >= 0 && isCloser(cur.kind);
    const blank = cur.breaks >= 2 && !opensBody && !closes && prev !== undefined;
    if (prev === undefined) {
      level = cur.kind < 0 ? 0 : lineLevel(i, false);
    } else if (cur.kind < 0) {
      // A comment: after the previous item on its line, or on a line of its own.
      if (cur.breaks === 0 && prev.kind !== LINE_COMMENT) out += ' ';
      else newline(i, cur, blank);
    } else if (prev.kind === LINE_COMMENT) {
      newline(i, cur, blank);
    } else if (cur.member) {
      newline(i, cur, blank);
    } else if (prev.kind === K_LCURLY) {
      if (cur.kind === K_RCURLY) out += ' ';
      else newline(i, cur, blank);
    } else if (cur.kind === K_RCURLY) {
      newline(i, cur, false);
    } else if (cur.kind === K_SEMI || cur.kind === K_COMMA) {
      // attached to what precedes it
    } else if (cur.kind === K_LCURLY) {
      out += ' ';
    } else if (prev.kind === BLOCK_COMMENT) {
      if (cur.breaks > 0) newline(i, cur, blank);
      else out += ' ';
    } else if (cur.breaks > 0 && top && top.opener !== K_LCURLY) {
      newline(i, cur, blank);
    } else {
      out += space(prev, cur, top);
    }
    out += cur.text;
    if (cur.kind >= 0) {
      if (isOpener(cur.kind)) {
        stack.push({ opener: cur.kind, level, tags: cur.kind === K_LBRACKET && cur.member });
      } else if (closes) {
        stack.pop();
      }
      const after = stack[stack.length - 1];
      const atMemberLevel = !after || after.opener === K_LCURLY;
      inMember = !((cur.kind === K_SEMI || cur.kind === K_RCURLY) && atMemberLevel) && cur.kind !== K_LCURLY;
    }
    prev = cur;
  }
  return out.length ? out + '\n' : '';
}
