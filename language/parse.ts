/**
 * The entry points of the front end: `.sf` text → AST + diagnostics. They never throw:
 * every problem in the input is a diagnostic with a code and a span.
 */
import { EOF, type IRecognitionException, type IToken } from 'chevrotain';
import type { FileNode, Reference } from './ast.js';
import type { Diagnostic } from './diagnostics.js';
import { sfParser } from './grammar.js';
import * as T from './lexer.js';
import { diagnostic, Messages } from './messages.js';
import { SourceFile } from './source.js';
import { AstBuilder } from './visitor.js';

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

const OPENERS = new Set<string>([T.LParen.name, T.LCurly.name, T.LBracket.name, T.LVectorOpen.name]);
const CLOSERS = new Set<string>([T.RParen.name, T.RCurly.name, T.RBracket.name, T.LVectorClose.name]);

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
  if (t.tokenType === EOF) return 'end of file';
  const image = t.image.length > 24 ? t.image.slice(0, 21) + '...' : t.image;
  return '`' + image.replace(/[\r\n]+/g, ' ') + '`';
}

/** One diagnostic per chevrotain error; the provider in grammar.ts gave the expected part. */
function syntaxDiagnostics(errors: IRecognitionException[], source: SourceFile): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Set<number>();
  for (const e of errors) {
    const t = e.token;
    const atEnd = t.tokenType === EOF || Number.isNaN(t.startOffset);
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
function prepare(source: SourceFile, diagnostics: Diagnostic[]): IToken[] | undefined {
  const lexed = T.lex(source);
  diagnostics.push(...lexed.diagnostics);
  const deep = tooDeep(lexed.tokens);
  if (deep) {
    diagnostics.push(
      diagnostic(Messages.NestingTooDeep, { max: MAX_NESTING }, source.span(deep.startOffset, deep.startOffset + deep.image.length)),
    );
    return undefined;
  }
  return lexed.tokens;
}

/** Parses a whole `.sf` file. `file` is the path recorded in spans and diagnostics. */
export function parse(text: string, file: string): ParseResult {
  const source = new SourceFile(file, text);
  const diagnostics: Diagnostic[] = [];
  const empty: FileNode = { kind: 'File', wrapped: false, members: [], span: source.span(0, text.length) };
  const tokens = prepare(source, diagnostics);
  if (!tokens) return { ast: empty, diagnostics, source };
  const ast = guarded(source, diagnostics, () => {
    sfParser.input = tokens;
    const cst = sfParser.file();
    diagnostics.push(...syntaxDiagnostics(sfParser.errors, source));
    // Drop the token vector: the parser instance is shared and long-lived.
    sfParser.input = [];
    return new AstBuilder(source, diagnostics).buildFile(cst);
  });
  diagnostics.sort(bySpan);
  return { ast: ast ?? empty, diagnostics, source };
}

/**
 * Parses the text of one reference, as written after an attribute name: `PARENT:x`,
 * `LAZY ROOT:a:b`, `DATA x`, `OPTIONAL(3) a`. Used by the runtime to read references
 * back from plans. A function (`APPLY {...}`) is not a reference and is reported.
 */
export function parseReference(text: string, file = '<reference>'): ReferenceParseResult {
  const source = new SourceFile(file, text);
  const diagnostics: Diagnostic[] = [];
  const tokens = prepare(source, diagnostics);
  if (!tokens) return { diagnostics };
  const reference = guarded(source, diagnostics, () => {
    sfParser.input = tokens;
    const cst = sfParser.referenceOnly();
    diagnostics.push(...syntaxDiagnostics(sfParser.errors, source));
    sfParser.input = [];
    const refNode = cst?.children.reference?.[0];
    if (!refNode || !('children' in refNode)) return undefined;
    const built = new AstBuilder(source, diagnostics).reference(refNode);
    if (built && built.kind !== 'Reference') {
      const found = built.kind === 'Apply' ? '`APPLY`' : '`ASSERT`';
      diagnostics.push(diagnostic(Messages.UnexpectedToken, { found, expected: 'a reference' }, built.span));
      return undefined;
    }
    return built;
  });
  diagnostics.sort(bySpan);
  return reference ? { reference, diagnostics } : { diagnostics };
}
