/**
 * `frog explain FILE PATH`: why an attribute has its value (docs/design/language.md §17). The
 * file is resolved with a Trace (compiler/trace.ts); once the phases succeed, and before
 * finalisation changes the tree, the attribute is found and its story told as a list of steps,
 * each with its span:
 *
 * 1. where its final definition was written: the chain of prototypes (`extends`) and copies that
 *    carried it, with every definition it overrode, or the placement that set it;
 * 2. how that definition became the value: a reference's lookup replayed part by part on the
 *    linked tree (where it takes the same steps as linking did), then the story of the attribute
 *    it found; a function's expression and each operand's value; a LAZY link's value now.
 */
import { relative, isAbsolute } from 'node:path';
import type { Diagnostic } from '../core/diagnostics.js';
import { Messages, diagnostic } from '../core/messages/index.js';
import { parseRefText, RefTextError } from '../core/ref-text.js';
import { renderCodeFrame, renderLocation } from '../core/render.js';
import type { SourceFile, Span } from '../core/source.js';
import { closestName } from '../core/suggest.js';
import { encodeValue } from '../core/canonical.js';
import { Applied, Description, Ref, TBD, kindOf, refPartText, type RefPart, type Value } from '../core/values.js';
import type { EncodedValue } from '../core/plan-types.js';
import { FUNCTION_PREFIX } from '../functions/ids.js';
import { describeFailure } from './failures.js';
import { CHECKED, type LinkOptions } from './link-phase.js';
import { lookupPath, type LookupHooks } from './lookup.js';
import { resolveFile, type ResolveOptions } from './resolve.js';
import { Trace, type Written } from './trace.js';
import { article } from './type-phase.js';
import { valueText } from './unparse.js';

export type ExplainStepKind =
  /** A definition written in a body (or a file): where the value comes from. */
  | 'written'
  /** A description took the attribute from one of its prototypes. */
  | 'inherited'
  /** A description is a copy of another, made when a prototype was copied. */
  | 'copied'
  /** An earlier definition that the one above replaced. */
  | 'overridden'
  /** A placement (`a:b:c value`) set the attribute. */
  | 'placed'
  /** The function phase turned the description into a function. */
  | 'constructed'
  /** The value is an eager link, looked up while compiling. */
  | 'link'
  /** One part of a reference's lookup. */
  | 'lookup'
  /** A LAZY link or function: resolved at run time. */
  | 'lazy'
  /** A DATA reference: never resolved. */
  | 'data'
  /** A function or predicate and its result. */
  | 'function'
  /** An operand of a function, or an item of a vector. */
  | 'operand'
  /** Anything else worth saying (an OPTIONAL default, a lookup that fails now, a repeat). */
  | 'note';

export interface ExplainStep {
  kind: ExplainStepKind;
  /** Nesting: 0 for the attribute's own story, deeper for what a step depends on. */
  depth: number;
  /** One sentence. */
  message: string;
  span?: Span;
  /** The value at this step, as `.sf` text, when there is one. */
  value?: string;
}

export interface Explanation {
  /** The attribute's path where it is (`sfConfig:web:dbPort`). */
  path: string;
  /** The resolved value (before finalisation). */
  value: Value;
  steps: ExplainStep[];
}

export interface ExplainResult {
  /** Absent when the file has errors or the path names no attribute (see diagnostics). */
  explanation?: Explanation;
  diagnostics: Diagnostic[];
  sources: Map<string, SourceFile>;
}

/**
 * Resolves `file` and explains the attribute at `attributePath`: names separated by `:`,
 * starting in `sfConfig` (`web:port`; `sfConfig:web:port` too), or at the root with `ROOT:`.
 */
