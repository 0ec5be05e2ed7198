/**
 * Finalisation (language.md §7.8): the output tree is a deep copy of the working tree, so
 * that no two attributes share a description, without `sfTemp` attributes and without
 * predicates that were checked at compile time.
 */
import { Applied, Description, type Value } from './values.js';
import { CHECKED } from './link-phase.js';

export function finalise(cd: Description): Description {
  const out = copyClean(cd);
  out.parent = null;
  return out;
}

function copyClean(d: Description): Description {
  const c = new Description();
  c.eager = d.eager;
  c.span = d.span;
  for (const [name, attr] of d.attrs) {
    if (attr.tags?.has('sfTemp')) continue;
    if ((attr.value as unknown) === CHECKED) continue;
    if (attr.placement) continue;
    const value = cleanValue(attr.value);
    c.attrs.set(name, { value, tags: attr.tags ? new Set(attr.tags) : undefined, span: attr.span });
    if (value instanceof Description) value.parent = c;
  }
  return c;
}

function cleanValue(v: Value): Value {
  if (v instanceof Description) return copyClean(v);
  if (v instanceof Applied) {
    const body = copyClean(v.body);
    body.eager = false;
    return new Applied(v.kind, body, v.lazy, v.data, v.span);
  }
  if (Array.isArray(v)) return v.map(cleanValue);
  return v;
}
