/**
 * Builds the raw tree from parsed files (docs/design/language.md §1 step 2): includes are spliced
 * in at their position, operators, vectors, IF and SWITCH are desugared into function
 * descriptions in canonical form (§10.2), and every `extends` keeps its prototypes for
 * the type phase.
 */
import type * as Ast from '../language/ast.js';
import { forEachMember } from '../language/walk.js';
import type { Span } from '../core/source.js';
import type { DiagnosticBag } from '../core/diagnostics.js';
import { Applied, Description, Ref, SfDouble, SfFloat, TBD, type Value } from '../core/values.js';
import { FUNCTION_IDS } from '../functions/ids.js';
import type { IncludeLoader } from './includes.js';

/** The key under which a placement attribute waits in its body until the place phase. */
export function placementKey(parts: readonly string[]): string {
  return '\u0001' + parts.join(':');
}

/** Generates `uniqueN` names: a counter per resolution, skipping names written by the user. */
export class UniqueNames {
  private next = 0;
  constructor(private readonly used: Set<string>) {}

  fresh(): string {
    for (let i = 0; i < 1_000_000; i++) {
      const name = `unique${this.next++}`;
      if (!this.used.has(name)) return name;
    }
    throw new Error('unique name space exhausted');
  }
}

export interface BuildContext {
  unique: UniqueNames;
  includes: IncludeLoader;
  diagnostics: DiagnosticBag;
}

export class TreeBuilder {
  /** Placement attributes built (`a:b value`): they are the only source of placements. */
  placements = 0;

  constructor(private readonly ctx: BuildContext) {}

  /** The root description of a file. */
  buildFile(file: Ast.FileNode): Description {
    const root = new Description();
    root.span = file.span;
    this.addMembers(root, file.members, [file.span.file]);
    return root;
  }

  private addMembers(cd: Description, members: readonly Ast.Member[], fileStack: string[]): void {
    for (const m of members) {
      if (m.kind === 'Include') {
        const loaded = this.ctx.includes.load(m, fileStack);
        if (loaded) this.addMembers(cd, loaded.ast.members, [...fileStack, loaded.path]);
        continue;
      }
      this.addAttribute(cd, m, fileStack);
    }
  }

  private addAttribute(cd: Description, a: Ast.Attribute, fileStack: string[]): void {
    const tags = a.tags.length ? new Set(a.tags.map((t) => t.name)) : undefined;
    const value = this.value(a.value, cd, fileStack);
    if (a.name.kind === 'Unique') {
      cd.set(this.ctx.unique.fresh(), value, tags, a.name.span);
      return;
    }
    const parts = a.name.parts;
    if (parts.length > 1) {
      const key = placementKey(parts);
      cd.set(key, value, tags, a.name.span);
      cd.attrs.get(key)!.placement = parts.slice(0, -1);
      this.placements++;
      return;
    }
    cd.set(parts[0], value, tags, a.name.span);
  }

  value(v: Ast.Value, holder: Description, fileStack: string[]): Value {
    switch (v.kind) {
      case 'Int':
        return v.value;
      case 'Long':
        return v.value;
      case 'Float':
        return new SfFloat(v.value);
      case 'Double':
        return new SfDouble(v.value);
      case 'String':
        return v.value;
      case 'Boolean':
        return v.value;
      case 'Null':
        return null;
      case 'TBD':
        return TBD;
      case 'Bytes':
        return v.value;
      case 'LiteralVector':
        return v.items.map((i) => this.value(i, holder, fileStack));
      case 'Reference':
        return this.reference(v, holder, fileStack);
      case 'Component':
        return this.component(v, fileStack);
      case 'Paren':
        return this.value(v.inner, holder, fileStack);
      case 'Apply':
      case 'Assert': {
        const body = this.body(v.body.members, fileStack, v.body.span);
        return new Applied(v.kind === 'Apply' ? 'apply' : 'assert', body, v.lazy, v.data, v.span);
      }
      case 'Operation':
        return this.operation(v, fileStack);
      case 'VectorExpr':
        return this.nary(FUNCTION_IDS.vector, v.items, v.span, fileStack);
      case 'If':
        return this.named(FUNCTION_IDS.if, [
          ['if', v.condition],
          ['then', v.then],
          ['else', v.else],
        ], v.span, fileStack);
      case 'Switch': {
        const body = this.functionBody(FUNCTION_IDS.switch, v.span);
        if (v.bindings) this.addMembers(body, v.bindings.members, fileStack);
        v.cases.forEach((c, i) => {
          body.set(`IF${i}`, this.value(c.condition, body, fileStack), undefined, c.condition.span);
          body.set(`THEN${i}`, this.value(c.value, body, fileStack), undefined, c.value.span);
        });
        return new Applied('apply', body, false, false, v.span);
      }
    }
    const unknown: never = v;
    throw new Error(`unknown value node ${JSON.stringify(unknown)}`);
  }

