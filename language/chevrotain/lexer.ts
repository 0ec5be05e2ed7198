/**
 * The token definitions of the `.sf` language (docs/design/language.md §3) and the one shared
 * chevrotain lexer built from them.
 *
 * Chevrotain's lexer takes the FIRST pattern that matches, in definition order, so the
 * order below encodes the longest-match rules of the spec: keywords carry `longer_alt:
 * Word` (a longer WORD wins, equal length goes to the keyword), numbers come before `-`
 * (the sign is part of the literal), `--` and `->` before `-`, `x|` before WORD.
 *
 * Unterminated strings, comments and byte arrays are tokens of their own so that the
 * parser can carry on: unterminated strings count as strings for the grammar, and
 * `lex()` turns each of them into a diagnostic.
 */
import type { IToken, TokenType } from 'chevrotain';
import type * as Chevrotain from 'chevrotain';
import { chevrotain } from './chevrotain.js';
import { KEYWORDS, type KeywordName } from '../keywords.js';
import type { Diagnostic } from '../../core/diagnostics.js';
import { diagnostic, Messages } from '../../core/messages/index.js';
import type { SourceFile } from '../../core/source.js';

/** Characters that start a WORD: ASCII letters, `_`, `$` and the Latin-1 letters of §3.2. */
const LETTER = 'A-Za-z_$\\u00A2-\\u00A5\\u00AA\\u00B5\\u00BA\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u00FF';
/** Characters allowed after the first: letters, digits and the SPECIAL set `. _ - + @ # ~ $ % ^ &`. */
const WORD_REST = `${LETTER}0-9.\\-+@#~%^&`;

/**
 * Every token type, made on first use (making them needs the chevrotain runtime, which a run
 * whose input all takes the fast path never loads).
 */
