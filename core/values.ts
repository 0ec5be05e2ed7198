/**
 * The value model of resolved descriptions (docs/design/language.md §2). Numeric kinds stay
 * distinct all the way to the output:
 *   Integer → JS number (always a 32-bit integer), Long → bigint,
 *   Float → SfFloat, Double → SfDouble, String → string, Boolean → boolean,
 *   NULL → null, vector → Value[], bytes → Uint8Array, TBD → TBD,
 *   description → Description, reference → Ref, function/predicate → Applied.
 */
import type { Span } from './source.js';
import type { RefPartKind } from './ref-text.js';

export class SfFloat {
  readonly value: number;
  constructor(value: number) {
    this.value = Math.fround(value);
  }
}

export class SfDouble {
  constructor(readonly value: number) {}
}

export const TBD: unique symbol = Symbol('TBD');
export type Tbd = typeof TBD;

export interface RefPart {
  kind: RefPartKind;
  name?: string;
}

/** A reference value: a link path and its flags. */
export class Ref {
  constructor(
    readonly parts: RefPart[],
    readonly lazy = false,
    readonly data = false,
    readonly optional = false,
    readonly defaultValue: Value | undefined = undefined,
    readonly span?: Span,
  ) {}

  withFlags(flags: { lazy?: boolean; data?: boolean }): Ref {
    return new Ref(this.parts, flags.lazy ?? this.lazy, flags.data ?? this.data, this.optional, this.defaultValue, this.span);
  }

  /** The reference's text: `PARENT:x`, `HERE a`, `b:ATTRIB c` (default keywords left out, §6.2). */
  toString(): string {
    return refText(this.parts);
  }
}

export function refPartText(p: RefPart, index: number): string {
  switch (p.kind) {
    case 'ROOT':
    case 'PARENT':
    case 'THIS':
    case 'PROCESS':
      return p.kind;
    case 'WORD':
      return quoteNameIfNeeded(p.name ?? '');
    case 'ATTRIB':
    case 'HERE':
      // A bare word means `ATTRIB` as the first part and `HERE` after it (docs/design/language.md
      // §6.2), so a part written with its default keyword is printed without it; the text reads
      // back to the same lookup.
      if ((p.kind === 'ATTRIB') === (index === 0)) return quoteNameIfNeeded(p.name ?? '');
      return `${p.kind} ${quoteNameIfNeeded(p.name ?? '')}`;
    default:
      return `${p.kind} ${quoteNameIfNeeded(p.name ?? '')}`;
  }
}

export function refText(parts: readonly RefPart[]): string {
  return parts.map(refPartText).join(':');
}

