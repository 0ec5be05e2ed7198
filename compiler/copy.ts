/** Deep copies of values: `extends` copies its prototypes, and finalisation breaks sharing. */
import { Applied, Description, makeAttr, type Attr, type Value } from '../core/values.js';

export function copyValue(v: Value): Value {
  if (v instanceof Description) return copyDescription(v);
  if (v instanceof Applied) return new Applied(v.kind, copyDescription(v.body), v.lazy, v.data, v.span);
  if (Array.isArray(v)) return v.map(copyValue);
  return v;
}

export function copyAttr(a: Attr): Attr {
  return makeAttr(copyValue(a.value), a.tags ? new Set(a.tags) : undefined, a.span, a.placement);
}

export function copyDescription(d: Description): Description {
  const c = new Description();
  c.eager = d.eager;
  c.span = d.span;
  if (d.broken) c.broken = true;
  if (d.pending) c.pending = d.pending.map((p) => (p instanceof Description ? reparent(copyDescription(p), c) : p));
  for (const [name, attr] of d.attrs) {
    const a = copyAttr(attr);
    c.attrs.set(name, a);
    if (a.value instanceof Description) a.value.parent = c;
  }
  return c;
}

function reparent(d: Description, parent: Description): Description {
  d.parent = parent;
  return d;
}