function define() {
  const { createToken, Lexer } = chevrotain();
  const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\n\r\f]+/, group: Lexer.SKIPPED });
  const LineComment = createToken({ name: 'LineComment', pattern: /\/\/[^\n\r]*/, group: Lexer.SKIPPED });
  const BlockComment = createToken({ name: 'BlockComment', pattern: /\/\*[\s\S]*?\*\//, group: Lexer.SKIPPED });
  /** An unterminated block comment: it eats the rest of the file and is reported. */
  const UnterminatedComment = createToken({ name: 'UnterminatedComment', pattern: /\/\*[\s\S]*/, group: 'invalid' });

  /** Category of every string token, for the grammar. */
  const StringLit = createToken({ name: 'StringLit', pattern: Lexer.NA });
  const QuotedString = createToken({
    name: 'QuotedString',
    pattern: /"(?:[^"\\\n\r]|\\[^\n\r])*"/,
    categories: [StringLit],
  });
  const UnterminatedQuotedString = createToken({
    name: 'UnterminatedQuotedString',
    pattern: /"(?:[^"\\\n\r]|\\[^\n\r])*/,
    categories: [StringLit],
  });
  const MultilineString = createToken({
    name: 'MultilineString',
    pattern: /##(?:[^#\\]|\\[\s\S])*#/,
    categories: [StringLit],
    line_breaks: true,
  });
  const UnterminatedMultilineString = createToken({
    name: 'UnterminatedMultilineString',
    pattern: /##(?:[^#\\]|\\[\s\S])*/,
    categories: [StringLit],
    line_breaks: true,
  });

  const Bytes = createToken({ name: 'Bytes', pattern: /#(?:HEX|DEC|OCT|BIN|B64)#[^#]*#/, line_breaks: true });
  const UnterminatedBytes = createToken({
    name: 'UnterminatedBytes',
    pattern: /#(?:HEX|DEC|OCT|BIN|B64)#[^#]*/,
    categories: [Bytes],
    line_breaks: true,
  });
  const IncludeOptional = createToken({ name: 'IncludeOptional', pattern: /#include\?/ });
  const Include = createToken({ name: 'Include', pattern: /#include/ });
  const Codebase = createToken({ name: 'Codebase', pattern: /#codebase/ });

  /**
   * Every number literal, with its optional sign and suffix; the visitor tells Integer,
   * Long, Float and Double apart by the text (§3.5).
   */
  const NumberLit = createToken({
    name: 'NumberLit',
    pattern: /-?(?:[0-9]+\.[0-9]*(?:[eE][+-]?[0-9]+)?[fFdD]?|\.[0-9]+(?:[eE][+-]?[0-9]+)?[fFdD]?|[0-9]+(?:[eE][+-]?[0-9]+)?[lLfFdD]?)/,
  });

  const Word = createToken({ name: 'Word', pattern: new RegExp(`[${LETTER}][${WORD_REST}]*`) });

  /**
   * One token type per keyword of keywords.ts, created in the table's order. A keyword
   * carries `longer_alt: Word`: a longer WORD wins, equal length goes to the keyword.
   */
  const keywordTokens: readonly TokenType[] = KEYWORDS.map(({ name, text }) =>
    createToken({ name, pattern: new RegExp(text), longer_alt: Word }),
  );
  const byName = Object.fromEntries(keywordTokens.map((t) => [t.name, t])) as Record<KeywordName, TokenType>;

  /** The keyword tokens by name, for the grammar (a name missing from keywords.ts does not compile). */
  const {
    Extends, True, False, Null, Tbd, Lazy, Data, Attrib, Here, Parent, Root, This, Optional,
    Apply, Assert, If, Then, Else, Fi, EndSwitch, Switch, Var, IProperty, Property,
    IEnvProperty, EnvProperty, Constant, Host, Process,
  } = byName;

  /** Category of the operators; each operator keeps its own token type. */
  const Operator = createToken({ name: 'Operator', pattern: Lexer.NA });
  const op = (name: string, pattern: RegExp): TokenType => {
    return createToken({ name, pattern, categories: [Operator] });
  };

  const LVectorOpen = createToken({ name: 'LVectorOpen', pattern: /\[\|/ });
  const LVectorClose = createToken({ name: 'LVectorClose', pattern: /\|\]/ });
  const Xor = op('Xor', /x\|/);
  const Unique = createToken({ name: 'Unique', pattern: /--/ });
  const Implies = op('Implies', /->/);
  const Minus = op('Minus', /-/);
  const Concat = op('Concat', /\+\+/);
  const Plus = op('Plus', /\+/);
  const Star = op('Star', /\*/);
  const Slash = op('Slash', /\//);
  const Percent = op('Percent', /%/);
  const AppendOp = op('AppendOp', /<>/);
  const Eq = op('Eq', /==/);
  const Ne = op('Ne', /!=/);
  const Ge = op('Ge', />=/);
  const Le = op('Le', /<=/);
  const Gt = op('Gt', />/);
  const Lt = op('Lt', /</);
  const And = op('And', /&&/);
  const Or = op('Or', /\|\|/);
  /** `!` is not in the Operator category: it only starts a unary operation. */
  const Bang = createToken({ name: 'Bang', pattern: /!/ });

  const Semi = createToken({ name: 'Semi', pattern: /;/ });
  const Comma = createToken({ name: 'Comma', pattern: /,/ });
  const LCurly = createToken({ name: 'LCurly', pattern: /\{/ });
  const RCurly = createToken({ name: 'RCurly', pattern: /\}/ });
  const LBracket = createToken({ name: 'LBracket', pattern: /\[/ });
  const RBracket = createToken({ name: 'RBracket', pattern: /\]/ });
  const Colon = createToken({ name: 'Colon', pattern: /:/ });
  const LParen = createToken({ name: 'LParen', pattern: /\(/ });
  const RParen = createToken({ name: 'RParen', pattern: /\)/ });

  /** Tokens in lexing order (see the module comment for why the order matters). */
  const allTokens: TokenType[] = [
    WhiteSpace,
    LineComment,
    BlockComment,
    UnterminatedComment,
    QuotedString,
    UnterminatedQuotedString,
    MultilineString,
    UnterminatedMultilineString,
    Bytes,
    UnterminatedBytes,
    IncludeOptional,
    Include,
    Codebase,
    NumberLit,
    ...keywordTokens,
    Xor,
    Word,
    LVectorOpen,
    LVectorClose,
    Unique,
    Implies,
    Minus,
    Concat,
    Plus,
    Star,
    Slash,
    Percent,
    AppendOp,
    Eq,
    Ne,
    Ge,
    Le,
    Gt,
    Lt,
    And,
    Or,
    Bang,
    Semi,
    Comma,
    LCurly,
    RCurly,
    LBracket,
    RBracket,
    Colon,
    LParen,
    RParen,
    // Category tokens last: they never match text themselves.
    StringLit,
    Operator,
  ];
  return {
    WhiteSpace,
    LineComment,
    BlockComment,
    UnterminatedComment,
    StringLit,
    QuotedString,
    UnterminatedQuotedString,
    MultilineString,
    UnterminatedMultilineString,
    Bytes,
    UnterminatedBytes,
    IncludeOptional,
    Include,
    Codebase,
    NumberLit,
    Word,
    keywordTokens,
    Operator,
    LVectorOpen,
    LVectorClose,
    Xor,
    Unique,
    Implies,
    Minus,
    Concat,
    Plus,
    Star,
    Slash,
    Percent,
    AppendOp,
    Eq,
    Ne,
    Ge,
    Le,
    Gt,
    Lt,
    And,
    Or,
    Bang,
    Semi,
    Comma,
    LCurly,
    RCurly,
    LBracket,
    RBracket,
    Colon,
    LParen,
    RParen,
    allTokens,
    Extends,
    True,
    False,
    Null,
    Tbd,
    Lazy,
    Data,
    Attrib,
    Here,
    Parent,
    Root,
    This,
    Optional,
    Apply,
    Assert,
    If,
    Then,
    Else,
    Fi,
    EndSwitch,
    Switch,
    Var,
    IProperty,
    Property,
    IEnvProperty,
    EnvProperty,
    Constant,
    Host,
    Process,
  };
}

export type Tokens = ReturnType<typeof define>;
let defined: Tokens | undefined;

/** The token types of the language, made on first use. */
export function tokens(): Tokens {
  return (defined ??= define());
}

/** Built once, on first use: building a chevrotain lexer analyses every pattern. */
let lexer: InstanceType<typeof Chevrotain.Lexer> | undefined;

export interface LexResult {
  tokens: IToken[];
  diagnostics: Diagnostic[];
  /** An unterminated comment, `##` string or byte array ran to the end of the file. */
  swallowedEnd?: boolean;
}

/** Splits a file into tokens; lexical errors become diagnostics, never exceptions. */
export function lex(source: SourceFile): LexResult {
  const { UnterminatedQuotedString, UnterminatedMultilineString, UnterminatedBytes, allTokens } = tokens();
  lexer ??= new (chevrotain().Lexer)(allTokens, { positionTracking: 'onlyOffset', ensureOptimizations: true });
  const result = lexer.tokenize(source.text);
  const diagnostics: Diagnostic[] = [];
  for (const e of result.errors) {
    const ch = String.fromCodePoint(source.text.codePointAt(e.offset) ?? 0xfffd);
    diagnostics.push(
      diagnostic(Messages.UnexpectedCharacter, { text: ch }, source.span(e.offset, e.offset + ch.length)),
    );
  }
  let swallowedEnd = false;
  const invalid = result.groups.invalid as IToken[] | undefined;
  if (invalid) {
    for (const t of invalid) {
      swallowedEnd = true;
      diagnostics.push(diagnostic(Messages.UnterminatedComment, {}, source.span(t.startOffset, t.startOffset + 2)));
    }
  }
  const found = result.tokens;
  for (let i = 0; i < found.length; i++) {
    const t = found[i];
    const type = t.tokenType;
    if (type === UnterminatedQuotedString) {
      diagnostics.push(diagnostic(Messages.UnterminatedString, {}, source.span(t.startOffset, t.startOffset + 1)));
    } else if (type === UnterminatedMultilineString) {
      swallowedEnd = true;
      diagnostics.push(
        diagnostic(Messages.UnterminatedString, {}, source.span(t.startOffset, t.startOffset + 2), {
          hint: 'A `##` string ends at the next `#` that is not written `\\#`.',
        }),
      );
    } else if (type === UnterminatedBytes) {
      swallowedEnd = true;
      const head = t.image.indexOf('#', 1) + 1;
      diagnostics.push(diagnostic(Messages.UnterminatedBytes, {}, source.span(t.startOffset, t.startOffset + head)));
    }
  }
  diagnostics.sort((a, b) => (a.span?.start ?? 0) - (b.span?.start ?? 0));
  return { tokens: found, diagnostics, swallowedEnd };
}