export function explainFile(file: string, attributePath: string, options: ResolveOptions = {}): ExplainResult {
  let parts: RefPart[] | undefined;
  let pathError: Diagnostic | undefined;
  try {
    parts = parseRefText(attributePath);
    const bad = parts.findIndex((p, i) => !(p.kind === 'WORD' || p.kind === 'HERE' || (p.kind === 'ROOT' && i === 0)));
    if (bad >= 0) {
      pathError = diagnostic(Messages.ExplainPathInvalid, { target: attributePath, reason: `\`${refPartText(parts[bad], bad)}\` is not an attribute name` });
    } else if (parts.length === 1 && parts[0].kind === 'ROOT') {
      pathError = diagnostic(Messages.ExplainPathInvalid, { target: attributePath, reason: 'it names no attribute' });
    }
  } catch (e) {
    if (!(e instanceof RefTextError)) throw e;
    pathError = diagnostic(Messages.ExplainPathInvalid, { target: attributePath, reason: e.reason });
  }
  let explanation: Explanation | undefined;
  let notFound: Diagnostic | undefined;
  const trace = new Trace((root, working) => {
    if (!parts || pathError) return;
    const found = findAttribute(root, working, parts, attributePath);
    if ('error' in found) {
      notFound = found.error;
      return;
    }
    explanation = new Explainer(trace, options).explain(found.holder, found.name);
  });
  const result = resolveFile(file, { ...options, trace });
  const diagnostics = [...result.diagnostics];
  const failed = diagnostics.some((d) => d.severity === 'error');
  if (!failed && pathError) diagnostics.push(pathError);
  if (!failed && notFound) diagnostics.push(notFound);
  return { explanation: failed ? undefined : explanation, diagnostics, sources: result.sources };
}

/** The attribute a path names: its holder and name, or the error. */
function findAttribute(root: Description, working: Description, parts: RefPart[], target: string): { holder: Description; name: string } | { error: Diagnostic } {
  let cd = working;
  let i = 0;
  if (parts[0].kind === 'ROOT') {
    cd = root;
    i = 1;
  } else if (parts[0].name === 'sfConfig' && !working.attrs.has('sfConfig') && root.attrs.has('sfConfig')) {
    // `sfConfig:web:port`: the same as `web:port` (sfConfig is the root's attribute).
    cd = root;
  }
  for (; ; i++) {
    const name = parts[i].name ?? '';
    const attr = cd.attrs.get(name);
    if (!attr || attr.placement) {
      const names = [...cd.attrs.entries()].filter(([, a]) => !a.placement).map(([n]) => n);
      const guess = closestName(name, names);
      return { error: diagnostic(Messages.ExplainPathNotFound, { target, name, path: cd.path() }, undefined, guess ? { hint: `Did you mean \`${guess}\`?` } : {}) };
    }
    if (i === parts.length - 1) return { holder: cd, name };
    const v = attr.value;
    if (!(v instanceof Description)) {
      const prefix = parts.slice(0, i + 1).map(refPartText).join(':');
      return { error: diagnostic(Messages.ExplainPathThroughValue, { target, prefix, found: article(kindOf(v)) }) };
    }
    cd = v;
  }
}

/** Thrown inside a replayed lookup that cannot go on now (a LAZY function, a cycle). */
class Stop {
  constructor(readonly why: string) {}
}

const NOT_OPERANDS = new Set(['sfFunctionClass', 'sfFunctionLazy', 'sfFunctionData']);
const MAX_DEPTH = 24;

class Explainer {
  private readonly steps: ExplainStep[] = [];
  /** The attributes whose story is being told, so that a LAZY cycle is told once. */
  private readonly telling = new Set<object>();
  /** The links followed by the replay under way. */
  private readonly following = new Set<object>();
  /** How to name a function's body (its attribute holds the result now, so it has no path). */
  private readonly labels = new Map<Description, string>();

  constructor(
    private readonly trace: Trace,
    private readonly options: LinkOptions,
  ) {}

  /** A description for a sentence, quoted: `sfConfig:web`, or the function a body belongs to. */
  private where(cd: Description): string {
    return this.labels.get(cd) ?? `\`${cd.path()}\``;
  }

