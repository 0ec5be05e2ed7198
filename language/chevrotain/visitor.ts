/**
 * CST → AST. The builder walks chevrotain's concrete syntax tree, decodes literals,
 * computes spans, and reports the errors that the grammar leaves to it (mixed
 * operators, operator arity, number ranges, byte arrays, flag combinations, `VAR`).
 *
 * After error recovery the CST may have nodes with missing children (`recoveredNode`)
 * and tokens inserted with no text; every access here tolerates that, so that the
 * builder never throws on any input.
 */
import type { CstNode, IToken } from 'chevrotain';
import type * as A from '../ast.js';
import { BINARY_OPERATORS } from '../ast.js';
import type { Diagnostic } from '../../core/diagnostics.js';
import { diagnostic, Messages } from '../../core/messages/index.js';
import type { SourceFile, Span } from '../../core/source.js';
import { decodeBytes, decodeString } from '../literals.js';

type Children = Record<string, (CstNode | IToken)[] | undefined>;

const NAMED_PARTS: Record<string, A.RefPartKind> = {
  Attrib: 'ATTRIB', Here: 'HERE', Property: 'PROPERTY', IProperty: 'IPROPERTY',
  EnvProperty: 'ENVPROPERTY', IEnvProperty: 'IENVPROPERTY', Constant: 'CONSTANT', Host: 'HOST',
};
const NAMED_PART_KEYS = Object.keys(NAMED_PARTS);

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

function tok(children: Children, key: string, i = 0): IToken | undefined {
  return children[key]?.[i] as IToken | undefined;
}
function node(children: Children, key: string, i = 0): CstNode | undefined {
  return children[key]?.[i] as CstNode | undefined;
}
function nodes(children: Children, key: string): CstNode[] {
  return (children[key] as CstNode[] | undefined) ?? [];
}
function toks(children: Children, key: string): IToken[] {
  return (children[key] as IToken[] | undefined) ?? [];
}

export class AstBuilder {
  private readonly file: string;

  constructor(
    private readonly source: SourceFile,
    private readonly diagnostics: Diagnostic[],
  ) {
    this.file = source.path;
  }

  private span(start: number, end: number): Span {
    return { file: this.file, start, end };
  }

  private tokenSpan(t: IToken): Span {
    const start = Number.isNaN(t.startOffset) ? this.source.text.length : t.startOffset;
    return { file: this.file, start, end: start + t.image.length };
  }

  private error(d: Diagnostic): void {
    this.diagnostics.push(d);
  }

  // --- files, bodies, members --------------------------------------------------------

  /**
   * A file from the CST of its first chunk and of the chunks parsed after skipping
   * input the top-level loop could not take (see `parse`).
   */
  buildFile(chunks: CstNode[]): A.FileNode {
    const c = (chunks[0]?.children ?? {}) as Children;
    const wrapper = node(c, 'body');
    const wrapped = wrapper !== undefined && tok(c, 'Extends') !== undefined;
    const outer = this.members(c, true);
    for (let i = 1; i < chunks.length; i++) outer.push(...this.members(chunks[i].children as Children, true));
    let members: A.Member[];
    if (wrapped) {
      members = this.body(wrapper).members;
      if (outer.length > 0) {
        const first = outer[0];
        this.error(
          diagnostic(
            Messages.UnexpectedToken,
            { found: `\`${this.source.text.slice(first.span.start, first.span.start + 20).split(/\s/)[0]}\``, expected: 'end of file' },
            first.span,
          ),
        );
      }
    } else {
      members = outer;
    }
    return { kind: 'File', wrapped, members, span: this.span(0, this.source.text.length) };
  }

