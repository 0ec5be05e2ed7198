/** A walk over every member (attribute or include) of a member list, at any depth. */
import type { Member, Value } from './ast.js';

/** Calls `visit` for each member, outer ones first, in source order, including members of nested bodies. */
export function forEachMember(members: readonly Member[], visit: (m: Member) => void): void {
  const inValue = (v: Value): void => {
    switch (v.kind) {
      case 'Component':
        for (const p of v.prototypes) if (p.kind === 'Body') forEachMember(p.members, visit);
        break;
      case 'Apply':
      case 'Assert':
        forEachMember(v.body.members, visit);
        break;
      case 'Paren':
        inValue(v.inner);
        break;
      case 'Operation':
        v.operands.forEach(inValue);
        break;
      case 'VectorExpr':
        v.items.forEach(inValue);
        break;
      case 'If':
        inValue(v.condition);
        inValue(v.then);
        inValue(v.else);
        break;
      case 'Switch':
        if (v.bindings) forEachMember(v.bindings.members, visit);
        for (const c of v.cases) {
          inValue(c.condition);
          inValue(c.value);
        }
        break;
      default:
        break;
    }
  };
  for (const m of members) {
    visit(m);
    if (m.kind === 'Attribute') inValue(m.value);
  }
}