  /** The path of `holder:name` for a sentence, quoted. */
  private whereAttr(holder: Description, name: string): string {
    const label = this.labels.get(holder);
    return label ? `\`${name}\` of ${label}` : `\`${pathOf(holder, name)}\``;
  }

  explain(holder: Description, name: string): Explanation {
    this.attribute(holder, name, 0);
    return { path: pathOf(holder, name), value: holder.attrs.get(name)!.value, steps: this.steps };
  }

  private step(kind: ExplainStepKind, depth: number, message: string, span?: Span, value?: Value): void {
    this.steps.push({ kind, depth, message, ...(span ? { span } : {}), ...(value !== undefined ? { value: this.plain(value) } : {}) });
  }

  /** The whole story of `holder:name`: where its definition was written, then how it became its value. */
  private attribute(holder: Description, name: string, depth: number): void {
    const attr = holder.attrs.get(name);
    if (!attr) return;
    if (this.telling.has(attr) || depth > MAX_DEPTH) {
      this.step('note', depth, `The story of ${this.whereAttr(holder, name)} is told above.`, attr.span);
      return;
    }
    this.telling.add(attr);
    try {
      const written = this.trace.beforeLink.get(attr) ?? attr.value;
      const placed = this.trace.placements.get(attr);
      let origin: Written | undefined;
      if (placed?.length) {
        const p = placed[placed.length - 1];
        this.step('placed', depth, `The placement \`${p.key.slice(1)}\` in ${this.where(p.holder)} sets \`${name}\` of ${this.where(holder)} to ${this.text(p.value)}.`, p.span, p.value);
        // Where the placement itself comes from, when a prototype brought it.
        const before = this.steps.length;
        origin = this.history(p.holder, p.key, depth + 1, { value: p.value, span: p.span });
        if (this.steps.length === before + 1 && this.steps[before].kind === 'written') this.steps.pop();
        if (p.replaced) {
          this.step('overridden', depth + 1, `It replaces ${this.text(p.replaced.value)}, defined before placement:`, p.replaced.span, p.replaced.value);
          this.history(holder, name, depth + 2, p.replaced);
        }
      } else {
        origin = this.history(holder, name, depth, { value: written, span: attr.span });
      }
      if (origin?.value instanceof Description && written instanceof Applied) {
        this.step('constructed', depth, `The function phase makes this description a ${written.kind === 'apply' ? 'function' : 'predicate'} (it carries \`phase.function\`).`, origin.value.span);
      }
      this.derive(written, attr.value, holder, name, depth);
      const v = attr.value;
      if (v instanceof Description) {
        for (const s of this.trace.merges.get(v) ?? []) {
          if (s.kind !== 'prototype') continue;
          const target = s.target instanceof Applied ? s.target.body : s.target;
          this.step('inherited', depth + 1, `${this.where(v)} extends \`${s.ref}\`${protoPath(s.ref, target)}: it starts as a copy of it.`, s.ref.span);
        }
      }
      if (attr.tags?.has('sfTemp')) this.step('note', depth, `\`${name}\` is tagged \`sfTemp\`: it is left out of the output.`, attr.span);
    } finally {
      this.telling.delete(attr);
    }
  }

