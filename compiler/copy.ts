/** Deep copies of values: `extends` copies its prototypes, and finalisation breaks sharing. */
import { Applied, Description, makeAttr, type Attr, type Value } from '../core/values.js';
import type { Budget } from './limits.js';

/**
 * Every attribute and vector element copied is counted in `budget`, and the nesting of the
 * copy is checked against its depth limit (docs/design/language.md §7.9): the recursion here
 * is bounded by it.
 */
export function copyValue(v: Value, budget?: Budget, depth = 0): Value {
  if (v instanceof Description) return copyDescription(v, budget, depth + 1);
  if (v instanceof Applied) return new Applied(v.kind, copyDescription(v.body, budget, depth + 1), v.lazy, v.data, v.span);
  if (Array.isArray(v)) {
    budget?.spend(v.length);
    return v.map((x) => copyValue(x, budget, depth + 1));
  }
  return v;
}

export function copyAttr(a: Attr, budget?: Budget, depth = 0): Attr {
  return makeAttr(copyValue(a.value, budget, depth), a.tags ? new Set(a.tags) : undefined, a.span, a.placement);
}

export function copyDescription(d: Description, budget?: Budget, depth = 0): Description {
  if (budget) {
    budget.enter(depth);
    budget.spend(d.attrs.size);
  }
  const c = new Description();
  c.eager = d.eager;
  c.span = d.span;
  if (d.broken) c.broken = true;
  if (d.pending) c.pending = d.pending.map((p) => (p instanceof Description ? reparent(copyDescription(p, budget, depth + 1), c) : p));
  for (const [name, attr] of d.attrs) {
    const a = copyAttr(attr, budget, depth);
    c.attrs.set(name, a);
    if (a.value instanceof Description) a.value.parent = c;
  }
  return c;
}

function reparent(d: Description, parent: Description): Description {
  d.parent = parent;
  return d;
}
