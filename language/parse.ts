/**
 * The entry points of the front end: `.sf` text → AST + diagnostics. They never throw:
 * every problem in the input is a diagnostic with a code and a span.
 */
import type { CstNode, IRecognitionException, IToken } from 'chevrotain';
import { chevrotain } from './chevrotain/chevrotain.js';
import type { FileNode, Reference } from './ast.js';
import { hasErrors, type Diagnostic } from '../core/diagnostics.js';
import { ErrorLimitReached, sfParser } from './chevrotain/grammar.js';
import { binaryContent } from './binary.js';
import { lex, tokens as tokenTypes } from './chevrotain/lexer.js';
import { diagnostic, Messages } from '../core/messages/index.js';
import { SourceFile } from '../core/source.js';
import { AstBuilder } from './chevrotain/visitor.js';
import { FastPathBail, fastParseFile } from './fast/parser.js';

export interface ParseResult {
  ast: FileNode;
  diagnostics: Diagnostic[];
  source: SourceFile;
}

export interface ReferenceParseResult {
  reference?: Reference;
  diagnostics: Diagnostic[];
}

/**
 * How deeply brackets and `IF`/`SWITCH` may nest. The parser, the visitor and every
 * later stage recurse on nesting; the bound keeps a hostile input from overflowing
 * the stack while leaving far more room than any real description needs.
 */
export const MAX_NESTING = 200;

/**
 * How many syntax errors one file reports (docs/design/language.md §3.8). Past it the parse
 * stops, with one more diagnostic that says so (SF1018), so that neither the time, the memory
 * nor the output grows with the number of mistakes in a broken or foreign file.
 */
export const MAX_ERRORS = 100;

// Token names (chevrotain/lexer.ts), so that this module needs no token type before the chevrotain path runs.
const OPENERS = new Set<string>(['LParen', 'LCurly', 'LBracket', 'LVectorOpen']);
const CLOSERS = new Set<string>(['RParen', 'RCurly', 'RBracket', 'LVectorClose']);

/**
 * The first token where bracket nesting exceeds MAX_NESTING, if any. `IF` chains
 * without brackets are not counted here (a `SWITCH` case has no `FI`, so they cannot be
 * balanced by tokens alone); a stack overflow they cause is caught in `guarded`.
 */
function tooDeep(tokens: IToken[]): IToken | undefined {
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const name = tokens[i].tokenType.name;
    if (OPENERS.has(name)) {
      if (++depth > MAX_NESTING) return tokens[i];
    } else if (CLOSERS.has(name)) {
      if (depth > 0) depth--;
    }
  }
  return undefined;
}

/** Runs a parse step; a stack overflow on absurd nesting becomes a diagnostic. */
function guarded<R>(source: SourceFile, diagnostics: Diagnostic[], step: () => R): R | undefined {
  try {
    return step();
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    const at = source.text.search(/\b(IF|SWITCH)\b/);
    const start = at < 0 ? 0 : at;
    diagnostics.push(diagnostic(Messages.NestingTooDeep, { max: MAX_NESTING }, source.span(start, start)));
    return undefined;
  }
}

function describeFound(t: IToken): string {
  if (t.tokenType === chevrotain().EOF) return 'end of file';
  const image = t.image.length > 24 ? t.image.slice(0, 21) + '...' : t.image;
  return '`' + image.replace(/[\r\n]+/g, ' ') + '`';
}

/** One diagnostic per chevrotain error; the provider in chevrotain/grammar.ts gave the expected part. */
function syntaxDiagnostics(errors: IRecognitionException[], source: SourceFile): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Set<number>();
  for (const e of errors) {
    const t = e.token;
    const atEnd = t.tokenType === chevrotain().EOF || Number.isNaN(t.startOffset);
    const start = atEnd ? source.text.length : t.startOffset;
    if (seen.has(start)) continue;
    seen.add(start);
    if (atEnd) {
      out.push(diagnostic(Messages.UnexpectedEnd, { expected: e.message }, source.span(start, start)));
    } else {
      out.push(
        diagnostic(Messages.UnexpectedToken, { found: describeFound(t), expected: e.message }, source.span(start, start + t.image.length)),
      );
    }
  }
  return out;
}

function bySpan(a: Diagnostic, b: Diagnostic): number {
  return (a.span?.start ?? 0) - (b.span?.start ?? 0);
}

/** Lexes and checks nesting; returns undefined tokens when the input must not be parsed. */
function prepare(source: SourceFile, diagnostics: Diagnostic[]): { tokens: IToken[]; swallowedEnd?: boolean } | undefined {
  const lexed = lex(source);
  diagnostics.push(...lexed.diagnostics);
  const deep = tooDeep(lexed.tokens);
  if (deep) {
    diagnostics.push(
      diagnostic(Messages.NestingTooDeep, { max: MAX_NESTING }, source.span(deep.startOffset, deep.startOffset + deep.image.length)),
    );
    return undefined;
  }
  return lexed;
}