  /**
   * Where the definition of `cd:name` that survived type resolution was written: through the
   * prototypes and copies that carried it, with what it overrode at each level. Gives that
   * definition.
   */
  private history(cd: Description, name: string, depth: number, fallback: Written): Written {
    const shown = name.startsWith('\u0001') ? name.slice(1) : name;
    const sources = this.trace.merges.get(cd)?.filter((s) => s.attrs.has(name)) ?? [];
    if (sources.length) {
      const last = sources[sources.length - 1];
      const w = last.attrs.get(name)!;
      let result = w;
      if (last.kind === 'body') {
        this.step('written', depth, `${this.where(cd)} sets \`${shown}\` to ${this.text(w.value)}.`, w.span, w.value);
      } else {
        const target = last.target instanceof Applied ? last.target.body : last.target;
        this.step('inherited', depth, `${this.where(cd)} inherits \`${shown}\` from its prototype \`${last.ref}\`${protoPath(last.ref, target)}.`, last.ref.span);
        result = this.history(target, name, depth, w);
      }
      for (let i = sources.length - 2; i >= 0; i--) {
        const s = sources[i];
        const o = s.attrs.get(name)!;
        const from = s.kind === 'body' ? `the body of ${this.where(cd)}` : `its prototype \`${s.ref}\``;
        this.step('overridden', depth + 1, `That overrides ${this.text(o.value)} from ${from}.`, o.span, o.value);
      }
      return result;
    }
    const origin = this.trace.origins.get(cd);
    if (origin) {
      this.step('copied', depth, `${this.where(cd)} is a copy of ${this.where(origin.original)}, made by \`${origin.into.path()} extends ${origin.ref}\`.`, origin.ref.span);
      return this.history(origin.original, name, depth, fallback);
    }
    this.step('written', depth, `${this.where(cd)} sets \`${shown}\` to ${this.text(fallback.value)}.`, fallback.span, fallback.value);
    return fallback;
  }

  /** How the written value `written` became `final`, the value of `holder:name`. */
  private derive(written: Value, final: Value, holder: Description, name: string, depth: number): void {
    if (written instanceof Ref) this.reference(written, final, holder, depth);
    else if (written instanceof Applied) this.function(written, final, holder, name, depth);
    else if (Array.isArray(written) && Array.isArray(final)) {
      written.forEach((item, i) => {
        if (!(item instanceof Ref || item instanceof Applied)) return;
        this.step('operand', depth, `Item ${i + 1} of the vector is ${this.text(final[i])}.`, spanOf(item), final[i]);
        this.derive(item, final[i], holder, name, depth + 1);
      });
    }
  }

  private reference(ref: Ref, final: Value, holder: Description, depth: number): void {
    const text = valueText(ref);
    if (ref.data) {
      this.step('data', depth, `\`${text}\` is a DATA reference: it stays as it is and is never resolved.`, ref.span);
      return;
    }
    const from = this.where(holder);
    if (ref.lazy) {
      this.step('lazy', depth, `\`${text}\` is a LAZY link: it is resolved at run time, from ${from}. Resolved now, it would take these steps:`, ref.span);
    } else if (final instanceof Ref && final.lazy) {
      this.step('lazy', depth, `\`${text}\` is a link, looked up from ${from}; the lookup reaches a LAZY value, so the link stays LAZY and is resolved at run time. Its steps now:`, ref.span);
    } else if (final instanceof Ref) {
      // An attribute outside sfConfig that no link reached: templates are not linked (§7.5).
      this.step('note', depth, `\`${text}\` is a link that is not resolved: it is outside sfConfig, where only what a link reaches is resolved. Resolved now, it would take these steps:`, ref.span);
    } else {
      this.step('link', depth, `The link \`${text}\` is looked up from ${from}:`, ref.span);
    }
    const found = this.lookup(ref, holder, depth + 1);
    if (!found && ref.optional) this.step('note', depth + 1, `\`${text}\` is OPTIONAL: not found, it gives its default, ${this.text(ref.defaultValue ?? null)}.`, ref.span);
  }