  private reference(r: Ast.Reference, holder: Description, fileStack: string[]): Ref {
    const parts = r.parts.map((p) => (p.name === undefined ? { kind: p.kind } : { kind: p.kind, name: p.name }));
    const dflt = r.default ? this.value(r.default, holder, fileStack) : undefined;
    return new Ref(parts, r.lazy, r.data, r.optional, dflt, r.span);
  }

  private component(c: Ast.Component, fileStack: string[]): Description {
    const cd = new Description();
    cd.span = c.span;
    cd.eager = c.flag === 'eager';
    const pending: (Ref | Description)[] = [];
    for (const p of c.prototypes) {
      if (p.kind === 'Null') continue;
      if (p.kind === 'Body') {
        const body = this.body(p.members, fileStack, p.span);
        body.parent = cd;
        pending.push(body);
      } else {
        pending.push(this.reference(p, cd, fileStack));
      }
    }
    if (pending.length) cd.pending = pending;
    return cd;
  }

  private body(members: readonly Ast.Member[], fileStack: string[], span: Span): Description {
    const body = new Description();
    body.span = span;
    this.addMembers(body, members, fileStack);
    return body;
  }

  private functionBody(id: string, span: Span): Description {
    const body = new Description();
    body.span = span;
    body.eager = false;
    body.set('sfFunctionClass', id);
    return body;
  }

  private operation(op: Ast.Operation, fileStack: string[]): Applied {
    const id = FUNCTION_IDS.operators[op.op];
    if (op.op === '!') return this.named(id, [['data', op.operands[0]]], op.span, fileStack);
    if (op.operands.length === 2 && isBinary(op.op)) {
      return this.named(id, [['left', op.operands[0]], ['right', op.operands[1]]], op.span, fileStack);
    }
    return this.nary(id, op.operands, op.span, fileStack);
  }

  private nary(id: string, operands: readonly Ast.Value[], span: Span, fileStack: string[]): Applied {
    const body = this.functionBody(id, span);
    for (const o of operands) body.set(this.ctx.unique.fresh(), this.value(o, body, fileStack), undefined, o.span);
    return new Applied('apply', body, false, false, span);
  }

  private named(id: string, operands: [string, Ast.Value][], span: Span, fileStack: string[]): Applied {
    const body = this.functionBody(id, span);
    for (const [name, o] of operands) body.set(name, this.value(o, body, fileStack), undefined, o.span);
    return new Applied('apply', body, false, false, span);
  }
}

function isBinary(op: string): boolean {
  return ['-', '/', '%', '==', '!=', '>=', '<=', '>', '<'].includes(op);
}

/**
 * Every attribute name written anywhere in the files that a generated name could be
 * (`unique...`), so that generated names avoid them. Only those: a set of every name would
 * hold one entry per component for the whole resolution (docs/design/language.md §18).
 */
export function collectNames(files: Iterable<Ast.FileNode>): Set<string> {
  const names = new Set<string>();
  for (const f of files) {
    forEachMember(f.members, (m) => {
      if (m.kind !== 'Attribute' || m.name.kind !== 'Name') return;
      const name = m.name.parts[m.name.parts.length - 1];
      if (name.startsWith('unique')) names.add(name);
    });
  }
  return names;
}
