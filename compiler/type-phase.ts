/**
 * Type resolution (docs/design/language.md §7.2): expands `extends` everywhere in the tree. A
 * description's attribute list becomes the left-to-right overlay of deep copies of its
 * prototypes. Prototype references are looked up from the description being defined,
 * after its inline bodies are merged (§15-A4, as SmartFrog does). Cycles are detected
 * with an in-progress state and reported with the whole chain.
 */
import type { DiagnosticBag } from '../core/diagnostics.js';
import { Messages, diagnostic } from '../core/messages/index.js';
import { copyDescription } from './copy.js';
import { lookupPath, type LookupHooks } from './lookup.js';
import { Applied, Description, Ref, kindOf, makeAttr, ownAttr, reserveMarks, type Attr, type Value } from '../core/values.js';
import { closestName } from '../core/suggest.js';
import { describeFailure } from './failures.js';
import type { Trace } from './trace.js';
import { Budget, LimitReached, type CopyPlace } from './limits.js';

type State = 'merging' | 'merged' | 'children' | 'done';
const STATES: readonly State[] = ['merging', 'merged', 'children', 'done'];

/**
 * The state of each description in this phase, kept on the descriptions (`mark`, as `Visited`
 * does) rather than in a map with an entry for every description of the tree (§18).
 */
class States {
  private readonly base = reserveMarks(STATES.length);

  get(d: Description): State | undefined {
    const i = d.mark - this.base;
    return i >= 0 && i < STATES.length ? STATES[i] : undefined;
  }

  set(d: Description, s: State): void {
    d.mark = this.base + STATES.indexOf(s);
  }
}

/** Control flow within this phase, never seen by a user: a plain sentinel, not a FrogError (core/errors.ts). */
class PrototypeCycle {
  constructor(readonly at: Description) {}
}

export class TypePhase {
  private readonly state = new States();
  private readonly merging: { cd: Description; ref?: Ref }[] = [];
  private readonly following = new Set<Attr>();
  /** Whether the prototype lookup under way entered a description whose own prototypes failed. */
  private tainted = false;

  constructor(
    private readonly diagnostics: DiagnosticBag,
    private readonly properties: LookupHooks['property'],
    /** The bounds of the resolution (§7.9): copies are counted, prototype chains bounded. */
    private readonly budget: Budget = new Budget(),
    /** Provenance for `frog explain` (docs/design/language.md §17); absent on a normal resolution. */
    private readonly trace?: Trace,
  ) {}

  run(root: Description): void {
    this.ensureDone(root);
  }

  private ensureDone(cd: Description): void {
    const s = this.state.get(cd);
    if (s === 'done') return;
    if (s === 'children' || s === 'merging') throw new PrototypeCycle(cd);
    this.ensureMerged(cd);
    this.state.set(cd, 'children');
    for (const attr of cd.attrs.values()) this.visitValue(attr.value);
    this.state.set(cd, 'done');
  }

  private visitValue(v: Value): void {
    if (v instanceof Description) {
      try {
        this.ensureDone(v);
      } catch (e) {
        if (!(e instanceof PrototypeCycle)) throw e;
        // Reported where the cycle closed; the rest of the tree goes on.
      }
    } else if (v instanceof Applied) {
      this.state.set(v.body, 'children');
      for (const attr of v.body.attrs.values()) this.visitValue(attr.value);
      this.state.set(v.body, 'done');
    } else if (Array.isArray(v)) {
      for (const item of v) this.visitValue(item);
    }
  }

