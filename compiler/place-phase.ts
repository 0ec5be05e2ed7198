/**
 * Placement resolution (docs/design/language.md §7.3): an attribute named `p1:...:pk:name` moves into
 * the description at `p1:...:pk`, found with HERE lookups from where it was written (an eager
 * link on the way is followed to the description it designates). Passes
 * repeat until nothing is pending or a pass makes no progress, so that a placement may
 * target a description created by a later placement.
 */
import type { DiagnosticBag } from '../core/diagnostics.js';
import { Messages, diagnostic } from '../core/messages/index.js';
import { Applied, Description, Ref, kindOf, makeAttr, ownAttr, Visited, type Attr, type Value } from '../core/values.js';
import { lookupPath, type LookupFailure } from './lookup.js';
import { article } from './type-phase.js';
import type { Trace } from './trace.js';

interface Pending {
  holder: Description;
  key: string;
  attr: Attr;
}

const MAX_PASSES = 10_000;

/** `trace`: provenance for `frog explain` (docs/design/language.md §17), absent on a normal resolution. */
export function placePhase(root: Description, diagnostics: DiagnosticBag, trace?: Trace): void {
  // One walk finds every placement; a placed description is searched for further ones.
  let pending = collect(root, new Visited());
  const seen = new Visited();
  for (let pass = 0; pass < MAX_PASSES && pending.length > 0; pass++) {
    const waiting: Pending[] = [];
    let progress = false;
    for (const p of pending) {
      if (p.holder.attrs.get(p.key) !== p.attr) continue;
      const target = findTarget(p.holder, p.attr.placement!);
      if (!target) {
        waiting.push(p);
        continue;
      }
      progress = true;
      const name = p.key.slice(p.key.lastIndexOf(':') + 1);
      let existing = target.attrs.get(name);
      p.holder.attrs.delete(p.key);
      if (existing?.tags?.has('sfFinal')) {
        diagnostics.add(diagnostic(Messages.PlacementFinal, { name, path: target.path() }, p.attr.span));
        continue;
      }
      if (existing) {
        if (trace) trace.placed(existing, p.holder, p.key, p.attr, existing);
        existing = ownAttr(target.attrs, name, existing);
        existing.value = p.attr.value;
        if (p.attr.tags) existing.tags = new Set([...(existing.tags ?? []), ...p.attr.tags]);
        if (p.attr.span) existing.span = p.attr.span;
      } else {
        const placed = makeAttr(p.attr.value, p.attr.tags, p.attr.span);
        target.attrs.set(name, placed);
        if (trace) trace.placed(placed, p.holder, p.key, p.attr);
      }
      if (p.attr.value instanceof Description) {
        p.attr.value.parent = target;
        waiting.push(...collect(p.attr.value, seen));
      }
    }
    pending = waiting;
    if (!progress) break;
  }
  for (const p of pending) {
    if (afterBroken(p.holder, p.attr.placement!)) {
      // Its target is missing because a prototype failed there: that error says it all.
      p.holder.attrs.delete(p.key);
      continue;
    }
    diagnostics.add(
      diagnostic(Messages.PlacementUnresolved, {
        name: p.key.slice(1),
        path: p.holder.path(),
        cause: whyNoTarget(p.holder, p.attr.placement!),
      }, p.attr.span),
    );
    p.holder.attrs.delete(p.key);
  }
}

function collect(root: Description, seen: Visited): Pending[] {
  const out: Pending[] = [];
  const visit = (cd: Description): void => {
    if (seen.has(cd)) return;
    seen.add(cd);
    for (const [key, attr] of cd.attrs) {
      if (attr.placement) out.push({ holder: cd, key, attr });
      visitValue(attr.value);
    }
  };
  const visitValue = (v: unknown): void => {
    if (v instanceof Description) visit(v);
    else if (v instanceof Applied) visit(v.body);
    else if (Array.isArray(v)) v.forEach(visitValue);
  };
  visit(root);
  return out;
}

