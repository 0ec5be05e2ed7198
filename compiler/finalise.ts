/**
 * Finalisation (docs/design/language.md §7.8): the output tree has no two attributes sharing a
 * description, no `sfTemp` attributes and no predicates that were checked at compile time.
 *
 * The working tree becomes the output in place: type resolution already gave every
 * description its own copy, so only a description reached a second time (a link to a
 * description, which the link phase resolves to the same object) or reached from outside
 * its parent is copied. Copies are made from the cleaned original, so they are clean too.
 */
import { Applied, Description, makeAttr, type Attr, type Value } from '../core/values.js';
import { CHECKED } from './link-phase.js';

export function finalise(cd: Description): Description {
  const done = new Set<Description>();
  clean(cd, done);
  cd.parent = null;
  return cd;
}

/** What the output leaves out: `sfTemp` attributes, predicates checked at compile time, placements. */
function dropped(attr: Attr): boolean {
  return Boolean(attr.tags?.has('sfTemp') || (attr.value as unknown) === CHECKED || attr.placement);
}

/** Cleans `d` in place; every description below it is cleaned in place or replaced by a copy. */
function clean(d: Description, done: Set<Description>): void {
  done.add(d);
  d.pending = undefined;
  for (const [name, attr] of d.attrs) {
    if (dropped(attr)) {
      d.attrs.delete(name);
      continue;
    }
    attr.value = cleanValue(attr.value, d, done);
    attr.linkState = 0;
  }
}

/** `holder` is the description whose attribute holds `v`; null inside a vector (its descriptions have no parent). */
function cleanValue(v: Value, holder: Description | null, done: Set<Description>): Value {
  if (v instanceof Description) {
    if (v.parent === holder && !done.has(v)) {
      clean(v, done);
      return v;
    }
    // Shared, or owned elsewhere: a copy of the (cleaned) original.
    if (!done.has(v)) clean(v, done);
    const copy = copyClean(v);
    copy.parent = holder;
    return copy;
  }
  if (v instanceof Applied) {
    if (done.has(v.body) || holder === null) {
      const body = copyClean(v.body);
      body.eager = false;
      return new Applied(v.kind, body, v.lazy, v.data, v.span);
    }
    clean(v.body, done);
    v.body.eager = false;
    return v;
  }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const item = v[i];
      if (item instanceof Description || item instanceof Applied || Array.isArray(item)) return v.map((x) => cleanValue(x, null, done));
    }
    return v;
  }
  return v;
}

/** A deep copy without `sfTemp` attributes, checked predicates and placements. */
function copyClean(d: Description): Description {
  const c = new Description();
  c.eager = d.eager;
  c.span = d.span;
  for (const [name, attr] of d.attrs) {
    if (dropped(attr)) continue;
    const value = copyValue(attr.value);
    c.attrs.set(name, makeAttr(value, attr.tags ? new Set(attr.tags) : undefined, attr.span));
    if (value instanceof Description) value.parent = c;
  }
  return c;
}

function copyValue(v: Value): Value {
  if (v instanceof Description) return copyClean(v);
  if (v instanceof Applied) {
    const body = copyClean(v.body);
    body.eager = false;
    return new Applied(v.kind, body, v.lazy, v.data, v.span);
  }
  if (Array.isArray(v)) return v.map(copyValue);
  return v;
}