  /** The members of a file or body, in source order; stray `}` at the top level are reported. */
  private members(c: Children, topLevel: boolean): A.Member[] {
    const attributes = nodes(c, 'attribute');
    const includes = nodes(c, 'include');
    const out: A.Member[] = [];
    for (const a of attributes) {
      const built = this.attribute(a);
      if (built) out.push(built);
    }
    if (includes.length > 0) {
      for (const i of includes) {
        const built = this.include(i);
        if (built) out.push(built);
      }
      out.sort((x, y) => x.span.start - y.span.start);
    }
    if (topLevel) {
      for (const t of toks(c, 'RCurly')) {
        this.error(
          diagnostic(Messages.UnexpectedToken, { found: '`}`', expected: 'an attribute' }, this.tokenSpan(t), {
            hint: 'This `}` closes no `{`.',
          }),
        );
      }
    }
    return out;
  }

  private body(cst: CstNode): A.Body {
    const c = cst.children as Children;
    const open = tok(c, 'LCurly');
    const close = tok(c, 'RCurly');
    const members = this.members(c, false);
    const start = open ? this.tokenSpan(open).start : (members[0]?.span.start ?? 0);
    const end = close && close.image ? this.tokenSpan(close).end : (members.at(-1)?.span.end ?? start + 1);
    return { kind: 'Body', members, span: this.span(start, end) };
  }

  private include(cst: CstNode): A.Include | undefined {
    const c = cst.children as Children;
    const strings = toks(c, 'StringLit');
    const codebaseTok = tok(c, 'Codebase');
    const directive = tok(c, 'Include') ?? tok(c, 'IncludeOptional');
    const pathTok = codebaseTok ? strings[1] : strings[0];
    if (!directive || !pathTok || !pathTok.image) return undefined;
    const startTok = codebaseTok ?? directive;
    const pathSpan = this.tokenSpan(pathTok);
    const inc: A.Include = {
      kind: 'Include',
      path: this.stringValue(pathTok),
      optional: directive.tokenType.name === 'IncludeOptional',
      pathSpan,
      span: this.span(this.tokenSpan(startTok).start, pathSpan.end),
    };
    if (codebaseTok && strings[0]) inc.codebase = this.stringValue(strings[0]);
    return inc;
  }

  private attribute(cst: CstNode): A.Attribute | undefined {
    const c = cst.children as Children;
    const tagsNode = node(c, 'tags');
    const tags = tagsNode ? this.tags(tagsNode) : [];
    let name: A.AttrName;
    const unique = tok(c, 'Unique');
    const quoted = tok(c, 'StringLit');
    const words = toks(c, 'Word');
    if (unique) {
      name = { kind: 'Unique', span: this.tokenSpan(unique) };
    } else if (quoted) {
      name = { kind: 'Name', parts: [this.stringValue(quoted)], quoted: true, span: this.tokenSpan(quoted) };
    } else if (words.length > 0 && words[0].image) {
      const parts: string[] = [];
      for (const w of words) if (w.image) parts.push(w.image);
      name = {
        kind: 'Name',
        parts,
        quoted: false,
        span: this.span(this.tokenSpan(words[0]).start, this.tokenSpan(words[words.length - 1]).end),
      };
    } else {
      return undefined;
    }
    const value = this.value(c) ?? {
      kind: 'Null',
      implicit: true,
      span: this.span(name.span.end, name.span.end),
    };
    const start = tagsNode && tags.length >= 0 ? Math.min(this.firstOffset(tagsNode, name.span.start), name.span.start) : name.span.start;
    return { kind: 'Attribute', tags, name, value, span: this.span(start, Math.max(value.span.end, name.span.end)) };
  }

  private firstOffset(cst: CstNode, fallback: number): number {
    const open = tok(cst.children as Children, 'LBracket');
    return open && !Number.isNaN(open.startOffset) ? open.startOffset : fallback;
  }

  private tags(cst: CstNode): A.Tag[] {
    const c = cst.children as Children;
    const all = [...toks(c, 'Word'), ...toks(c, 'StringLit')].filter((t) => t.image);
    if (c.StringLit && c.Word) all.sort((a, b) => a.startOffset - b.startOffset);
    return all.map((t) => ({
      name: t.tokenType.name === 'Word' ? t.image : this.stringValue(t),
      span: this.tokenSpan(t),
    }));
  }