/** The fast path `parse` and `parseWith` run; only `withFastPathForTests` replaces it. */
let fastPath: typeof fastParseFile = fastParseFile;
/** Unexpected failures of the fast path (see `parse`), and the last of them. */
let failures = 0;
let lastFailure: { file: string; error: unknown } | undefined;

/**
 * Whether `e` is the fast path's deliberate refusal: a FastPathBail (this file needs the
 * full parser), or a stack overflow, which the caller's stack depth can cause on any
 * input. Anything else is a defect of the fast path.
 */
function isBail(e: unknown): boolean {
  return e instanceof FastPathBail || (e instanceof RangeError && /call stack/i.test(e.message));
}

/**
 * Parses a whole `.sf` file. `file` is the path recorded in spans and diagnostics.
 *
 * Valid input takes the fast path (fast/lexer.ts, fast/parser.ts); the first thing it
 * does not accept sends the whole file to the chevrotain path, which is the reference:
 * it gives every diagnostic and the error recovery, so the fast path never changes what
 * a user sees, only how soon.
 */
export function parse(text: string, file: string): ParseResult {
  const binary = binaryContent(text);
  if (binary) return binaryResult(text, file, binary.offset, binary.reason);
  let ast: FileNode | undefined;
  try {
    ast = fastPath(text, file, MAX_NESTING);
  } catch (e) {
    // A bail-out or a stack overflow: the reference path decides. Anything else is a
    // defect of the fast path: counted, so that tests fail on it (fastPathFailures), and
    // the reference path still gives the user a result.
    if (!isBail(e)) {
      failures++;
      lastFailure = { file, error: e };
    }
    ast = undefined;
  }
  if (ast) return { ast, diagnostics: [], source: new SourceFile(file, text) };
  return parseChevrotain(text, file);
}

/**
 * How many times, in this process, the fast path of `parse` failed other than by bailing
 * out (a defect of the fast path, hidden from users by the fallback). Tests assert that
 * it stays 0. Not exported from language/index.ts.
 */
export function fastPathFailures(): number {
  return failures;
}

/** The last failure `fastPathFailures` counted: the file and what was thrown. */
export function lastFastPathFailure(): { file: string; error: unknown } | undefined {
  return lastFailure;
}

/**
 * For tests: runs `body` with `replacement` as the fast path (to provoke a failure of
 * it), then puts the real one back.
 */
export function withFastPathForTests<R>(replacement: typeof fastParseFile, body: () => R): R {
  const saved = fastPath;
  fastPath = replacement;
  try {
    return body();
  } finally {
    fastPath = saved;
  }
}

/**
 * Runs one path only, for tests and benchmarks (not exported from language/index.ts).
 * `fast` returns undefined where it bails out (a stack overflow counts as one) and lets
 * any other exception through; `chevrotain` is what `parse` falls back to.
 */
export function parseWith(path: 'fast' | 'chevrotain', text: string, file: string): ParseResult | undefined {
  if (path === 'chevrotain') return parseChevrotain(text, file);
  try {
    return { ast: fastPath(text, file, MAX_NESTING), diagnostics: [], source: new SourceFile(file, text) };
  } catch (e) {
    if (isBail(e)) return undefined;
    throw e;
  }
}

/** A file that is not text (§3.8): one diagnostic, which shows where but not what (no frame), and no tree. */
function binaryResult(text: string, file: string, offset: number, reason: string): ParseResult {
  const source = new SourceFile(file, text);
  const ast: FileNode = { kind: 'File', wrapped: false, members: [], span: source.span(0, text.length) };
  return { ast, diagnostics: [diagnostic(Messages.BinaryFile, { reason }, source.span(offset, offset), { noFrame: true })], source };
}

/** The first MAX_ERRORS diagnostics, then SF1018 after the last of them, when there were more or the parse stopped. */
function capped(diagnostics: Diagnostic[], stopped: boolean): Diagnostic[] {
  if (!stopped && diagnostics.length <= MAX_ERRORS) return diagnostics;
  const kept = diagnostics.slice(0, MAX_ERRORS);
  const last = kept[kept.length - 1]?.span;
  kept.push(diagnostic(Messages.TooManyErrors, { max: MAX_ERRORS }, last ? { ...last, end: last.start } : undefined, { noFrame: true }));
  return kept;
}

function parseChevrotain(text: string, file: string): ParseResult {
  const source = new SourceFile(file, text);
  const diagnostics: Diagnostic[] = [];
  const empty: FileNode = { kind: 'File', wrapped: false, members: [], span: source.span(0, text.length) };
  const lexed = prepare(source, diagnostics);
  if (!lexed) return { ast: empty, diagnostics: capped(diagnostics, false), source };
  if (diagnostics.length >= MAX_ERRORS) return { ast: empty, diagnostics: capped(diagnostics, true), source };
  const state = { stopped: false };
  const ast = guarded(source, diagnostics, () => new AstBuilder(source, diagnostics).buildFile(parseChunks(lexed.tokens, source, diagnostics, state)));
  // A comment, string or byte array left open took the rest of the file: the end comes too soon because of it.
  const kept = lexed.swallowedEnd ? diagnostics.filter((d) => d.code !== Messages.UnexpectedEnd.code) : diagnostics;
  return { ast: ast ?? empty, diagnostics: capped(tidy(kept), state.stopped), source };
}