  private ensureMerged(cd: Description): void {
    const s = this.state.get(cd);
    if (s === 'merging') throw new PrototypeCycle(cd);
    if (s !== undefined) return;
    if (!cd.pending) {
      this.state.set(cd, 'merged');
      return;
    }
    this.state.set(cd, 'merging');
    const prototypes = cd.pending;
    const bodies = prototypes.filter((p): p is Description => p instanceof Description);
    const hasReferences = bodies.length < prototypes.length;
    if (hasReferences && bodies.length > 0) {
      // Prototype lookups start in the description with its inline bodies merged (§15-A4).
      // One body is the common case: look through its map instead of copying it.
      if (bodies.length === 1) {
        cd.attrs = bodies[0].attrs;
      } else {
        cd.attrs = new Map();
        for (const b of bodies) for (const [name, attr] of b.attrs) putAttr(cd, name, attr);
      }
    }
    const sources: Map<string, Attr>[] = [];
    for (const p of prototypes) {
      if (p instanceof Description) {
        sources.push(p.attrs);
        continue;
      }
      const target = this.resolvePrototype(cd, p);
      if (!target || (target instanceof Description && target.broken)) cd.broken = true;
      if (!target) continue;
      // Copies share what no phase writes in place (§18); `frog explain` follows every
      // attribute object, so a traced resolution copies everything.
      const share = !this.trace;
      const source =
        target instanceof Applied
          ? this.budget.copy(this.place(cd, p), () => functionSource(target, this.budget, share))
          : this.budget.copy(this.place(cd, p), () => copyDescription(target, this.budget, 0, share)).attrs;
      sources.push(source);
      if (this.trace) this.trace.copied(cd, p, target, source);
    }
    if (this.trace) this.trace.merged(cd, prototypes, sources);
    // Every source is used once (inline bodies, fresh copies), so its attributes move without
    // copying, and the first source's map becomes the description's (§18): the overlay of one
    // map onto nothing is that map. A trace keeps the sources as they were.
    if (this.trace || sources.length === 0) {
      cd.attrs = new Map();
      sources.forEach((attrs, index) => this.overlay(cd, attrs, index));
    } else {
      cd.attrs = sources[0];
      for (const attr of cd.attrs.values()) if (attr.value instanceof Description) attr.value.parent = cd;
      for (let index = 1; index < sources.length; index++) this.overlay(cd, sources[index], index);
    }
    cd.pending = undefined;
    this.state.set(cd, 'merged');
  }

  /** Where a copy of `ref` for `cd` comes from, for a limit's diagnostic: the `extends` and the chain that led to it. */
  private place(cd: Description, ref: Ref): () => CopyPlace {
    return () => ({
      what: `\`${ref.toString()}\` for \`${cd.path()}\``,
      span: ref.span ?? cd.span,
      related: this.merging
        .slice(-3)
        .reverse()
        .filter((m) => m.ref?.span)
        .map((m) => ({ message: `Within \`${m.cd.path()} extends ${m.ref}\`.`, span: m.ref!.span })),
    });
  }

  private overlay(cd: Description, attrs: Map<string, Attr>, index: number): void {
    for (const [name, attr] of attrs) {
      let existing = cd.attrs.get(name);
      if (existing) {
        if (existing.tags?.has('sfFinal') && index > 0) {
          this.diagnostics.add(diagnostic(Messages.FinalOverridden, { name, path: cd.path() }, attr.span ?? cd.span, {
            related: existing.span ? [{ message: 'The final definition.', span: existing.span }] : undefined,
          }));
          continue;
        }
        existing = ownAttr(cd.attrs, name, existing);
        existing.value = attr.value;
        if (attr.tags) existing.tags = new Set([...(existing.tags ?? []), ...attr.tags]);
        if (attr.span) existing.span = attr.span;
        if (attr.value instanceof Description) attr.value.parent = cd;
      } else {
        if (index > 0 && attr.tags?.has('sfOverride')) {
          this.diagnostics.add(diagnostic(Messages.DoesNotOverride, { name, path: cd.path() }, attr.span ?? cd.span));
        }
        cd.attrs.set(name, attr);
        if (attr.value instanceof Description) attr.value.parent = cd;
      }
    }
  }

