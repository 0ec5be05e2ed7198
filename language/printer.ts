/**
 * AST → `.sf` text. The output is readable (one attribute per line, bodies indented by
 * four spaces) and parses back to the same AST, spans aside: every attribute ends with
 * `;` so that a value never runs into the next name, strings and numbers are written
 * in a form that reads back to the same value and kind, and parentheses, vector forms
 * and flags are kept as they were.
 */
import type * as A from './ast.js';
import { KEYWORD_TEXTS } from './keywords.js';
import { doubleText, encodeBytes, floatText, multilineString, quoteString } from './literals.js';

const INDENT = '    ';
const WORD = /^[A-Za-z_$\u00A2-\u00A5\u00AA\u00B5\u00BA\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u00FF][\w$.\-+@#~%^&\u00A2-\u00A5\u00AA\u00B5\u00BA\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u00FF]*$/;

/** True when `name` lexes as one WORD token (and is not a keyword or `x|`). */
function isWord(name: string): boolean {
  return WORD.test(name) && !KEYWORD_TEXTS.has(name) && !name.startsWith('x|');
}

/** A tag or part name: bare when it is a WORD, else a string. */
function nameText(name: string): string {
  return isWord(name) ? name : quoteString(name);
}

class Printer {
  out = '';

  file(ast: A.FileNode): string {
    if (ast.wrapped) {
      this.out += 'extends {\n';
      this.members(ast.members, INDENT);
      this.out += '}\n';
    } else {
      this.members(ast.members, '');
    }
    return this.out;
  }

  private members(members: A.Member[], indent: string): void {
    for (const m of members) {
      this.out += indent;
      if (m.kind === 'Include') {
        if (m.codebase !== undefined) this.out += `#codebase ${quoteString(m.codebase)} `;
        this.out += `${m.optional ? '#include?' : '#include'} ${quoteString(m.path)};\n`;
        continue;
      }
      if (m.tags.length > 0) this.out += '[' + m.tags.map((t) => nameText(t.name)).join(', ') + '] ';
      this.out += this.attrName(m.name);
      if (m.value.kind === 'Null' && m.value.implicit) {
        this.out += ';\n';
        continue;
      }
      this.out += ' ';
      this.value(m.value, indent);
      this.out += ';\n';
    }
  }

  private attrName(n: A.AttrName): string {
    if (n.kind === 'Unique') return '--';
    if (n.quoted) return quoteString(n.parts[0] ?? '');
    return n.parts.join(':');
  }

  private body(b: A.Body, indent: string): void {
    if (b.members.length === 0) {
      this.out += '{ }';
      return;
    }
    this.out += '{\n';
    this.members(b.members, indent + INDENT);
    this.out += indent + '}';
  }

  private flags(lazy: boolean, data: boolean): void {
    if (lazy) this.out += 'LAZY ';
    if (data) this.out += 'DATA ';
  }

  private reference(r: A.Reference): void {
    this.flags(r.lazy, r.data);
    if (r.optional) {
      this.out += 'OPTIONAL';
      if (r.default) {
        this.out += '(';
        this.value(r.default, '');
        this.out += ')';
      }
      this.out += ' ';
    }
    this.out += r.parts.map(partText).join(':');
  }

  private list(items: A.Value[], indent: string): void {
    items.forEach((item, i) => {
      if (i > 0) this.out += ', ';
      this.value(item, indent);
    });
  }

  value(v: A.Value, indent: string): void {
    switch (v.kind) {
      case 'Int':
        this.out += String(v.value);
        return;
      case 'Long':
        this.out += `${v.value}L`;
        return;
      case 'Float':
        this.out += floatText(v.value);
        return;
      case 'Double':
        this.out += doubleText(v.value);
        return;
      case 'String':
        this.out += v.multiline ? multilineString(v.value) : quoteString(v.value);
        return;
      case 'Boolean':
        this.out += String(v.value);
        return;
      case 'Null':
        // An implicit NULL can only be printed as `NULL` inside an expression.
        this.out += 'NULL';
        return;
      case 'TBD':
        this.out += 'TBD';
        return;
      case 'Bytes':
        this.out += encodeBytes(v.encoding, v.value);
        return;
      case 'LiteralVector':
        this.out += v.items.length === 0 ? '[| |]' : '[| ';
        if (v.items.length > 0) {
          this.list(v.items, indent);
          this.out += ' |]';
        }
        return;
      case 'VectorExpr':
        this.out += '[';
        this.list(v.items, indent);
        this.out += ']';
        return;
      case 'Reference':
        this.reference(v);
        return;
      case 'Apply':
      case 'Assert':
        this.flags(v.lazy, v.data);
        this.out += v.kind === 'Apply' ? 'APPLY ' : 'ASSERT ';
        this.body(v.body, indent);
        return;
      case 'Component':
        this.component(v, indent);
        return;
      case 'Operation':
        this.out += '(';
        if (v.op === '!') {
          this.out += '! ';
          if (v.operands[0]) this.value(v.operands[0], indent);
        } else {
          v.operands.forEach((o, i) => {
            if (i > 0) this.out += ` ${v.op} `;
            this.value(o, indent);
          });
        }
        this.out += ')';
        return;
      case 'Paren':
        this.out += '(';
        this.value(v.inner, indent);
        this.out += ')';
        return;
      case 'If':
        this.out += 'IF ';
        this.value(v.condition, indent);
        this.out += ' THEN ';
        this.value(v.then, indent);
        this.out += ' ELSE ';
        this.value(v.else, indent);
        this.out += ' FI';
        return;
      case 'Switch':
        this.out += 'SWITCH ';
        if (v.bindings) {
          this.body(v.bindings, indent);
          this.out += ' ';
        }
        for (const c of v.cases) {
          this.out += 'IF ';
          this.value(c.condition, indent);
          this.out += ' THEN ';
          this.value(c.value, indent);
          this.out += ' ';
        }
        this.out += 'ENDSWITCH';
        return;
    }
  }

  private component(c: A.Component, indent: string): void {
    this.out += 'extends';
    if (c.nodeKind !== undefined) this.out += ':' + c.nodeKind;
    if (c.flag !== 'eager') this.out += c.flag === 'lazy' ? ' LAZY' : ' DATA';
    c.prototypes.forEach((p, i) => {
      this.out += i === 0 ? ' ' : ', ';
      if (p.kind === 'Body') this.body(p, indent);
      else if (p.kind === 'Null') this.out += 'NULL';
      else this.reference(p);
    });
  }
}

function partText(p: A.RefPart): string {
  switch (p.kind) {
    case 'WORD':
      return p.name ?? '';
    case 'ROOT':
    case 'PARENT':
    case 'THIS':
    case 'PROCESS':
      return p.kind;
    default:
      return `${p.kind} ${p.quoted ? quoteString(p.name ?? '') : p.name ?? ''}`;
  }
}

/** The `.sf` text of a file. */
export function print(ast: A.FileNode): string {
  return new Printer().file(ast);
}

/** The `.sf` text of one value (a reference, a literal, a description...). */
export function printValue(value: A.Value): string {
  const p = new Printer();
  p.value(value, '');
  return p.out;
}
