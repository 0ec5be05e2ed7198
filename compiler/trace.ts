/**
 * Provenance recording for `frog explain` (docs/design/language.md §17). A resolution given a
 * `Trace` (ResolveOptions.trace) tells it what the final tree alone cannot say:
 *
 * - the type phase: for every description it merges, each source of the overlay (an inline
 *   body, or a prototype with the description it resolved to) with the names, values and spans
 *   that source brought, taken before the overlay changes them; and for every description copied
 *   from a prototype, the description it is a copy of;
 * - the place phase: every attribute a placement set, with what it replaced;
 * - before linking: the value every attribute had before links, functions and predicates were
 *   replaced by their results;
 * - at the end, before finalisation: the root and the working `sfConfig`.
 *
 * A resolution without a trace pays one null check at each of these places and nothing else.
 * The lookup steps of a reference are not recorded: after linking, a reference's lookup replayed
 * on the working tree takes the same steps (§17).
 */
import type { SourceFile, Span } from '../core/source.js';
import { Applied, Description, Ref, type Attr, type Value } from '../core/values.js';

/** One definition of an attribute as a source of an overlay brought it. */
export interface Written {
  value: Value;
  span: Span | undefined;
}

/** One source of a description's overlay (§7.2), in overlay order. */
export type MergeSource =
  | { kind: 'body'; body: Description; attrs: Map<string, Written> }
  | { kind: 'prototype'; ref: Ref; target: Description | Applied; attrs: Map<string, Written> };

/** Where a copied description comes from: `into extends ref` copied `original`. */
export interface Origin {
  original: Description;
  ref: Ref;
  into: Description;
}

/** A placement that set an attribute: written in `holder` under `key` (`\u0001a:b:c`). */
export interface Placed {
  holder: Description;
  key: string;
  span: Span | undefined;
  value: Value;
  /** The definition it replaced, if the attribute was there before. */
  replaced?: Written;
}

export class Trace {
  readonly merges = new Map<Description, MergeSource[]>();
  readonly origins = new Map<Description, Origin>();
  readonly placements = new Map<Attr, Placed[]>();
  /** Attribute → its value before linking, for every attribute that linking may replace. */
  readonly beforeLink = new Map<Attr, Value>();
  /** The files read by the resolution (set by resolveFile). */
  sources: Map<string, SourceFile> = new Map();
  private readonly copies = new Map<Map<string, Attr>, { ref: Ref; target: Description | Applied }>();
  private linked = false;

  /** `onResolved` is called once the phases succeeded, before finalisation changes the tree. */
  constructor(private readonly onResolved?: (root: Description, working: Description) => void) {}

  /** Type phase: `into extends ref` resolved to `target`, whose copy brings `attrs`. */
  copied(into: Description, ref: Ref, target: Description | Applied, attrs: Map<string, Attr>): void {
    this.copies.set(attrs, { ref, target });
    const original = target instanceof Applied ? target.body : target;
    this.mapAttrs(attrs, original.attrs, { ref, into });
  }

  private mapAttrs(copy: Map<string, Attr>, original: Map<string, Attr>, how: { ref: Ref; into: Description }): void {
    for (const [name, attr] of copy) {
      const o = original.get(name);
      if (o) this.mapValue(attr.value, o.value, how);
    }
  }

  private mapValue(copy: Value, original: Value, how: { ref: Ref; into: Description }): void {
    if (copy instanceof Description && original instanceof Description) {
      this.origins.set(copy, { original, ...how });
      this.mapAttrs(copy.attrs, original.attrs, how);
    } else if (copy instanceof Applied && original instanceof Applied) {
      this.origins.set(copy.body, { original: original.body, ...how });
      this.mapAttrs(copy.body.attrs, original.body.attrs, how);
    } else if (Array.isArray(copy) && Array.isArray(original)) {
      copy.forEach((item, i) => this.mapValue(item, original[i], how));
    }
  }

  /** Type phase: the sources of `cd`'s overlay, just before they are overlaid. */
  merged(cd: Description, prototypes: readonly (Ref | Description)[], sources: readonly Map<string, Attr>[]): void {
    const record: MergeSource[] = [];
    for (const attrs of sources) {
      const written = new Map<string, Written>();
      for (const [name, a] of attrs) written.set(name, { value: a.value, span: a.span });
      const copy = this.copies.get(attrs);
      if (copy) {
        record.push({ kind: 'prototype', ref: copy.ref, target: copy.target, attrs: written });
        this.copies.delete(attrs);
        continue;
      }
      const body = prototypes.find((p): p is Description => p instanceof Description && p.attrs === attrs);
      if (body) record.push({ kind: 'body', body, attrs: written });
    }
    this.merges.set(cd, record);
  }

  /** Place phase: a placement is about to set `attr` (`replaced` when it was there before). */
  placed(attr: Attr, holder: Description, key: string, placement: Attr, replaced?: Attr): void {
    const list = this.placements.get(attr) ?? [];
    list.push({
      holder,
      key,
      span: placement.span,
      value: placement.value,
      ...(replaced ? { replaced: { value: replaced.value, span: replaced.span } } : {}),
    });
    this.placements.set(attr, list);
  }

  /** Before the first phase that resolves links: every value that linking may replace, kept. */
  linking(root: Description): void {
    if (this.linked) return;
    this.linked = true;
    const seen = new Set<Description>();
    const visit = (cd: Description): void => {
      if (seen.has(cd)) return;
      seen.add(cd);
      for (const attr of cd.attrs.values()) {
        const v = attr.value;
        if (v instanceof Ref || v instanceof Applied || Array.isArray(v)) this.beforeLink.set(attr, v);
        visitValue(v);
      }
    };
    const visitValue = (v: Value): void => {
      if (v instanceof Description) visit(v);
      else if (v instanceof Applied) visit(v.body);
      else if (Array.isArray(v)) v.forEach(visitValue);
    };
    visit(root);
  }

  /** The phases succeeded: `working` is the resolved `sfConfig`, not yet finalised. */
  resolved(root: Description, working: Description): void {
    this.onResolved?.(root, working);
  }
}
