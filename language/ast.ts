/**
 * The abstract syntax tree of a `.sf` file. It keeps the surface syntax (operators,
 * vectors, IF, SWITCH are not desugared here: the compiler does that), so that the
 * printer can give the text back and parse(print(ast)) equals ast. Every node has a span.
 */
import type { Span } from '../core/source.js';

export interface NodeBase {
  span: Span;
}

/** A whole file: an attribute list, possibly wrapped in `extends { ... }`. */
export interface FileNode extends NodeBase {
  kind: 'File';
  /** True when the file was written as `extends { ... }`. */
  wrapped: boolean;
  members: Member[];
}

export type Member = Attribute | Include;

export interface Include extends NodeBase {
  kind: 'Include';
  path: string;
  optional: boolean;
  /** `#codebase "url"` written before the include (parsed and otherwise ignored). */
  codebase?: string;
  pathSpan: Span;
}

export interface Tag extends NodeBase {
  name: string;
}

export type AttrName =
  /** `a` (one part), `a:b:c` (a placement), or a quoted `"any name"` (one part, `quoted`). */
  | (NodeBase & { kind: 'Name'; parts: string[]; quoted: boolean })
  /** `--`: a fresh unique name. */
  | (NodeBase & { kind: 'Unique' });

export interface Attribute extends NodeBase {
  kind: 'Attribute';
  tags: Tag[];
  name: AttrName;
  value: Value;
}

/** `{ ... }` */
export interface Body extends NodeBase {
  kind: 'Body';
  members: Member[];
}

/** A prototype in `extends`: `NULL`, a reference (link path), or an inline body. */
export type Prototype = NullLiteral | Reference | Body;

/** `extends [:KIND] [LAZY|DATA] P1, P2 { ... }` */
export interface Component extends NodeBase {
  kind: 'Component';
  /** `eager` normally; `lazy`/`data` when written `extends LAZY`/`extends DATA` (not deployed). */
  flag: 'eager' | 'lazy' | 'data';
  /** The undocumented `extends:KIND` selector, kept for printing. */
  nodeKind?: string;
  prototypes: Prototype[];
}

export interface IntLiteral extends NodeBase { kind: 'Int'; value: number }
export interface LongLiteral extends NodeBase { kind: 'Long'; value: bigint }
/** A 32-bit float: `value` is already rounded with Math.fround. */
export interface FloatLiteral extends NodeBase { kind: 'Float'; value: number }
export interface DoubleLiteral extends NodeBase { kind: 'Double'; value: number }
export interface StringLiteral extends NodeBase { kind: 'String'; value: string; multiline: boolean }
export interface BooleanLiteral extends NodeBase { kind: 'Boolean'; value: boolean }
/** `NULL`, or the empty value of `name;` (`implicit`). */
export interface NullLiteral extends NodeBase { kind: 'Null'; implicit: boolean }
export interface TbdLiteral extends NodeBase { kind: 'TBD' }
export interface BytesLiteral extends NodeBase {
  kind: 'Bytes';
  encoding: 'HEX' | 'DEC' | 'OCT' | 'BIN' | 'B64';
  value: Uint8Array;
}
/** `[| a, b |]`: a vector of primitives (no references inside). */
export interface LiteralVector extends NodeBase { kind: 'LiteralVector'; items: Value[] }

/** The kinds of reference part, shared with the value model (core/ref-text.ts). */
export type { RefPartKind } from '../core/ref-text.js';
import type { RefPartKind } from '../core/ref-text.js';

export interface RefPart extends NodeBase {
  kind: RefPartKind;
  /** The name for every kind but ROOT, PARENT, THIS and PROCESS. */
  name?: string;
  /** True when the name was written as a string literal (`HERE "a b"`). */
  quoted?: boolean;
}

/** A link path with its flags: `LAZY a:b`, `DATA ROOT:x`, `OPTIONAL(3) a`. */
export interface Reference extends NodeBase {
  kind: 'Reference';
  parts: RefPart[];
  lazy: boolean;
  data: boolean;
  optional: boolean;
  /** The primitive default of `OPTIONAL(d)`. */
  default?: Value;
}

/** `[LAZY|DATA] APPLY { ... }` or `ASSERT { ... }`: a function or predicate in canonical form. */
export interface Apply extends NodeBase {
  kind: 'Apply' | 'Assert';
  lazy: boolean;
  data: boolean;
  body: Body;
}

export type OperatorText =
  | '+' | '*' | '++' | '<>' | '&&' | '||' | 'x|' | '->'
  | '-' | '/' | '%' | '==' | '!=' | '>=' | '<=' | '>' | '<'
  | '!';

/** `(a + b + c)`, `(a - b)`, `(! a)`: one operator kind per parenthesis. */
export interface Operation extends NodeBase {
  kind: 'Operation';
  op: OperatorText;
  operands: Value[];
}

/** `(x)`: a parenthesised single expression, kept so that printing is faithful. */
export interface Paren extends NodeBase {
  kind: 'Paren';
  inner: Value;
}

/** `[ e1, e2 ]`: the vector function. */
export interface VectorExpr extends NodeBase { kind: 'VectorExpr'; items: Value[] }

/** `IF c THEN a ELSE b FI` */
export interface IfExpr extends NodeBase {
  kind: 'If';
  condition: Value;
  then: Value;
  else: Value;
}

export interface SwitchCase extends NodeBase {
  condition: Value;
  value: Value;
}

/** `SWITCH [{ bindings }] IF c THEN v ... ENDSWITCH` */
export interface SwitchExpr extends NodeBase {
  kind: 'Switch';
  bindings?: Body;
  cases: SwitchCase[];
}

export type Literal =
  | IntLiteral | LongLiteral | FloatLiteral | DoubleLiteral | StringLiteral
  | BooleanLiteral | NullLiteral | TbdLiteral | BytesLiteral | LiteralVector;

export type Value =
  | Literal
  | Component
  | Reference
  | Apply
  | Operation
  | Paren
  | VectorExpr
  | IfExpr
  | SwitchExpr;

/** The binary operators; every other operator but `!` is n-ary. */
export const BINARY_OPERATORS: ReadonlySet<string> = new Set(['-', '/', '%', '==', '!=', '>=', '<=', '>', '<']);
export const NARY_OPERATORS: ReadonlySet<string> = new Set(['+', '*', '++', '<>', '&&', '||', 'x|', '->']);
