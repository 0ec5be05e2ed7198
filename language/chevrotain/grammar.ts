/**
 * The grammar of docs/design/language.md §5 as one chevrotain CstParser, built once and reused
 * (building analyses the whole grammar and is far more costly than a parse).
 *
 * Deviations from the EBNF, all for recovery or for the visitor's convenience:
 * - the top-level member loop also accepts a stray `}` so that one extra brace does
 *   not hide the rest of the file; the visitor reports it;
 * - an operation accepts any sequence `e op e op e ...`; the visitor checks that every
 *   operator is the same and that binary operators have exactly two operands, which
 *   gives precise diagnostics (SF1008, SF1009) instead of a generic "unexpected";
 * - a reference takes any run of `LAZY`/`DATA` flags; the visitor rejects `DATA LAZY`
 *   (SF1012) and repeated flags;
 * - `VAR` is parsed (with an optional string) so that it can be rejected clearly (SF1013).
 *
 * Error messages: the provider below only says what was expected; `parse.ts` builds the
 * diagnostic (code, found token, span) around it.
 */
import type { CstNode, CstParser as CstParserType, IOrAlt, IParserErrorMessageProvider, TokenType } from 'chevrotain';
import { chevrotain } from './chevrotain.js';
import { tokens, type Tokens } from './lexer.js';

/** The token types and chevrotain's EOF, set when the parser is first built (defineParser). */
let T: Tokens;
let EOF: TokenType;

/** How a token is shown in "expected ..." phrases. */
const TOKEN_TEXT: Record<string, string> = {
  Semi: '`;`', Comma: '`,`', LCurly: '`{`', RCurly: '`}`', LBracket: '`[`', RBracket: '`]`',
  Colon: '`:`', LParen: '`(`', RParen: '`)`', LVectorOpen: '`[|`', LVectorClose: '`|]`',
  Then: '`THEN`', Else: '`ELSE`', Fi: '`FI`', EndSwitch: '`ENDSWITCH`', If: '`IF`',
  Extends: '`extends`', Word: 'a name', StringLit: 'a string', NumberLit: 'a number',
  Bytes: 'a byte array', EOF: 'end of file', Operator: 'an operator',
};

/** What a rule expects when none of its alternatives matches. */
const RULE_EXPECTS: Record<string, string> = {
  file: 'an attribute',
  body: 'an attribute or `}`',
  attribute: 'an attribute name',
  attributeValue: 'an attribute value',
  tags: 'a tag name or `]`',
  include: 'a string with the path to include',
  componentDef: 'a prototype',
  proto: 'a prototype (a reference, `NULL` or `{`)',
  expr: 'a value',
  paren: 'a value or `extends`',
  primitive: 'a primitive value',
  literalVector: 'a primitive value or `|]`',
  vectorExpr: 'a value or `]`',
  reference: 'a reference',
  linkPath: 'a reference part',
  refPart: 'a reference part',
  ifExpr: 'a value',
  switchExpr: '`IF` or `ENDSWITCH`',
  varDecl: 'a value',
};

export function tokenText(type: TokenType): string {
  return TOKEN_TEXT[type.name] ?? (typeof type.PATTERN === 'string' ? `\`${type.PATTERN}\`` : `\`${keywordText(type)}\``);
}

function keywordText(type: TokenType): string {
  const p = type.PATTERN;
  return p instanceof RegExp ? p.source.replace(/\\/g, '') : type.name;
}

function expectedForMismatch(expected: TokenType, ruleName: string): string {
  if (ruleName === 'file' && expected === EOF) return RULE_EXPECTS.file;
  if (ruleName === 'paren' && expected === T.RParen) return 'an operator or `)`';
  if (ruleName === 'body' && expected === T.RCurly) return 'an attribute or `}`';
  if (ruleName === 'vectorExpr' && expected === T.RBracket) return '`,` or `]`';
  if (ruleName === 'literalVector' && expected === T.LVectorClose) return '`,` or `|]`';
  return tokenText(expected);
}

/** The provider's strings are only the "expected ..." part of our messages. */
const errorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected, ruleName }) => expectedForMismatch(expected, ruleName),
  // Only the file rule leaves input unparsed (the reference entry consumes EOF itself).
  buildNotAllInputParsedMessage: () => RULE_EXPECTS.file,
  buildNoViableAltMessage: ({ ruleName, expectedPathsPerAlt }) => {
    // The attribute rule has two choices: its name, then its value (which may be `extends`).
    if (ruleName === 'attribute' && expectedPathsPerAlt.some((alt) => alt.some((path) => path[0] === T.Extends))) {
      return RULE_EXPECTS.attributeValue;
    }
    return RULE_EXPECTS[ruleName] ?? 'something else';
  },
  buildEarlyExitMessage: ({ ruleName }) => RULE_EXPECTS[ruleName] ?? 'something else',
};