/** A WORD token (docs/design/language.md §3.2): the Latin-1 letters, but not `×` and `÷`. */
const WORD = /^[A-Za-z_$\u00a2-\u00a5\u00aa\u00b5\u00ba\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff][A-Za-z0-9_$.\-+@#~%^&\u00a2-\u00a5\u00aa\u00b5\u00ba\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*$/;
const KEYWORDS = new Set([
  'extends', 'true', 'false', 'NULL', 'TBD', 'LAZY', 'DATA', 'ATTRIB', 'HERE', 'PARENT', 'ROOT', 'THIS',
  'OPTIONAL', 'APPLY', 'ASSERT', 'IF', 'THEN', 'ELSE', 'FI', 'SWITCH', 'ENDSWITCH', 'VAR', 'PROPERTY',
  'IPROPERTY', 'ENVPROPERTY', 'IENVPROPERTY', 'CONSTANT', 'HOST', 'PROCESS',
]);

export function quoteNameIfNeeded(name: string): string {
  if (WORD.test(name) && !KEYWORDS.has(name)) return name;
  return JSON.stringify(name);
}

/** A function (`apply`) or predicate (`assert`) in canonical form, with its body. */
export class Applied {
  constructor(
    readonly kind: 'apply' | 'assert',
    readonly body: Description,
    readonly lazy = false,
    readonly data = false,
    readonly span?: Span,
  ) {}
}

export interface Attr {
  value: Value;
  tags: Set<string> | undefined;
  /** Where the attribute was written (the name), for diagnostics. */
  span: Span | undefined;
  /** For a placement attribute `a:b:c`, the path of its target (`[a, b]`) and its own name is `c`. */
  placement: string[] | undefined;
  /** Link-phase bookkeeping: 0 not yet, 1 being resolved, 2 resolved, 3 failed. */
  linkState: 0 | 1 | 2 | 3;
  /**
   * Whether this attribute object may sit in more than one description's map: `extends`
   * copies of an attribute holding a plain value share it (docs/design/language.md §18). A
   * shared attribute is never written: a writer takes the map's own copy with `ownAttr`.
   */
  shared: boolean;
}

/**
 * A new attribute. Every attribute is made here (or spread from one made here), so all have
 * one shape and the phases' property reads stay monomorphic.
 */
export function makeAttr(value: Value, tags?: Set<string>, span?: Span, placement?: string[]): Attr {
  return { value, tags, span, placement, linkState: 0, shared: false };
}

/**
 * The attribute `name` of `attrs` ready to be written: `attr` itself, or, when it is shared
 * with other descriptions (copies made by `extends`, docs/design/language.md §18), a copy of
 * it that replaces it in `attrs` (the name keeps its position).
 */
export function ownAttr(attrs: Map<string, Attr>, name: string, attr: Attr): Attr {
  if (!attr.shared) return attr;
  const own = makeAttr(attr.value, attr.tags, attr.span, attr.placement);
  own.linkState = attr.linkState;
  attrs.set(name, own);
  return own;
}

/** Whether a value is plain (no description, function, vector or reference in it): an attribute holding one may be shared (§18). */
export function isPlainValue(v: Value): boolean {
  return v !== TBD && (typeof v !== 'object' || v === null || v instanceof SfFloat || v instanceof SfDouble);
}

/** A component description: an ordered attribute map with a parent pointer and an eager flag. */
export class Description {
  attrs = new Map<string, Attr>();
  parent: Description | null = null;
  eager = true;
  span?: Span;
  /**
   * Before type resolution: the prototypes of `extends` in order (references and inline
   * bodies); undefined once resolved.
   */
  pending?: (Ref | Description)[];
  /**
   * Set by type resolution when a prototype of this description (or of one it extends) could
   * not be resolved: its attributes are incomplete, so later phases do not report what is
   * missing in it, and resolution still reports the independent mistakes elsewhere.
   */
  broken?: boolean;
  /**
   * A function body held by more than one function value: `extends` copies share a body that
   * holds only plain values and references, and whoever evaluates or writes it copies it
   * first (compiler/copy.ts `ownBody`, docs/design/language.md §18).
   */
  shared?: boolean;
  /** The last walk that visited this description (`Visited`). */
  mark = 0;

  get(name: string): Value | undefined {
    return this.attrs.get(name)?.value;
  }

  has(name: string): boolean {
    return this.attrs.has(name);
  }

  /** Ordered-map put: a new name appends; an existing name keeps its position. Tags: a later definition with tags replaces them. */
  set(name: string, value: Value, tags?: Set<string>, span?: Span): void {
    let existing = this.attrs.get(name);
    if (existing) {
      existing = ownAttr(this.attrs, name, existing);
      existing.value = value;
      if (tags && tags.size) existing.tags = tags;
      if (span) existing.span = span;
    } else {
      this.attrs.set(name, makeAttr(value, tags && tags.size ? tags : undefined, span));
    }
    if (value instanceof Description) value.parent = this;
  }

  /** The path of this description from the root: `sfConfig:a:b` (`ROOT` for the root itself). */
  path(): string {
    const names: string[] = [];
    let d: Description = this;
    while (d.parent) {
      const name = d.parent.nameOf(d);
      names.unshift(name ?? '?');
      d = d.parent;
    }
    return names.length ? names.join(':') : 'ROOT';
  }

  nameOf(child: Description): string | undefined {
    for (const [name, attr] of this.attrs) {
      const v = attr.value;
      if (v === child || (v instanceof Applied && v.body === child)) return name;
    }
    return undefined;
  }

  root(): Description {
    let d: Description = this;
    while (d.parent) d = d.parent;
    return d;
  }
}

let marks = 0;

/**
 * The descriptions one walk of the tree has visited, kept on the descriptions (a number per
 * walk) instead of in a hash set of tens of thousands of entries (docs/design/language.md
 * §18). A description is in one `Visited` at a time: walks that use one do not interleave.
 */
/** `n` consecutive marks no walk has used, for a walk that keeps one of `n` states on each description. */
export function reserveMarks(n: number): number {
  const first = marks + 1;
  marks += n;
  return first;
}

export class Visited {
  private readonly mark = ++marks;

  has(d: Description): boolean {
    return d.mark === this.mark;
  }

  add(d: Description): void {
    d.mark = this.mark;
  }
}

export type Value =
  | number
  | bigint
  | SfFloat
  | SfDouble
  | string
  | boolean
  | null
  | Value[]
  | Uint8Array
  | Tbd
  | Description
  | Ref
  | Applied;

/** The kind of a value, for messages and schemas. */
export function kindOf(v: Value | undefined): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'NULL';
  if (v === TBD) return 'TBD';
  switch (typeof v) {
    case 'number': return 'Integer';
    case 'bigint': return 'Long';
    case 'string': return 'String';
    case 'boolean': return 'Boolean';
  }
  if (v instanceof SfFloat) return 'Float';
  if (v instanceof SfDouble) return 'Double';
  if (Array.isArray(v)) return 'Vector';
  if (v instanceof Uint8Array) return 'Bytes';
  if (v instanceof Description) return 'ComponentDescription';
  if (v instanceof Ref) return 'Reference';
  if (v instanceof Applied) return v.kind === 'apply' ? 'Function' : 'Assertion';
  return 'unknown';
}
