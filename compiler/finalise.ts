/**
 * Finalisation (docs/design/language.md §7.8): the output tree has no two attributes sharing a
 * description, no `sfTemp` attributes and no predicates that were checked at compile time.
 *
 * The working tree becomes the output in place: type resolution already gave every
 * description its own copy, so only a description reached a second time (a link to a
 * description, which the link phase resolves to the same object) or reached from outside
 * its parent is copied. A copy leaves out what cleaning drops, so it is clean too.
 */
import { Applied, Description, makeAttr, ownAttr, Visited, type Attr, type Value } from '../core/values.js';
import { CHECKED } from './link-phase.js';
import { ownBody } from './copy.js';
import { Budget } from './limits.js';

/** `budget` counts the copies made here, as the type phase's are (§7.9): a description shared by links at every level doubles too. */
export function finalise(cd: Description, budget: Budget = new Budget()): Description {
  const done = new Visited();
  clean(cd, done, budget);
  cd.parent = null;
  return cd;
}

/** What the output leaves out: `sfTemp` attributes, predicates checked at compile time, placements. */
function dropped(attr: Attr): boolean {
  return Boolean(attr.tags?.has('sfTemp') || (attr.value as unknown) === CHECKED || attr.placement);
}

/** Cleans `d` in place; every description below it is cleaned in place or replaced by a copy. */
function clean(d: Description, done: Visited, budget: Budget): void {
  done.add(d);
  d.pending = undefined;
  for (const [name, attr] of d.attrs) {
    if (dropped(attr)) {
      d.attrs.delete(name);
      continue;
    }
    const v = cleanValue(attr.value, d, done, budget);
    // Written only when it changes: an attribute shared by `extends` copies is not (§18).
    if (v !== attr.value || attr.linkState !== 0) {
      const own = ownAttr(d.attrs, name, attr);
      own.value = v;
      own.linkState = 0;
    }
  }
}

/** `holder` is the description whose attribute holds `v`; null inside a vector (its descriptions have no parent). */
function cleanValue(v: Value, holder: Description | null, done: Visited, budget: Budget): Value {
  if (v instanceof Description) {
    if (v.parent === holder && !done.has(v)) {
      clean(v, done, budget);
      return v;
    }
    // Shared, or owned elsewhere: a copy, which leaves out what cleaning drops. The original
    // is cleaned where the tree holds it, if it does: following links here would recurse as
    // deep as a chain of links goes (§7.9).
    const copy = budget.copy(linked(v), () => copyClean(v, budget, 0));
    copy.parent = holder;
    return copy;
  }
  if (v instanceof Applied) return cleanApplied(v, holder, done, budget);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const item = v[i];
      if (item instanceof Description || item instanceof Applied || Array.isArray(item)) return v.map((x) => cleanValue(x, null, done, budget));
    }
    return v;
  }
  return v;
}

function cleanApplied(fn: Applied, holder: Description | null, done: Visited, budget: Budget): Applied {
  // A function body that `extends` copies share (one never evaluated: no link phase ran) is
  // made this function's own, as the copy it stands for would have been (§18).
  const v = fn.body.shared ? ownBody(fn) : fn;
  if (done.has(v.body) || holder === null) {
    const body = budget.copy(linked(v.body), () => copyClean(v.body, budget, 0));
    body.eager = false;
    return new Applied(v.kind, body, v.lazy, v.data, v.span);
  }
  clean(v.body, done, budget);
  v.body.eager = false;
  return v;
}

/** Where a copy made here comes from, for a limit's diagnostic. */
function linked(d: Description): () => { what: string; span?: Description['span'] } {
  return () => ({ what: `the description \`${d.path()}\`, which links share`, span: d.span });
}

/** A deep copy without `sfTemp` attributes, checked predicates and placements, counted in `budget`. */
function copyClean(d: Description, budget: Budget, depth: number): Description {
  budget.enter(depth);
  budget.spend(d.attrs.size);
  const c = new Description();
  c.eager = d.eager;
  c.span = d.span;
  for (const [name, attr] of d.attrs) {
    if (dropped(attr)) continue;
    const value = copyValue(attr.value, budget, depth);
    c.attrs.set(name, makeAttr(value, attr.tags ? new Set(attr.tags) : undefined, attr.span));
    if (value instanceof Description) value.parent = c;
  }
  return c;
}

function copyValue(v: Value, budget: Budget, depth: number): Value {
  if (v instanceof Description) return copyClean(v, budget, depth + 1);
  if (v instanceof Applied) {
    const body = copyClean(v.body, budget, depth + 1);
    body.eager = false;
    return new Applied(v.kind, body, v.lazy, v.data, v.span);
  }
  if (Array.isArray(v)) {
    budget.spend(v.length);
    return v.map((x) => copyValue(x, budget, depth + 1));
  }
  return v;
}