  // --- values ----------------------------------------------------------------------------

  /** The value of an attribute, from the attribute's own children. */
  private value(c: Children): A.Value | undefined {
    const e = node(c, 'expr');
    if (e) return this.expr(e);
    const comp = node(c, 'componentDef');
    if (comp) return this.componentDef(comp);
    const semi = tok(c, 'Semi');
    if (semi) return { kind: 'Null', implicit: true, span: this.tokenSpan(semi) };
    return undefined;
  }

  private componentDef(cst: CstNode): A.Component {
    const c = cst.children as Children;
    const ext = tok(c, 'Extends');
    const start = ext ? this.tokenSpan(ext).start : 0;
    let end = ext ? this.tokenSpan(ext).end : 0;
    const kindTok = tok(c, 'Word');
    const lazy = tok(c, 'Lazy');
    const data = tok(c, 'Data');
    for (const t of [kindTok, lazy, data]) if (t && t.image) end = Math.max(end, this.tokenSpan(t).end);
    const prototypes: A.Prototype[] = [];
    for (const p of nodes(c, 'proto')) {
      const built = this.proto(p);
      if (built) {
        prototypes.push(built);
        end = Math.max(end, built.span.end);
      }
    }
    const comp: A.Component = {
      kind: 'Component',
      flag: lazy ? 'lazy' : data ? 'data' : 'eager',
      prototypes,
      span: this.span(start, end),
    };
    if (kindTok && kindTok.image) comp.nodeKind = kindTok.image;
    return comp;
  }

  private proto(cst: CstNode): A.Prototype | undefined {
    const c = cst.children as Children;
    const b = node(c, 'body');
    if (b) return this.body(b);
    const path = node(c, 'linkPath');
    if (path) return this.linkPathReference(path);
    const n = tok(c, 'Null');
    if (n) return { kind: 'Null', implicit: false, span: this.tokenSpan(n) };
    return undefined;
  }

  private expr(cst: CstNode): A.Value | undefined {
    const c = cst.children as Children;
    let t: IToken | undefined;
    let n: CstNode | undefined;
    if ((t = tok(c, 'NumberLit'))) return this.number(t);
    if ((t = tok(c, 'StringLit'))) return this.string(t);
    if ((n = node(c, 'reference'))) return this.reference(n);
    if ((n = node(c, 'paren'))) return this.paren(n);
    if ((n = node(c, 'vectorExpr'))) return this.vectorExpr(n);
    if ((n = node(c, 'literalVector'))) return this.literalVector(n);
    if ((n = node(c, 'ifExpr'))) return this.ifExpr(n);
    if ((n = node(c, 'switchExpr'))) return this.switchExpr(n);
    if ((n = node(c, 'varDecl'))) return this.varDecl(n);
    return this.simpleLiteral(c);
  }

  /** `true`, `false`, `NULL`, `TBD`, byte arrays. */
  private simpleLiteral(c: Children): A.Value | undefined {
    let t: IToken | undefined;
    if ((t = tok(c, 'True'))) return { kind: 'Boolean', value: true, span: this.tokenSpan(t) };
    if ((t = tok(c, 'False'))) return { kind: 'Boolean', value: false, span: this.tokenSpan(t) };
    if ((t = tok(c, 'Null'))) return { kind: 'Null', implicit: false, span: this.tokenSpan(t) };
    if ((t = tok(c, 'Tbd'))) return { kind: 'TBD', span: this.tokenSpan(t) };
    if ((t = tok(c, 'Bytes'))) return this.bytes(t);
    return undefined;
  }

  private primitive(cst: CstNode): A.Value | undefined {
    const c = cst.children as Children;
    let t: IToken | undefined;
    let n: CstNode | undefined;
    if ((t = tok(c, 'NumberLit'))) return this.number(t);
    if ((t = tok(c, 'StringLit'))) return this.string(t);
    if ((n = node(c, 'literalVector'))) return this.literalVector(n);
    if ((n = node(c, 'reference'))) return this.reference(n);
    if ((n = node(c, 'varDecl'))) return this.varDecl(n);
    return this.simpleLiteral(c);
  }