/**
 * Thrown by the parser once it has saved `errorLimit` errors: parse.ts stops there, so that
 * neither the errors nor chevrotain's recovery grow with a broken input (docs/design/language.md
 * §3.8). Control flow caught in parse.ts, never seen by a user: a plain sentinel, not a FrogError.
 */
export class ErrorLimitReached {}

/**
 * The parser class, defined on first use: it extends chevrotain's CstParser, and chevrotain
 * is loaded only when the chevrotain path first runs (chevrotain.ts).
 */
function defineParser(): new () => SfParser {
  const { CstParser } = chevrotain();
  EOF = chevrotain().EOF;
  T = tokens();
  /** chevrotain's hook that records a recognition error (not part of its public types). */
  const saveError = (CstParser.prototype as unknown as { SAVE_ERROR(this: unknown, e: unknown): unknown }).SAVE_ERROR;

  class Parser extends CstParser {
    /** How many more errors this parse may save before it stops (parse.ts sets it for each parse). */
    errorLimit = Number.POSITIVE_INFINITY;

    /**
     * Alternatives of every OR, built once. Rule bodies run for every match; building the
     * alternative objects and closures there (and, under tsx/esbuild, naming each closure
     * with `__name`) made the parser about ten times slower.
     */
    readonly alts: Record<string, IOrAlt<unknown>[]> = {};
    readonly protoListGate = (): boolean => this.LA(1).tokenType === T.Comma || this.LA(1).tokenType === T.LCurly;
    readonly protoListItem = (): void => {
      this.OPTION4(() => this.CONSUME(T.Comma));
      this.SUBRULE2(this.proto);
    };

    constructor() {
      super(T.allTokens, { recoveryEnabled: true, maxLookahead: 3, errorMessageProvider: errorMessages });
      this.performSelfAnalysis();
    }

    /** Saves an error as chevrotain does, and stops the parse past `errorLimit`. */
    SAVE_ERROR(error: unknown): unknown {
      if ((this as unknown as { _errors: unknown[] })._errors.length >= this.errorLimit) throw new ErrorLimitReached();
      return saveError.call(this, error);
    }

    /** A file: attributes, optionally wrapped in one `extends { ... }`. */
    file = this.RULE('file', () => {
      this.OPTION(() => {
        this.CONSUME(T.Extends);
        this.SUBRULE(this.body);
      });
      this.MANY(() => {
        this.OR((this.alts.a1 ??= [
          { ALT: () => this.SUBRULE(this.attribute) },
          { ALT: () => this.SUBRULE(this.include) },
          { ALT: () => this.CONSUME(T.Semi) },
          // A stray `}`: reported by the visitor, parsing goes on.
          { ALT: () => this.CONSUME(T.RCurly) },
        ]));
      });
    });

    body = this.RULE('body', () => {
      this.CONSUME(T.LCurly);
      this.MANY(() => {
        this.OR((this.alts.a2 ??= [
          { ALT: () => this.SUBRULE(this.attribute) },
          { ALT: () => this.SUBRULE(this.include) },
          { ALT: () => this.CONSUME(T.Semi) },
        ]));
      });
      this.CONSUME(T.RCurly);
    });

    include = this.RULE('include', () => {
      this.OPTION(() => {
        this.CONSUME(T.Codebase);
        this.CONSUME(T.StringLit);
      });
      this.OR((this.alts.a3 ??= [{ ALT: () => this.CONSUME(T.Include) }, { ALT: () => this.CONSUME(T.IncludeOptional) }]));
      this.CONSUME2(T.StringLit);
    });

    /** `[tags] name value`; the name is `--`, a string, or `WORD { : WORD }`. */
    attribute = this.RULE('attribute', () => {
      this.OPTION(() => this.SUBRULE(this.tags));
      this.OR((this.alts.a4 ??= [
        { ALT: () => this.CONSUME(T.Unique) },
        { ALT: () => this.CONSUME(T.StringLit) },
        {
          ALT: () => {
            this.CONSUME(T.Word);
            this.MANY(() => {
              this.CONSUME(T.Colon);
              this.CONSUME2(T.Word);
            });
          },
        },
      ]));
      // The value (inlined: a rule per attribute less). `;` alone is the empty value.
      this.OR2((this.alts.value ??= [
        { ALT: () => this.SUBRULE(this.componentDef) },
        { ALT: () => this.SUBRULE(this.expr) },
        { ALT: () => this.CONSUME(T.Semi) },
      ]));
    });

    tags = this.RULE('tags', () => {
      this.CONSUME(T.LBracket);
      this.MANY(() => {
        this.OR((this.alts.a5 ??= [{ ALT: () => this.CONSUME(T.Word) }, { ALT: () => this.CONSUME(T.StringLit) }]));
        this.OPTION(() => this.CONSUME(T.Comma));
      });
      this.CONSUME(T.RBracket);
    });

    /** `extends [:KIND] [LAZY|DATA] P1, P2 { ... }`; an empty prototype list is accepted (§5 note 3). */
    componentDef = this.RULE('componentDef', () => {
      this.CONSUME(T.Extends);
      this.OPTION(() => {
        this.CONSUME(T.Colon);
        this.CONSUME(T.Word);
      });
      this.OPTION2(() => {
        this.OR((this.alts.a7 ??= [{ ALT: () => this.CONSUME(T.Lazy) }, { ALT: () => this.CONSUME(T.Data) }]));
      });
      this.OPTION3(() => {
        this.SUBRULE(this.proto);
        // Only `,` or a `{` continue the list: a bare name is the next attribute.
        this.MANY({ GATE: this.protoListGate, DEF: this.protoListItem });
      });
    });

    proto = this.RULE('proto', () => {
      this.OR((this.alts.a8 ??= [
        { ALT: () => this.CONSUME(T.Null) },
        { ALT: () => this.SUBRULE(this.body) },
        { ALT: () => this.SUBRULE(this.linkPath) },
      ]));
    });

    expr = this.RULE('expr', () => {
      this.OR((this.alts.a9 ??= [
        { ALT: () => this.SUBRULE(this.reference) },
        { ALT: () => this.CONSUME(T.NumberLit) },
        { ALT: () => this.CONSUME(T.StringLit) },
        { ALT: () => this.CONSUME(T.True) },
        { ALT: () => this.CONSUME(T.False) },
        { ALT: () => this.CONSUME(T.Null) },
        { ALT: () => this.CONSUME(T.Tbd) },
        { ALT: () => this.CONSUME(T.Bytes) },
        { ALT: () => this.SUBRULE(this.literalVector) },
        { ALT: () => this.SUBRULE(this.vectorExpr) },
        { ALT: () => this.SUBRULE(this.paren) },
        { ALT: () => this.SUBRULE(this.ifExpr) },
        { ALT: () => this.SUBRULE(this.switchExpr) },
        { ALT: () => this.SUBRULE(this.varDecl) },
      ]));
    });

    /** A Primitive of §5: what literal vectors and `OPTIONAL(...)` defaults hold. */
    primitive = this.RULE('primitive', () => {
      this.OR((this.alts.a10 ??= [
        { ALT: () => this.CONSUME(T.NumberLit) },
        { ALT: () => this.CONSUME(T.StringLit) },
        { ALT: () => this.CONSUME(T.True) },
        { ALT: () => this.CONSUME(T.False) },
        { ALT: () => this.CONSUME(T.Null) },
        { ALT: () => this.CONSUME(T.Tbd) },
        { ALT: () => this.CONSUME(T.Bytes) },
        { ALT: () => this.SUBRULE(this.literalVector) },
        // `DATA BaseRef`: the reference rule, entered only on `DATA`.
        { GATE: () => this.LA(1).tokenType === T.Data, ALT: () => this.SUBRULE(this.reference) },
        { ALT: () => this.SUBRULE(this.varDecl) },
      ]));
    });

    varDecl = this.RULE('varDecl', () => {
      this.CONSUME(T.Var);
      this.OPTION(() => this.CONSUME(T.StringLit));
    });

    literalVector = this.RULE('literalVector', () => {
      this.CONSUME(T.LVectorOpen);
      this.OPTION(() => {
        this.SUBRULE(this.primitive);
        this.MANY(() => {
          this.CONSUME(T.Comma);
          this.SUBRULE2(this.primitive);
        });
      });
      this.CONSUME(T.LVectorClose);
    });

    vectorExpr = this.RULE('vectorExpr', () => {
      this.CONSUME(T.LBracket);
      this.OPTION(() => {
        this.SUBRULE(this.expr);
        this.MANY(() => {
          this.CONSUME(T.Comma);
          this.SUBRULE2(this.expr);
        });
      });
      this.CONSUME(T.RBracket);
    });

    /** `( extends ... )`, `( ! e )`, `( e )`, `( e op e ... )`. */
    paren = this.RULE('paren', () => {
      this.CONSUME(T.LParen);
      this.OR((this.alts.a11 ??= [
        { ALT: () => this.SUBRULE(this.componentDef) },
        {
          ALT: () => {
            this.CONSUME(T.Bang);
            this.SUBRULE(this.expr);
          },
        },
        {
          ALT: () => {
            this.SUBRULE2(this.expr);
            this.MANY(() => {
              this.CONSUME(T.Operator);
              this.SUBRULE3(this.expr);
            });
          },
        },
      ]));
      this.CONSUME(T.RParen);
    });

    ifExpr = this.RULE('ifExpr', () => {
      this.CONSUME(T.If);
      this.SUBRULE(this.expr);
      this.CONSUME(T.Then);
      this.SUBRULE2(this.expr);
      this.CONSUME(T.Else);
      this.SUBRULE3(this.expr);
      this.CONSUME(T.Fi);
    });

    switchExpr = this.RULE('switchExpr', () => {
      this.CONSUME(T.Switch);
      this.OPTION(() => this.SUBRULE(this.body));
      this.AT_LEAST_ONE(() => {
        this.CONSUME(T.If);
        this.SUBRULE(this.expr);
        this.CONSUME(T.Then);
        this.SUBRULE2(this.expr);
      });
      this.CONSUME(T.EndSwitch);
    });

    /** `{LAZY|DATA} BaseRef` (the flags are checked by the visitor; BaseRef is inlined). */
    reference = this.RULE('reference', () => {
      this.MANY(() => {
        this.OR((this.alts.a12 ??= [{ ALT: () => this.CONSUME(T.Lazy) }, { ALT: () => this.CONSUME(T.Data) }]));
      });
      this.OR2((this.alts.a13 ??= [
        {
          ALT: () => {
            this.CONSUME(T.Optional);
            this.OPTION(() => {
              this.CONSUME(T.LParen);
              this.SUBRULE(this.primitive);
              this.CONSUME(T.RParen);
            });
            this.SUBRULE(this.linkPath);
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.Apply);
            this.SUBRULE(this.body);
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.Assert);
            this.SUBRULE2(this.body);
          },
        },
        { ALT: () => this.SUBRULE2(this.linkPath) },
      ]));
    });

    linkPath = this.RULE('linkPath', () => {
      this.SUBRULE(this.refPart);
      this.MANY(() => {
        this.CONSUME(T.Colon);
        this.SUBRULE2(this.refPart);
      });
    });

    refPart = this.RULE('refPart', () => {
      this.OR((this.alts.a14 ??= [
        { ALT: () => this.CONSUME(T.Word) },
        { ALT: () => this.CONSUME(T.Root) },
        { ALT: () => this.CONSUME(T.Parent) },
        { ALT: () => this.CONSUME(T.This) },
        { ALT: () => this.CONSUME(T.Process) },
        {
          ALT: () => {
            this.OR2([
              { ALT: () => this.CONSUME(T.Attrib) },
              { ALT: () => this.CONSUME(T.Here) },
              { ALT: () => this.CONSUME(T.Property) },
              { ALT: () => this.CONSUME(T.IProperty) },
              { ALT: () => this.CONSUME(T.EnvProperty) },
              { ALT: () => this.CONSUME(T.IEnvProperty) },
              { ALT: () => this.CONSUME(T.Constant) },
              { ALT: () => this.CONSUME(T.Host) },
            ]);
            this.OR3([{ ALT: () => this.CONSUME2(T.Word) }, { ALT: () => this.CONSUME2(T.StringLit) }]);
          },
        },
      ]));
    });

    /** Entry point of `parseReference`: one reference and nothing else. */
    referenceOnly = this.RULE('referenceOnly', () => {
      this.SUBRULE(this.reference);
      this.CONSUME(EOF);
    });
  }
  return Parser;
}

/** What parse.ts uses of the parser. */
export interface SfParser extends CstParserType {
  /** How many more errors this parse may save before it stops (parse.ts sets it for each parse). */
  errorLimit: number;
  file(): CstNode;
  referenceOnly(): CstNode;
}

let instance: SfParser | undefined;

/**
 * The one parser instance, built on first use (building it analyses the whole grammar,
 * which a run whose input all takes the fast path never needs); `parse()` resets its
 * input for each file.
 */
export function sfParser(): SfParser {
  return (instance ??= new (defineParser())());
}

export type { CstNode };