  private resolvePrototype(cd: Description, ref: Ref): Description | Applied | undefined {
    const path = (): string => cd.path();
    // Built only for a message: most prototypes resolve.
    const refText = (): string => ref.toString();
    if (this.merging.length >= this.budget.maxDepth) {
      // Each link of a prototype chain is a few frames of recursion here: the bound keeps it off the stack's end (§7.9).
      throw new LimitReached(
        diagnostic(Messages.PrototypeChainTooDeep, { max: this.budget.maxDepth, path: path(), ref: refText() }, ref.span ?? cd.span),
      );
    }
    this.merging.push({ cd, ref });
    const outer = this.tainted;
    this.tainted = false;
    try {
      const result = lookupPath(cd, ref.parts, this.hooks(cd));
      if (!result.ok) {
        // Not found inside a description that is incomplete itself: that description's error says it all.
        if (this.tainted) return undefined;
        const cause = describeFailure(result.failure);
        const guess = result.failure.kind === 'notFound' && ref.parts.length === 1 ? closestName(result.failure.name, prototypeNames(cd)) : undefined;
        this.diagnostics.add(diagnostic(Messages.PrototypeNotFound, { ref: refText(), path: path(), cause }, ref.span ?? cd.span, guess ? { hint: `Did you mean \`${guess}\`?` } : {}));
        return undefined;
      }
      const target = result.value;
      if (target instanceof Applied && target.kind === 'apply') {
        // An operator, vector, IF or SWITCH is still a plain function description until the
        // function phase (§7.2, §10.2): it is copied like one, and the copy is a function too.
        this.visitValue(target);
        return target;
      }
      if (!(target instanceof Description)) {
        this.diagnostics.add(
          diagnostic(Messages.PrototypeNotDescription, { ref: refText(), path: path(), found: article(kindOf(target)) }, ref.span ?? cd.span),
        );
        return undefined;
      }
      this.ensureDone(target);
      return target;
    } catch (e) {
      if (!(e instanceof PrototypeCycle)) throw e;
      const start = this.merging.findIndex((m) => m.cd === e.at);
      const chain = this.merging.slice(start >= 0 ? start : 0);
      const names = chain.map((m) => `\`${m.cd.path()} extends ${m.ref?.toString() ?? '{...}'}\``);
      this.diagnostics.add(
        diagnostic(Messages.PrototypeCycle, { path: path(), ref: refText(), cycle: names.join(' → ') }, ref.span ?? cd.span, {
          related: chain.filter((m) => m.ref?.span).map((m) => ({ message: `\`${m.cd.path()}\` extends \`${m.ref}\`.`, span: m.ref!.span })),
        }),
      );
      return undefined;
    } finally {
      this.tainted = outer;
      this.merging.pop();
    }
  }

  /** `defining` is the description whose prototypes are being resolved: its lookups start in it while it is still merging. */
  private hooks(defining?: Description): LookupHooks {
    return {
      enter: (d) => {
        if (d !== defining) this.ensureMerged(d);
        if (d.broken) this.tainted = true;
      },
      value: (holder, name, attr) => {
        const v = attr.value;
        if (v instanceof Ref && !v.lazy && !v.data && !this.following.has(attr)) {
          // A link met while looking up a prototype is followed; a link cycle stops the walk here.
          this.following.add(attr);
          try {
            const r = lookupPath(holder, v.parts, this.hooks());
            if (r.ok) return r.value;
          } finally {
            this.following.delete(attr);
          }
        }
        return v;
      },
      property: this.properties,
    };
  }
}

/**
 * The attributes a function prototype contributes: its body, copied, marked with
 * `phase.function` so that the function phase turns the extending description into a function
 * as it does a template extending `Function` (§7.4); a lazy function stays lazy.
 */
function functionSource(fn: Applied, budget?: Budget, share = false): Map<string, Attr> {
  const attrs = new Map<string, Attr>([['phase.function', makeAttr('ConstructFunction', undefined, fn.span)]]);
  for (const [name, attr] of copyDescription(fn.body, budget, 0, share).attrs) attrs.set(name, attr);
  if (fn.lazy && !attrs.has('sfFunctionLazy')) attrs.set('sfFunctionLazy', makeAttr(true, undefined, fn.span));
  return attrs;
}

function putAttr(cd: Description, name: string, attr: Attr): void {
  let existing = cd.attrs.get(name);
  if (existing) {
    existing = ownAttr(cd.attrs, name, existing);
    existing.value = attr.value;
    if (attr.tags) existing.tags = new Set([...(existing.tags ?? []), ...attr.tags]);
  } else {
    cd.attrs.set(name, { ...attr, tags: attr.tags ? new Set(attr.tags) : undefined, shared: false });
  }
  if (attr.value instanceof Description) attr.value.parent = cd;
}

export function article(kind: string): string {
  return /^[AEIOU]/.test(kind) ? `an ${kind}` : `a ${kind}`;
}

/** The names a one-word prototype reference could have meant: descriptions in scope, nearest first. */
function* prototypeNames(cd: Description): Generator<string> {
  const seen = new Set<string>();
  for (let scope: Description | null = cd; scope; scope = scope.parent) {
    for (const [name, attr] of scope.attrs) {
      if (seen.has(name) || !(attr.value instanceof Description || attr.value instanceof Applied)) continue;
      seen.add(name);
      yield name;
    }
  }
}