  private varDecl(cst: CstNode): A.Value {
    const c = cst.children as Children;
    const v = tok(c, 'Var');
    const s = tok(c, 'StringLit');
    const span = v ? this.tokenSpan(v) : this.span(0, 0);
    this.error(diagnostic(Messages.ConstraintVariable, {}, span));
    return { kind: 'Null', implicit: false, span: s && s.image ? this.span(span.start, this.tokenSpan(s).end) : span };
  }

  // --- literals -----------------------------------------------------------------------------

  private number(t: IToken): A.Value {
    const text = t.image;
    const span = this.tokenSpan(t);
    const last = text.charCodeAt(text.length - 1);
    // l L
    if (last === 108 || last === 76) {
      if (!/^-?\d+$/.test(text.slice(0, -1))) {
        // `1e5L`, `1.5L`: a Long is written with digits only.
        this.error(diagnostic(Messages.BadLong, { text }, span));
        return { kind: 'Long', value: 0n, span };
      }
      let value = BigInt(text.slice(0, -1));
      if (value < LONG_MIN || value > LONG_MAX) {
        this.error(diagnostic(Messages.LongTooLarge, { text }, span));
        value = BigInt.asIntN(64, value);
      }
      return { kind: 'Long', value, span };
    }
    // f F
    if (last === 102 || last === 70) return { kind: 'Float', value: Math.fround(Number(text.slice(0, -1))), span };
    // d D
    if (last === 100 || last === 68) return { kind: 'Double', value: Number(text.slice(0, -1)), span };
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      // . e E
      if (ch === 46 || ch === 101 || ch === 69) return { kind: 'Double', value: Number(text), span };
    }
    const value = Number(text);
    if (value < INT_MIN || value > INT_MAX) {
      this.error(diagnostic(Messages.IntegerTooLarge, { text }, span));
      return { kind: 'Int', value: 0, span };
    }
    return { kind: 'Int', value, span };
  }

  private stringValue(t: IToken): string {
    return decodeString(t.image, t.tokenType.name);
  }

  private string(t: IToken): A.StringLiteral {
    const multiline = t.tokenType.name === 'MultilineString' || t.tokenType.name === 'UnterminatedMultilineString';
    return { kind: 'String', value: this.stringValue(t), multiline, span: this.tokenSpan(t) };
  }

  private bytes(t: IToken): A.BytesLiteral {
    const span = this.tokenSpan(t);
    const encoding = t.image.slice(1, 4) as A.BytesLiteral['encoding'];
    const terminated = t.tokenType.name === 'Bytes';
    const content = t.image.slice(5, terminated ? -1 : undefined);
    const decoded = decodeBytes(encoding, content);
    if (typeof decoded === 'string') {
      // An unterminated array is already reported by the lexer.
      if (terminated) this.error(diagnostic(Messages.BadByteArray, { encoding, reason: decoded }, span));
      return { kind: 'Bytes', encoding, value: new Uint8Array(0), span };
    }
    return { kind: 'Bytes', encoding, value: decoded, span };
  }

  private literalVector(cst: CstNode): A.LiteralVector {
    const c = cst.children as Children;
    const items: A.Value[] = [];
    for (const p of nodes(c, 'primitive')) {
      const v = this.primitive(p);
      if (v) items.push(v);
    }
    return { kind: 'LiteralVector', items, span: this.delimited(c, 'LVectorOpen', 'LVectorClose', items) };
  }

  private vectorExpr(cst: CstNode): A.VectorExpr {
    const c = cst.children as Children;
    const items: A.Value[] = [];
    for (const p of nodes(c, 'expr')) {
      const v = this.expr(p);
      if (v) items.push(v);
    }
    return { kind: 'VectorExpr', items, span: this.delimited(c, 'LBracket', 'RBracket', items) };
  }

  /** The span from an opening to a closing token, tolerating a missing (recovered) close. */
  private delimited(c: Children, open: string, close: string, inner: { span: Span }[]): Span {
    const o = tok(c, open);
    const cl = tok(c, close);
    const start = o ? this.tokenSpan(o).start : (inner[0]?.span.start ?? 0);
    let end = cl && cl.image ? this.tokenSpan(cl).end : (inner.at(-1)?.span.end ?? start + 1);
    if (end < start) end = start;
    return this.span(start, end);
  }

  // --- operations -----------------------------------------------------------------------------

  private paren(cst: CstNode): A.Value | undefined {
    const c = cst.children as Children;
    const exprs: A.Value[] = [];
    for (const e of nodes(c, 'expr')) {
      const v = this.expr(e);
      if (v) exprs.push(v);
    }
    const comp = node(c, 'componentDef');
    if (comp) {
      const inner = this.componentDef(comp);
      return { kind: 'Paren', inner, span: this.delimited(c, 'LParen', 'RParen', [inner]) };
    }
    const span = this.delimited(c, 'LParen', 'RParen', exprs);
    if (tok(c, 'Bang')) {
      return { kind: 'Operation', op: '!', operands: exprs, span };
    }
    const ops = toks(c, 'Operator').filter((t) => t.image);
    if (ops.length === 0) {
      const inner = exprs[0];
      return inner ? { kind: 'Paren', inner, span } : undefined;
    }
    const op = ops[0].image as A.OperatorText;
    for (let i = 1; i < ops.length; i++) {
      if (ops[i].image !== op) {
        this.error(diagnostic(Messages.MixedOperators, { first: op, second: ops[i].image }, this.tokenSpan(ops[i])));
        break;
      }
    }
    if (BINARY_OPERATORS.has(op) && ops.length > 1 && ops.every((o) => o.image === op)) {
      this.error(diagnostic(Messages.BinaryOperatorArity, { op }, this.tokenSpan(ops[1])));
    }
    return { kind: 'Operation', op, operands: exprs, span };
  }

  private ifExpr(cst: CstNode): A.Value | undefined {
    const c = cst.children as Children;
    const [cond, then, els] = nodes(c, 'expr').map((e) => this.expr(e));
    const start = tok(c, 'If');
    const end = tok(c, 'Fi');
    if (!cond || !then || !els || !start) return undefined;
    const endOffset = end && end.image ? this.tokenSpan(end).end : els.span.end;
    return { kind: 'If', condition: cond, then, else: els, span: this.span(this.tokenSpan(start).start, endOffset) };
  }

  private switchExpr(cst: CstNode): A.Value | undefined {
    const c = cst.children as Children;
    const bodyNode = node(c, 'body');
    const exprs = nodes(c, 'expr');
    const ifs = toks(c, 'If');
    const cases: A.SwitchCase[] = [];
    for (let i = 0; i + 1 < exprs.length; i += 2) {
      const condition = this.expr(exprs[i]);
      const value = this.expr(exprs[i + 1]);
      if (!condition || !value) continue;
      const start = ifs[i / 2] ? this.tokenSpan(ifs[i / 2]).start : condition.span.start;
      cases.push({ condition, value, span: this.span(start, value.span.end) });
    }
    const sw = tok(c, 'Switch');
    const end = tok(c, 'EndSwitch');
    const start = sw ? this.tokenSpan(sw).start : 0;
    const endOffset = end && end.image ? this.tokenSpan(end).end : (cases.at(-1)?.span.end ?? start + 6);
    const result: A.SwitchExpr = { kind: 'Switch', cases, span: this.span(start, endOffset) };
    if (bodyNode) result.bindings = this.body(bodyNode);
    return result;
  }

  // --- references -----------------------------------------------------------------------------

  /** `{LAZY|DATA} BaseRef`: at most one flag of each kind, never both. */
  reference(cst: CstNode): A.Reference | A.Apply | undefined {
    const c = cst.children as Children;
    const lazy = toks(c, 'Lazy');
    const data = toks(c, 'Data');
    const ref = this.baseRef(c);
    if (!ref) return undefined;
    if (lazy.length > 0 && data.length > 0) {
      const second = lazy[0].startOffset > data[0].startOffset ? lazy[0] : data[0];
      this.error(diagnostic(Messages.DataAndLazy, {}, this.tokenSpan(second)));
    } else if (lazy.length > 1 || data.length > 1) {
      const again = (lazy.length > 1 ? lazy : data)[1];
      this.error(
        diagnostic(Messages.UnexpectedToken, { found: `\`${again.image}\``, expected: 'a reference' }, this.tokenSpan(again)),
      );
    }
    ref.lazy = lazy.length > 0;
    ref.data = data.length > 0;
    if (lazy.length > 0 || data.length > 0) {
      let first = ref.span.start;
      for (const t of lazy) first = Math.min(first, t.startOffset);
      for (const t of data) first = Math.min(first, t.startOffset);
      ref.span = this.span(first, ref.span.end);
    }
    return ref;
  }

  /** BaseRef of §5, from the children of the reference rule. */
  private baseRef(c: Children): A.Reference | A.Apply | undefined {
    const applyTok = tok(c, 'Apply') ?? tok(c, 'Assert');
    if (applyTok) {
      const b = node(c, 'body');
      const body: A.Body = b ? this.body(b) : { kind: 'Body', members: [], span: this.tokenSpan(applyTok) };
      return {
        kind: applyTok.tokenType.name === 'Apply' ? 'Apply' : 'Assert',
        lazy: false,
        data: false,
        body,
        span: this.span(this.tokenSpan(applyTok).start, body.span.end),
      };
    }
    const path = node(c, 'linkPath');
    if (!path) return undefined;
    const ref = this.linkPathReference(path);
    const opt = tok(c, 'Optional');
    if (opt) {
      ref.optional = true;
      const d = node(c, 'primitive');
      const dv = d ? this.primitive(d) : undefined;
      if (dv) ref.default = dv;
      ref.span = this.span(this.tokenSpan(opt).start, ref.span.end);
    }
    return ref;
  }

  private linkPathReference(cst: CstNode): A.Reference {
    const parts: A.RefPart[] = [];
    for (const p of nodes(cst.children as Children, 'refPart')) {
      const part = this.refPart(p);
      if (part) parts.push(part);
    }
    const start = parts[0]?.span.start ?? 0;
    const end = parts.at(-1)?.span.end ?? start;
    return { kind: 'Reference', parts, lazy: false, data: false, optional: false, span: this.span(start, end) };
  }

  private refPart(cst: CstNode): A.RefPart | undefined {
    const c = cst.children as Children;
    for (const key of NAMED_PART_KEYS) {
      const k = tok(c, key);
      if (!k) continue;
      const word = tok(c, 'Word');
      const str = tok(c, 'StringLit');
      const start = this.tokenSpan(k).start;
      if (word && word.image) return { kind: NAMED_PARTS[key], name: word.image, span: this.span(start, this.tokenSpan(word).end) };
      if (str && str.image) {
        return { kind: NAMED_PARTS[key], name: this.stringValue(str), quoted: true, span: this.span(start, this.tokenSpan(str).end) };
      }
      return undefined;
    }
    const word = tok(c, 'Word');
    if (word) return word.image ? { kind: 'WORD', name: word.image, span: this.tokenSpan(word) } : undefined;
    let t: IToken | undefined;
    if ((t = tok(c, 'Root'))) return { kind: 'ROOT', span: this.tokenSpan(t) };
    if ((t = tok(c, 'Parent'))) return { kind: 'PARENT', span: this.tokenSpan(t) };
    if ((t = tok(c, 'This'))) return { kind: 'THIS', span: this.tokenSpan(t) };
    if ((t = tok(c, 'Process'))) return { kind: 'PROCESS', span: this.tokenSpan(t) };
    return undefined;
  }
}