  /**
   * Replays a reference's lookup part by part, one step each; then tells the story of the
   * attribute it found. Each prefix is looked up on its own, with the same code as linking
   * (compiler/lookup.ts); on the linked tree it takes the same steps. Gives whether it succeeded.
   */
  private lookup(ref: Ref, holder: Description, depth: number): boolean {
    const parts = ref.parts;
    let scope: Value = holder;
    let last: { holder: Description; name: string } | undefined;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      let top: { holder: Description; name: string } | undefined;
      let result;
      try {
        result = lookupPath(holder, parts.slice(0, i + 1), this.replayHooks((h, n) => (top = { holder: h, name: n })));
      } catch (e) {
        if (!(e instanceof Stop)) throw e;
        this.step('note', depth, `Step ${i + 1}: \`${refPartText(part, i)}\` ${e.why}.`, ref.span);
        return false;
      }
      if (!result.ok) {
        this.step('note', depth, `Step ${i + 1}: ${describeFailure(result.failure)}.`, ref.span);
        return false;
      }
      const value = result.value;
      const partText = refPartText(part, i);
      if (top && (part.kind === 'WORD' || part.kind === 'ATTRIB' || part.kind === 'HERE')) {
        const attr = top.holder.attrs.get(top.name);
        const where = scope instanceof Description && top.holder !== scope
          ? `is not in ${this.where(scope)}; found in ${this.where(top.holder)}`
          : `found in ${this.where(top.holder)}`;
        // A link met on the way (LAZY, or not linked) is followed: say what it holds and gives.
        const held = attr?.value;
        const what = held instanceof Ref && held !== value ? `${this.text(held)}, which now gives ${this.text(value)}` : this.text(value);
        this.step('lookup', depth, `Step ${i + 1}: \`${partText}\` ${where}: ${what}.`, attr?.span, value);
        last = top;
      } else if (value instanceof Description) {
        const root = part.kind === 'ROOT';
        this.step('lookup', depth, `Step ${i + 1}: \`${partText}\` is ${root ? 'the root' : this.where(value)}.`, root ? undefined : nameSpan(value));
        last = undefined;
      } else {
        this.step('lookup', depth, `Step ${i + 1}: \`${partText}\` is ${this.text(value)}.`, ref.span, value);
        last = undefined;
        // A property ends the lookup (the rest of the path is ignored).
        if (part.kind.includes('PROPERTY')) break;
      }
      scope = value;
    }
    if (last) this.attribute(last.holder, last.name, depth + 1);
    return true;
  }

  /**
   * Lookup hooks over the linked tree: an attribute's value is what linking left there; a link
   * still there (LAZY, or outside what linking reached) is followed, so that a LAZY link shows
   * what it would resolve to now. `found` hears every attribute the outermost lookup finds.
   */
  private replayHooks(found?: (holder: Description, name: string) => void): LookupHooks {
    return {
      enter: () => {},
      value: (holder, name, attr) => {
        found?.(holder, name);
        const v = attr.value;
        if (v instanceof Applied && v.lazy) throw new Stop(`is a LAZY ${v.kind === 'apply' ? 'function' : 'predicate'}, computed at run time`);
        if (!(v instanceof Ref) || v.data) return v;
        if (this.following.has(attr)) throw new Stop(`holds \`${valueText(v)}\`, which leads round in a cycle`);
        this.following.add(attr);
        try {
          const r = lookupPath(holder, v.parts, this.replayHooks());
          if (r.ok) return r.value;
          if (v.optional) return v.defaultValue ?? null;
          throw new Stop(`holds \`${valueText(v)}\`, which is not found now: ${describeFailure(r.failure)}`);
        } finally {
          this.following.delete(attr);
        }
      },
      property: (kind, name) => (kind === 'ENVPROPERTY' ? (this.options.env ?? process.env)[name] : this.options.properties?.[name]),
    };
  }

  private function(fn: Applied, final: Value, holder: Description, name: string, depth: number): void {
    if (!this.labels.has(fn.body)) this.labels.set(fn.body, `the ${fn.kind === 'apply' ? 'function' : 'predicate'} of ${this.whereAttr(holder, name)}`);
    const fnClass = String(fn.body.get('sfFunctionClass') ?? '');
    const short = fnClass.startsWith(FUNCTION_PREFIX) ? fnClass.slice(FUNCTION_PREFIX.length) : fnClass;
    const expr = this.source(fn.span)?.replace(/\s+/g, ' ') ?? `${fn.lazy ? 'LAZY ' : ''}${fn.kind === 'apply' ? 'APPLY' : 'ASSERT'} { … }`;
    const what = `\`${clip(expr)}\`${short ? ` (\`${short}\`)` : ''}`;
    const operands = [...fn.body.attrs].filter(([key]) => !(NOT_OPERANDS.has(key) || key.startsWith('phase.') || (fn.kind === 'assert' && key.startsWith('sf'))));
    if (fn.kind === 'assert') {
      const lazyOperand = operands.some(([, a]) => (a.value instanceof Ref || a.value instanceof Applied) && a.value.lazy);
      const outcome = (final as unknown) === CHECKED
        ? 'checked while compiling: it holds, and it is left out of the output'
        : lazyOperand
          ? 'kept in the output, to be checked at run time (an operand is LAZY)'
          : 'checked while compiling (it holds) and kept in the output, to be checked again at run time';
      this.step('function', depth, `The predicate ${what} is ${outcome}. Its operands:`, fn.span);
    } else if (final instanceof Applied && final.lazy) {
      const why = fn.lazy ? 'is LAZY' : 'has a LAZY operand';
      this.step('lazy', depth, `The function ${what} ${why}: it is computed at run time. Its operands now:`, fn.span);
    } else {
      this.step('function', depth, `The function ${what} gives ${this.text(final)}. Its operands:`, fn.span, final);
    }
    operands.forEach(([key, a], index) => {
      const before = this.trace.beforeLink.get(a) ?? a.value;
      // A generated name (an operator's operand, `--`) says nothing: the operand is named by its place and text.
      const written = this.source(a.span);
      const label = !/^unique\d+$/.test(key) ? `Operand \`${key}\`` : written && written !== '--' ? `Operand ${index + 1} (\`${clip(written)}\`)` : `Operand ${index + 1}`;
      const literal = /^unique\d+$/.test(key) && !(before instanceof Ref || before instanceof Applied) && written !== undefined && `\`${clip(written)}\`` === this.text(a.value);
      this.step('operand', depth + 1, literal ? `${label}.` : `${label} is ${this.text(a.value)}.`, a.span, a.value);
      this.derive(before, a.value, fn.body, key, depth + 2);
    });
  }

  private source(span: Span | undefined): string | undefined {
    if (!span) return undefined;
    return this.trace.sources.get(span.file)?.text.slice(span.start, span.end);
  }

  /** A value as data: `.sf` text for literals and references, else as a sentence says it, without quotes. */
  private plain(v: Value): string {
    if (v instanceof Ref || !(v instanceof Description || v instanceof Applied || (v as unknown) === CHECKED)) return valueText(v);
    return this.text(v).replace(/`/g, '');
  }

  /** A value for a sentence: `.sf` text, shortened; a description by how it was written. */
  text(v: Value): string {
    if ((v as unknown) === CHECKED) return 'a predicate checked while compiling';
    if (v === TBD) return '`TBD`';
    if (v instanceof Description) {
      const written = this.source(v.span);
      const head = written?.split(/\r?\n/)[0].replace(/\{.*$/, written.includes('{') ? '{ … }' : '').trim();
      return head && head.startsWith('extends') ? `a description (\`${clip(head)}\`)` : 'a description';
    }
    if (v instanceof Applied) {
      const written = this.source(v.span);
      return `${v.lazy ? 'a LAZY ' : 'a '}${v.kind === 'apply' ? 'function' : 'predicate'}${written ? ` (\`${clip(written.replace(/\s+/g, ' '))}\`)` : ''}`;
    }
    if (v instanceof Ref) return `the ${v.lazy ? 'LAZY ' : v.data ? 'DATA ' : ''}link \`${clip(valueText(v).replace(/^(DATA |LAZY )+/, ''))}\``;
    return `\`${clip(valueText(v))}\``;
  }
}

function clip(text: string, max = 60): string {
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

function pathOf(holder: Description, name: string): string {
  const p = holder.path();
  return p === 'ROOT' ? name : `${p}:${name}`;
}

function protoPath(ref: Ref, target: Description): string {
  const path = target.path();
  return path === ref.toString() ? '' : `, that is \`${path}\``;
}

/** Where a description is named in its parent (`web` of `web extends Web`), else its own span. */
function nameSpan(d: Description): Span | undefined {
  if (d.parent) for (const a of d.parent.attrs.values()) if (a.value === d && a.span) return a.span;
  return d.span;
}

function spanOf(v: Value): Span | undefined {
  return v instanceof Ref || v instanceof Applied ? v.span : undefined;
}

/** Explanations as text for people: each step's place, its sentence, and a code frame. */
export function renderExplanation(e: Explanation, sources: Map<string, SourceFile>, options: { cwd?: string; color?: boolean } = {}): string {
  const lookup = (f: string): SourceFile | undefined => sources.get(f);
  const lines = [`${e.path} = ${new TextOf(sources).value(e.value)}`, ''];
  for (const s of e.steps) {
    const indent = '  '.repeat(s.depth);
    const where = s.span ? `${renderLocation(s.span, lookup, options.cwd)} - ` : '';
    lines.push(`${indent}${where}${s.message}`);
    const source = s.span ? sources.get(s.span.file) : undefined;
    if (s.span && source) for (const l of renderCodeFrame(s.span, source, options.color === true)) lines.push(`${indent}    ${l}`);
  }
  return lines.join('\n') + '\n';
}

/** The final value's text in a heading: literals as `.sf` text, the rest by kind. */
class TextOf {
  constructor(private readonly sources: Map<string, SourceFile>) {}
  value(v: Value): string {
    if ((v as unknown) === CHECKED) return '(a predicate checked while compiling)';
    if (v instanceof Description) return 'extends { … }';
    if (v instanceof Applied) {
      const t = v.span ? this.sources.get(v.span.file)?.text.slice(v.span.start, v.span.end) : undefined;
      return t ? clip(t.replace(/\s+/g, ' '), 80) : `${v.lazy ? 'LAZY ' : ''}${v.kind === 'apply' ? 'APPLY' : 'ASSERT'} { … }`;
    }
    return clip(valueText(v), 200);
  }
}

export interface ExplanationJson {
  path: string;
  /** The value in canonical form (pipeline.md §3); null for a value that has none (a checked predicate). */
  value: EncodedValue | null;
  text: string;
  steps: {
    kind: ExplainStepKind;
    depth: number;
    message: string;
    file?: string;
    line?: number;
    column?: number;
    endLine?: number;
    endColumn?: number;
    value?: string;
  }[];
}

/** Explanations as data: every step with its file (relative to `cwd`), line and column (1-based). */
export function explanationJson(e: Explanation, sources: Map<string, SourceFile>, cwd?: string): ExplanationJson {
  let value: EncodedValue | null = null;
  try {
    value = (e.value as unknown) === CHECKED ? null : encodeValue(e.value);
  } catch {
    value = null;
  }
  return {
    path: e.path,
    value,
    text: new TextOf(sources).value(e.value),
    steps: e.steps.map((s) => {
      const out: ExplanationJson['steps'][number] = { kind: s.kind, depth: s.depth, message: s.message };
      const source = s.span ? sources.get(s.span.file) : undefined;
      if (s.span) {
        out.file = cwd && isAbsolute(s.span.file) ? relative(cwd, s.span.file) || s.span.file : s.span.file;
        if (source) {
          const start = source.position(s.span.start);
          const end = source.position(s.span.end);
          Object.assign(out, { line: start.line, column: start.column, endLine: end.line, endColumn: end.column });
        }
      }
      if (s.value !== undefined) out.value = s.value;
      return out;
    }),
  };
}