/** Whether the placement is written in, or its path goes through, a description whose prototypes failed. */
function afterBroken(holder: Description, path: readonly string[]): boolean {
  for (let d: Description | null = holder; d; d = d.parent) if (d.broken) return true;
  return walk(holder, path).broken;
}

/** Why `findTarget` found nothing: the first part of the path that is missing, or not a description. */
function whyNoTarget(from: Description, path: readonly string[]): string {
  const step = walk(from, path);
  return step.ok ? `Reference not found: \`HERE ${path.join(':')}\`` : step.why;
}

function findTarget(from: Description, path: readonly string[]): Description | undefined {
  const step = walk(from, path);
  return step.ok ? step.cd : undefined;
}

type Step = { ok: true; cd: Description; broken: boolean } | { ok: false; why: string; broken: boolean };

/** A link on the path that cannot be followed; `why` completes "`HERE prefix` ...". */
class Unfollowable extends Error {
  constructor(readonly why: string) {
    super(why);
  }
}

/**
 * Walks a placement path from the body it was written in: each part a HERE lookup. A part
 * holding an eager link goes on in the description the link designates, resolved as any
 * reference from the description holding it (chained links followed); a LAZY or DATA link
 * is not followed (docs/design/language.md §7.3).
 */
function walk(from: Description, path: readonly string[]): Step {
  let cd: Description = from;
  let broken = false;
  for (let i = 0; i < path.length; i++) {
    const attr = cd.attrs.get(path[i]);
    // Built only for a message: most placements find their target.
    const prefix = (): string => path.slice(0, i + 1).join(':');
    if (!attr || attr.placement) return { ok: false, why: `Reference not found: \`HERE ${prefix()}\``, broken };
    let v: Value = attr.value;
    if (v instanceof Ref) {
      try {
        v = follow(cd, attr, new Set(), () => {
          broken = true;
        });
      } catch (e) {
        if (!(e instanceof Unfollowable)) throw e;
        return { ok: false, why: `\`HERE ${prefix()}\` ${e.why}`, broken };
      }
    }
    if (!(v instanceof Description)) {
      const how = attr.value instanceof Ref ? `is a link to ${article(kindOf(v))}` : `is ${article(kindOf(v))}`;
      return { ok: false, why: `\`HERE ${prefix()}\` ${how}, not a component description`, broken };
    }
    if (v.broken) broken = true;
    cd = v;
  }
  return { ok: true, cd, broken };
}

/** The value of an attribute met on a placement path, eager links followed; throws Unfollowable. */
function follow(holder: Description, attr: Attr, visiting: Set<Attr>, onBroken: () => void): Value {
  const v = attr.value;
  if (!(v instanceof Ref)) return v;
  if (v.lazy || v.data) {
    throw new Unfollowable(`holds a ${v.lazy ? 'LAZY' : 'DATA'} link (\`${v.lazy ? 'LAZY' : 'DATA'} ${v.toString()}\`), which a placement does not follow`);
  }
  if (visiting.has(attr)) throw new Unfollowable(`holds a link (\`${v.toString()}\`) that leads round in a cycle`);
  visiting.add(attr);
  try {
    const result = lookupPath(holder, v.parts, {
      enter: (d) => {
        if (d.broken) onBroken();
      },
      value: (h, _name, found) => follow(h, found, visiting, onBroken),
    });
    if (result.ok) return result.value;
    if (v.optional) return v.defaultValue ?? null;
    // A link target may be created by a placement still pending: the caller waits for it.
    throw new Unfollowable(`holds a link (\`${v.toString()}\`) that does not resolve: ${failureText(result.failure)}`);
  } finally {
    visiting.delete(attr);
  }
}

function failureText(f: LookupFailure): string {
  switch (f.kind) {
    case 'notFound':
      return `no \`${f.name}\` in \`${f.stoppedAt}\``;
    case 'throughValue':
      return `\`${f.stoppedAt}\` is ${article(kindOf(f.found))}`;
    case 'parentOfRoot':
      return `\`${f.stoppedAt}\` has no parent`;
    case 'unsupported':
      return `\`${f.part}\` cannot be resolved at compile time`;
  }
}
