/**
 * AST → indented s-expression text: every field but spans, in a form that tests compare
 * as strings and `frog parse` prints. Files and bodies put each member on its own line;
 * any other node goes on one line when that line fits in WIDTH columns.
 *
 * Notation: names and words are bare (a WORD never holds spaces, parentheses or `:`),
 * everything else that is text is a JSON string; flags and reference kinds are in
 * capitals (they are keywords, so never a WORD).
 */
import type * as A from './ast.js';

const WIDTH = 100;
const WORD = /^[A-Za-z_$\u00A2-\u00A5\u00AA\u00B5\u00BA\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u00FF][\w$.\-+@#~%^&\u00A2-\u00A5\u00AA\u00B5\u00BA\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u00FF]*$/;

/** A list: a head and children; `block` lists always break one child per line. */
interface SList {
  head: string;
  kids: SItem[];
  block?: boolean;
}
type SItem = string | SList;

function word(name: string): string {
  return WORD.test(name) ? name : JSON.stringify(name);
}

function num(value: number): string {
  return Object.is(value, -0) ? '-0' : String(value);
}

function bytesHex(value: Uint8Array): string {
  let s = '';
  for (const b of value) s += b.toString(16).padStart(2, '0');
  return s;
}

function refPart(p: A.RefPart): string {
  switch (p.kind) {
    case 'WORD':
      return word(p.name ?? '');
    case 'ROOT':
    case 'PARENT':
    case 'THIS':
    case 'PROCESS':
      return p.kind;
    default:
      return `${p.kind}(${p.quoted ? JSON.stringify(p.name ?? '') : word(p.name ?? '')})`;
  }
}

function attrName(n: A.AttrName): string {
  if (n.kind === 'Unique') return '--';
  if (n.quoted) return `(quoted ${JSON.stringify(n.parts[0] ?? '')})`;
  return n.parts.map(word).join(':');
}

function member(m: A.Member): SItem {
  if (m.kind === 'Include') {
    const kids: SItem[] = [JSON.stringify(m.path)];
    if (m.optional) kids.push('OPTIONAL');
    if (m.codebase !== undefined) kids.push({ head: 'codebase', kids: [JSON.stringify(m.codebase)] });
    return { head: 'Include', kids };
  }
  const kids: SItem[] = [attrName(m.name)];
  if (m.tags.length > 0) kids.push('[' + m.tags.map((t) => word(t.name)).join(' ') + ']');
  kids.push(value(m.value));
  return { head: 'Attribute', kids };
}

function body(b: A.Body): SList {
  return { head: 'Body', kids: b.members.map(member), block: true };
}

function flags(lazy: boolean, data: boolean): string[] {
  const out: string[] = [];
  if (lazy) out.push('LAZY');
  if (data) out.push('DATA');
  return out;
}

function value(v: A.Value): SItem {
  switch (v.kind) {
    case 'Int':
      return `(Int ${num(v.value)})`;
    case 'Long':
      return `(Long ${v.value})`;
    case 'Float':
      return `(Float ${num(v.value)})`;
    case 'Double':
      return `(Double ${num(v.value)})`;
    case 'String':
      return `(String ${v.multiline ? 'MULTILINE ' : ''}${JSON.stringify(v.value)})`;
    case 'Boolean':
      return `(Boolean ${v.value})`;
    case 'Null':
      return v.implicit ? '(Null IMPLICIT)' : '(Null)';
    case 'TBD':
      return '(TBD)';
    case 'Bytes':
      return `(Bytes ${v.encoding} ${JSON.stringify(bytesHex(v.value))})`;
    case 'LiteralVector':
      return { head: 'LiteralVector', kids: v.items.map(value) };
    case 'VectorExpr':
      return { head: 'Vector', kids: v.items.map(value) };
    case 'Reference': {
      const kids: SItem[] = [...flags(v.lazy, v.data)];
      if (v.optional) kids.push('OPTIONAL');
      kids.push(v.parts.map(refPart).join(':'));
      if (v.default) kids.push({ head: 'default', kids: [value(v.default)] });
      return { head: 'Ref', kids };
    }
    case 'Apply':
    case 'Assert':
      return { head: v.kind, kids: [...flags(v.lazy, v.data), body(v.body)] };
    case 'Component': {
      const kids: SItem[] = [v.flag.toUpperCase()];
      if (v.nodeKind !== undefined) kids.push(`(kind ${word(v.nodeKind)})`);
      for (const p of v.prototypes) kids.push(p.kind === 'Body' ? body(p) : value(p));
      return { head: 'Component', kids };
    }
    case 'Operation':
      return { head: 'Op ' + v.op, kids: v.operands.map(value) };
    case 'Paren':
      return { head: 'Paren', kids: [value(v.inner)] };
    case 'If':
      return { head: 'If', kids: [value(v.condition), value(v.then), value(v.else)] };
    case 'Switch': {
      const kids: SItem[] = [];
      if (v.bindings) kids.push({ head: 'bindings', kids: [body(v.bindings)] });
      for (const c of v.cases) kids.push({ head: 'case', kids: [value(c.condition), value(c.value)] });
      return { head: 'Switch', kids };
    }
  }
}

function hasBlock(item: SItem): boolean {
  return typeof item !== 'string' && (item.block === true || item.kids.some(hasBlock));
}

function oneLine(item: SItem): string {
  if (typeof item === 'string') return item;
  return item.kids.length === 0 ? `(${item.head})` : `(${item.head} ${item.kids.map(oneLine).join(' ')})`;
}

function render(item: SItem, indent: string, out: string[]): void {
  if (typeof item === 'string') {
    out.push(indent + item);
    return;
  }
  if (!hasBlock(item)) {
    const line = oneLine(item);
    if (indent.length + line.length <= WIDTH) {
      out.push(indent + line);
      return;
    }
  }
  // Leading plain atoms stay on the head line: `(Attribute name` / `(Component EAGER`.
  let head = `(${item.head}`;
  let i = 0;
  while (i < item.kids.length && typeof item.kids[i] === 'string') head += ' ' + item.kids[i++];
  if (i === item.kids.length) {
    out.push(indent + head + ')');
    return;
  }
  out.push(indent + head);
  for (; i < item.kids.length; i++) render(item.kids[i], indent + '  ', out);
  out[out.length - 1] += ')';
}

/** The s-expression of a file (or of any value), ending with a newline. */
export function toSExpression(node: A.FileNode | A.Value): string {
  const out: string[] = [];
  const root: SItem =
    node.kind === 'File'
      ? { head: node.wrapped ? 'File WRAPPED' : 'File', kids: node.members.map(member), block: true }
      : value(node);
  render(root, '', out);
  return out.join('\n') + '\n';
}
