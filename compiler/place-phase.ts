/**
 * Placement resolution (docs/design/language.md §7.3): an attribute named `p1:...:pk:name` moves into
 * the description at `p1:...:pk`, found with HERE lookups from where it was written. Passes
 * repeat until nothing is pending or a pass makes no progress, so that a placement may
 * target a description created by a later placement.
 */
import type { DiagnosticBag } from '../core/diagnostics.js';
import { Messages, diagnostic } from '../core/messages/index.js';
import { Applied, Description, kindOf, makeAttr, type Attr } from '../core/values.js';
import { article } from './type-phase.js';

interface Pending {
  holder: Description;
  key: string;
  attr: Attr;
}

const MAX_PASSES = 10_000;

export function placePhase(root: Description, diagnostics: DiagnosticBag): void {
  // One walk finds every placement; a placed description is searched for further ones.
  let pending = collect(root, new Set());
  const seen = new Set<Description>();
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
      const name = p.key.slice(1).split(':').pop()!;
      const existing = target.attrs.get(name);
      p.holder.attrs.delete(p.key);
      if (existing?.tags?.has('sfFinal')) {
        diagnostics.add(diagnostic(Messages.PlacementFinal, { name, path: target.path() }, p.attr.span));
        continue;
      }
      if (existing) {
        existing.value = p.attr.value;
        if (p.attr.tags) existing.tags = new Set([...(existing.tags ?? []), ...p.attr.tags]);
        if (p.attr.span) existing.span = p.attr.span;
      } else {
        target.attrs.set(name, makeAttr(p.attr.value, p.attr.tags, p.attr.span));
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

function collect(root: Description, seen: Set<Description>): Pending[] {
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
  let cd: Description = holder;
  for (const name of path) {
    const v = cd.attrs.get(name)?.value;
    if (!(v instanceof Description)) return false;
    if (v.broken) return true;
    cd = v;
  }
  return false;
}

/** Why `findTarget` found nothing: the first name on the path that is missing, or not a description. */
function whyNoTarget(from: Description, path: readonly string[]): string {
  let cd: Description = from;
  for (let i = 0; i < path.length; i++) {
    const attr = cd.attrs.get(path[i]);
    const prefix = path.slice(0, i + 1).join(':');
    if (!attr || attr.placement) return `Reference not found: \`HERE ${prefix}\``;
    if (!(attr.value instanceof Description)) return `\`HERE ${prefix}\` is ${article(kindOf(attr.value))}, not a component description`;
    cd = attr.value;
  }
  return `Reference not found: \`HERE ${path.join(':')}\``;
}

function findTarget(from: Description, path: readonly string[]): Description | undefined {
  let cd: Description = from;
  for (const name of path) {
    const attr = cd.attrs.get(name);
    if (!attr || attr.placement || !(attr.value instanceof Description)) return undefined;
    cd = attr.value;
  }
  return cd;
}
