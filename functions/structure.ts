/**
 * Structural operations on values that the built-ins need: deep copies (`Set` makes copies
 * of its element) and structural equality (`EQ`/`NE`, docs/design/language.md §10.4).
 */
import { Applied, Description, Ref, SfDouble, SfFloat, type Value } from '../core/values.js';

/** A deep copy: descriptions (with tags and parents), vectors, byte arrays and function bodies are new. */
export function copyValue(v: Value): Value {
  if (Array.isArray(v)) return v.map(copyValue);
  if (v instanceof Uint8Array) return new Uint8Array(v);
  if (v instanceof Description) return copyDescription(v);
  if (v instanceof Applied) {
    const body = copyDescription(v.body);
    body.parent = v.body.parent;
    return new Applied(v.kind, body, v.lazy, v.data, v.span);
  }
  return v; // numbers, strings, booleans, NULL, TBD and the immutable SfFloat, SfDouble, Ref
}

/** A deep copy of a description; the copy has no parent. */
export function copyDescription(d: Description): Description {
  const copy = new Description();
  copy.eager = d.eager;
  copy.span = d.span;
  for (const [name, attr] of d.attrs) {
    const value = copyValue(attr.value);
    copy.attrs.set(name, { ...attr, value, tags: attr.tags ? new Set(attr.tags) : undefined });
    if (value instanceof Description) value.parent = copy;
    else if (value instanceof Applied) value.body.parent = copy;
  }
  return copy;
}

/**
 * Structural equality including the kind, as Java's `equals` on SmartFrog's values:
 * `1 == 1L` is false; floats and doubles compare by bits (NaN equals NaN, 0.0 differs from
 * -0.0); vectors element-wise; byte arrays by content; descriptions by their attribute
 * names and values (order and tags ignored, as Java's Hashtable.equals); references by
 * their text and flags; functions by kind, flags and body.
 */
export function valuesEqual(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof SfFloat) return b instanceof SfFloat && Object.is(a.value, b.value);
  if (a instanceof SfDouble) return b instanceof SfDouble && Object.is(a.value, b.value);
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => valuesEqual(x, b[i]));
  }
  if (a instanceof Uint8Array) {
    return b instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i]);
  }
  if (a instanceof Description) return b instanceof Description && descriptionsEqual(a, b);
  if (a instanceof Ref) {
    return (
      b instanceof Ref &&
      a.toString() === b.toString() &&
      a.lazy === b.lazy &&
      a.data === b.data &&
      a.optional === b.optional &&
      (a.defaultValue === undefined ? b.defaultValue === undefined : b.defaultValue !== undefined && valuesEqual(a.defaultValue, b.defaultValue))
    );
  }
  if (a instanceof Applied) {
    return b instanceof Applied && a.kind === b.kind && a.lazy === b.lazy && a.data === b.data && descriptionsEqual(a.body, b.body);
  }
  return false;
}

function descriptionsEqual(a: Description, b: Description): boolean {
  if (a.attrs.size !== b.attrs.size) return false;
  for (const [name, attr] of a.attrs) {
    const other = b.attrs.get(name);
    if (!other || !valuesEqual(attr.value, other.value)) return false;
  }
  return true;
}
