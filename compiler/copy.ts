/**
 * Deep copies of values: `extends` copies its prototypes, and finalisation breaks sharing.
 *
 * A copy made with `share` (the type phase's copies, docs/design/language.md §18) shares what
 * no phase writes in place: an attribute holding a plain value is the same attribute object in
 * the prototype and the copy (marked `shared`; a writer takes its own with `ownAttr`), a set of
 * tags is the same set, and a function whose body holds only plain values and references keeps
 * the prototype's body (marked `shared`) until the link phase evaluates it, which copies it
 * first. Descriptions are always copied: each has its own parent.
 */
import { Applied, Description, isPlainValue, makeAttr, Ref, type Attr, type Value } from '../core/values.js';
import type { Budget } from './limits.js';

/**
 * Every attribute and vector element copied is counted in `budget`, and the nesting of the
 * copy is checked against its depth limit (docs/design/language.md §7.9): the recursion here
 * is bounded by it. What a copy shares counts as copied, so the limits do not depend on it.
 */
export function copyValue(v: Value, budget?: Budget, depth = 0, share = false): Value {
  if (v instanceof Description) return copyDescription(v, budget, depth + 1, share);
  if (v instanceof Applied) {
    if (share && shareableFunction(v)) {
      if (budget) {
        budget.enter(depth + 1);
        budget.spend(v.body.attrs.size);
      }
      v.body.shared = true;
      return new Applied(v.kind, v.body, false, false, v.span);
    }
    return new Applied(v.kind, copyDescription(v.body, budget, depth + 1, share), v.lazy, v.data, v.span);
  }
  if (Array.isArray(v)) {
    budget?.spend(v.length);
    return v.map((x) => copyValue(x, budget, depth + 1, share));
  }
  return v;
}

export function copyAttr(a: Attr, budget?: Budget, depth = 0, share = false): Attr {
  if (share && isPlainValue(a.value)) {
    a.shared = true;
    return a;
  }
  // Tags are never changed in place (a writer replaces the set): the copy shares them.
  return makeAttr(copyValue(a.value, budget, depth, share), share ? a.tags : a.tags ? new Set(a.tags) : undefined, a.span, a.placement);
}

export function copyDescription(d: Description, budget?: Budget, depth = 0, share = false): Description {
  if (budget) {
    budget.enter(depth);
    budget.spend(d.attrs.size);
  }
  const c = new Description();
  c.eager = d.eager;
  c.span = d.span;
  if (d.broken) c.broken = true;
  if (d.pending) c.pending = d.pending.map((p) => (p instanceof Description ? reparent(copyDescription(p, budget, depth + 1, share), c) : p));
  for (const [name, attr] of d.attrs) {
    const a = copyAttr(attr, budget, depth, share);
    c.attrs.set(name, a);
    if (a.value instanceof Description) a.value.parent = c;
  }
  return c;
}

/**
 * A function the copies may share until it is evaluated: an eager `apply` whose body holds
 * only plain values and references (an operator on attributes, the common case), so that no
 * phase before linking enters or changes it (§18).
 */
function shareableFunction(v: Applied): boolean {
  if (v.kind !== 'apply' || v.lazy || v.data) return false;
  const body = v.body;
  if (body.shared) return true;
  if (body.pending || body.broken) return false;
  for (const attr of body.attrs.values()) {
    if (attr.placement || !(attr.value instanceof Ref || isPlainValue(attr.value))) return false;
  }
  return true;
}

/**
 * The body of a shared function, copied for one evaluation (the link phase writes what it
 * resolves into the body): a shallow copy, since a shared body holds only plain values and
 * references. Counted when the function was shared.
 */
export function ownBody(fn: Applied): Applied {
  const body = fn.body;
  const c = new Description();
  c.eager = body.eager;
  c.span = body.span;
  for (const [name, attr] of body.attrs) c.attrs.set(name, makeAttr(attr.value, attr.tags, attr.span, attr.placement));
  return new Applied(fn.kind, c, fn.lazy, fn.data, fn.span);
}

function reparent(d: Description, parent: Description): Description {
  d.parent = parent;
  return d;
}