const MEMBER_START = new Set<string>([
  'Word', 'QuotedString', 'UnterminatedQuotedString', 'MultilineString',
  'UnterminatedMultilineString', 'Unique', 'LBracket', 'Include',
  'IncludeOptional', 'Codebase',
]);

/**
 * Parses the top level in chunks. When the top-level loop stops at a token that cannot
 * start an attribute, chevrotain gives up on the rest of the input; instead we report
 * that token, skip to the end of the statement (past the next `;`, or to a token that
 * starts an attribute on a later line), and parse on, so every error in the file shows.
 * Each round consumes at least one token, so the loop ends.
 */
function parseChunks(tokens: IToken[], source: SourceFile, diagnostics: Diagnostic[], state: { stopped: boolean }): CstNode[] {
  const chunks: CstNode[] = [];
  let from = 0;
  while (from < tokens.length || chunks.length === 0) {
    if (diagnostics.length >= MAX_ERRORS) {
      // The rest is not parsed (§3.8): capped() says so.
      state.stopped = true;
      break;
    }
    const slice = from === 0 ? tokens : tokens.slice(from);
    const parser = sfParser();
    parser.input = slice;
    // One error more than the cap, so that capped() knows there were more.
    parser.errorLimit = MAX_ERRORS + 1 - diagnostics.length;
    let cst: CstNode | undefined;
    try {
      cst = parser.file();
    } catch (e) {
      if (!(e instanceof ErrorLimitReached)) throw e;
      state.stopped = true;
    } finally {
      parser.errorLimit = Number.POSITIVE_INFINITY;
    }
    const errors = parser.errors;
    // Drop the token vector: the parser instance is shared and long-lived.
    parser.input = [];
    if (!cst) {
      diagnostics.push(...syntaxDiagnostics(errors, source));
      break;
    }
    chunks.push(cst);
    const stop = errors.find((e) => e.name === 'NotAllInputParsedException');
    diagnostics.push(...syntaxDiagnostics(errors, source));
    if (!stop) break;
    let i = slice.indexOf(stop.token);
    if (i < 0) break;
    const line = source.position(stop.token.startOffset).line;
    for (i++; i < slice.length; i++) {
      const t = slice[i];
      if (t.tokenType === tokenTypes().Semi) {
        i++;
        break;
      }
      if (MEMBER_START.has(t.tokenType.name) && source.position(t.startOffset).line > line) break;
    }
    from += i;
  }
  return chunks;
}

/**
 * Sorted by position; a second "unexpected" at the same place as an earlier diagnostic
 * says nothing new (recovery can report one token twice) and is dropped.
 */
function tidy(diagnostics: Diagnostic[]): Diagnostic[] {
  diagnostics.sort(bySpan);
  const out: Diagnostic[] = [];
  let lastStart = -1;
  for (const d of diagnostics) {
    const start = d.span?.start ?? -1;
    if (start === lastStart && (d.code === Messages.UnexpectedToken.code || d.code === Messages.UnexpectedEnd.code)) continue;
    out.push(d);
    lastStart = start;
  }
  return out;
}

/**
 * Parses the text of one reference, as written after an attribute name: `PARENT:x`,
 * `LAZY ROOT:a:b`, `DATA x`, `OPTIONAL(3) a`. Used by the runtime to read references
 * back from plans. A function (`APPLY {...}`) is not a reference and is reported.
 */
export function parseReference(text: string, file = '<reference>'): ReferenceParseResult {
  const source = new SourceFile(file, text);
  const diagnostics: Diagnostic[] = [];
  const tokens = prepare(source, diagnostics)?.tokens;
  if (!tokens) return { diagnostics };
  const reference = guarded(source, diagnostics, () => {
    const parser = sfParser();
    parser.input = tokens;
    const cst = parser.referenceOnly();
    diagnostics.push(...syntaxDiagnostics(parser.errors, source));
    parser.input = [];
    const refNode = cst?.children.reference?.[0];
    if (!refNode || !('children' in refNode)) return undefined;
    const built = new AstBuilder(source, diagnostics).reference(refNode);
    if (built && built.kind !== 'Reference') {
      const found = built.kind === 'Apply' ? '`APPLY`' : '`ASSERT`';
      diagnostics.push(diagnostic(Messages.UnexpectedToken, { found, expected: 'a reference' }, built.span));
      return undefined;
    }
    return built as Reference | undefined;
  });
  // A reference read with errors is not handed out: callers act on references.
  const ok = reference !== undefined && !hasErrors(diagnostics);
  return ok ? { reference, diagnostics: tidy(diagnostics) } : { diagnostics: tidy(diagnostics) };
}
