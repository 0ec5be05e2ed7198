/**
 * Link resolution (docs/design/language.md §7.6, §7.7, §10.3): walks `sfConfig` depth-first in attribute
 * order and replaces every eager reference, function and predicate with its value. A lookup
 * that reaches a LAZY value makes the eager link LAZY (§6.4). Every failure is collected;
 * a failure caused by another one is not reported twice. Cycles are detected per
 * (description, attribute) and reported with the chain.
 */
import type { DiagnosticBag } from '../core/diagnostics.js';
import { Messages, diagnostic, type MessageEntry } from '../core/messages/index.js';
import type { Span } from '../core/source.js';
import { copyDescription, ownBody } from './copy.js';
import { FUNCTION_IDS } from '../functions/ids.js';
import { OPERATOR_FUNCTIONS } from '../functions/index.js';
import { closestName } from '../core/suggest.js';
import { lookupPath, namesInScope, type LookupFailure, type LookupHooks } from './lookup.js';
import { Applied, Description, Ref, TBD, isPlainValue, kindOf, ownAttr, Visited, type Value } from '../core/values.js';
import { article } from './type-phase.js';
import { FunctionError, checkAssertions, checkSchemaElement, describeValue, lookupFunction, schemaBound, schemaClasses, type FunctionContext, type SchemaProblem } from '../functions/index.js';

import { parseRefText } from '../core/ref-text.js';
import { Budget, LimitReached } from './limits.js';

/** The value of a predicate checked at compile time: dropped from the output. */
export const CHECKED: unique symbol = Symbol('statically checked predicate');

/*
 * Failed, LazyFound and Cycle (and type-phase.ts's PrototypeCycle) are control flow inside one
 * resolution, caught by its own frames; they never reach a user (the diagnostics do), so they
 * are plain sentinels, not FrogErrors (core/errors.ts).
 */

/** Thrown through the frames of a failed resolution after the failure is reported. */
class Failed {
  constructor(readonly reason: string) {}
}

/** Thrown when a lookup reaches a LAZY value: the link becomes LAZY. */
class LazyFound {}

/** Thrown from a cycle's closing lookup until the frame that started the cycle reports it. */
class Cycle {
  constructor(readonly cd: Description, readonly name: string, readonly chain: string[]) {}
}

const ACTIVE = 1;
const DONE = 2;
const FAILED = 3;

export interface LinkOptions {
  properties?: Record<string, string>;
  env?: Record<string, string | undefined>;
  random?: () => number;
  now?: () => Date;
}

export function isLazyValue(v: Value): boolean {
  return (v instanceof Ref && v.lazy && !v.data) || (v instanceof Applied && v.lazy && !v.data);
}

function isEagerLink(v: Value): v is Ref | Applied {
  return (v instanceof Ref || v instanceof Applied) && !v.lazy && !v.data;
}

const NOT_OPERANDS = new Set(['sfFunctionClass', 'sfFunctionLazy', 'sfFunctionData']);

export class LinkPhase {
  private readonly stack: { cd: Description; name: string }[] = [];
  private readonly walked = new Visited();
  private readonly fnState = { nextLast: -1 };
  /** Whether the lookup under way has entered a description whose type resolution failed. */
  private tainted = false;

  constructor(
    private readonly diagnostics: DiagnosticBag,
    private readonly options: LinkOptions = {},
    /** The bounds of the resolution (§7.9): a chain of links is at most `maxDepth` long. */
    private readonly budget: Budget = new Budget(),
  ) {}

  run(cd: Description): void {
    this.walk(cd);
  }

  /**
   * Resolves one attribute's eager link, as the link phase would, and gives its value, or
   * undefined when it failed (the failure is reported). The `sfConfig` phase follows a
   * top-level `sfConfig` written as a link with it (docs/design/language.md §7.5).
   */
  follow(cd: Description, name: string): Value | undefined {
    try {
      return this.resolveAttr(cd, name);
    } catch (e) {
      if (e instanceof Failed) return undefined;
      throw e;
    }
  }

  /**
   * Link-resolves every attribute of a description and of the descriptions below it, depth
   * first in attribute order. A loop with its own stack, not recursion: links can lead the walk
   * into descriptions outside the tree, as deep as their chain goes (§7.9).
   */
  private walk(root: Description): void {
    type Frame = { cd: Description; names: string[]; i: number } | { items: Value[]; i: number };
    const frames: Frame[] = [];
    const enter = (v: Value): void => {
      if (v instanceof Description) {
        if (this.walked.has(v)) return;
        this.walked.add(v);
        frames.push({ cd: v, names: [...v.attrs.keys()], i: 0 });
      } else if (Array.isArray(v)) {
        frames.push({ items: v, i: 0 });
      }
    };
    enter(root);
    while (frames.length > 0) {
      const top = frames[frames.length - 1];
      if ('items' in top) {
        if (top.i >= top.items.length) frames.pop();
        else enter(top.items[top.i++]);
        continue;
      }
      if (top.i >= top.names.length) {
        frames.pop();
        continue;
      }
      const name = top.names[top.i++];
      let v: Value | undefined;
      try {
        v = this.resolveAttr(top.cd, name);
      } catch (e) {
        if (e instanceof Failed) continue;
        throw e;
      }
      enter(v);
    }
  }

  /** The resolved value of one attribute; the attribute is replaced by it. */
  resolveAttr(cd: Description, name: string): Value {
    let attr = cd.attrs.get(name);
    if (!attr) throw new Error(`resolveAttr: no attribute ${name}`);
    const s = attr.linkState;
    if (s === DONE) return attr.value;
    if (s === FAILED) throw new Failed('dependency');
    // A plain value shared by `extends` copies (§18) needs nothing, and is not written.
    if (attr.shared && isPlainValue(attr.value)) return attr.value;
    attr = ownAttr(cd.attrs, name, attr);
    // A function whose body `extends` copies share is evaluated in a copy of its own (§18).
    if (attr.value instanceof Applied && attr.value.body.shared) attr.value = ownBody(attr.value);
    if (s === ACTIVE) {
      const start = this.stack.findIndex((f) => f.cd === cd && f.name === name);
      const chain = this.stack.slice(start).map((f) => `\`${f.cd.path()}:${f.name}\``);
      chain.push(`\`${cd.path()}:${name}\``);
      throw new Cycle(cd, name, chain);
    }
    if (!needsResolution(attr.value)) {
      attr.linkState = DONE;
      return attr.value;
    }
    if (this.stack.length >= this.budget.maxDepth) {
      // Each step of a chain of links is a few frames of recursion: the bound keeps it off the
      // stack's end (§7.9). Reported where the chain starts, as a stack overflow was before.
      const first = this.stack[0];
      const span = first.cd.attrs.get(first.name)?.span ?? attr.span ?? spanOf(attr.value);
      throw new LimitReached(
        diagnostic(Messages.TooDeep, {}, span, {
          hint: `A chain of links, or of descriptions that links lead into, is longer than ${this.budget.maxDepth} steps here; if it is really this long, raise the limit with \`--max-depth\`.`,
        }),
      );
    }
    attr.linkState = ACTIVE;
    this.stack.push({ cd, name });
    try {
      const value = this.resolveValue(attr.value, cd, name, attr.span);
      if (value instanceof Description && contains(value, cd)) {
        const v = attr.value;
        this.report(Messages.ContainingDescription, { name, ref: v instanceof Ref ? v.toString() : '(function)', path: cd.path() }, attr.span ?? spanOf(v));
        throw new Failed('containing');
      }
      attr.value = value;
      if (value instanceof Description && value.parent === null) value.parent = cd;
      attr.linkState = DONE;
      return value;
    } catch (e) {
      attr.linkState = FAILED;
      // Out of stack: the outermost attribute on the way is where the too-deep chain starts.
      if (e instanceof RangeError && attr.span) (e as RangeError & { span?: Span }).span = attr.span;
      if (e instanceof Cycle && e.cd === cd && e.name === name) {
        const v = attr.value;
        this.report(Messages.CyclicReference, { name, ref: v instanceof Ref ? v.toString() : '(function)', cycle: e.chain.join(' → ') }, attr.span ?? spanOf(v));
        throw new Failed('cycle');
      }
      throw e;
    } finally {
      this.stack.pop();
    }
  }

  private resolveValue(v: Value, holder: Description, name: string, span?: Span): Value {
    if (v === TBD) {
      this.report(Messages.StillTbd, { name, path: holder.path() }, span);
      throw new Failed('tbd');
    }
    if (v instanceof Ref) return this.resolveRef(v, holder, name);
    if (v instanceof Applied) return this.evaluate(v, holder, name);
    if (Array.isArray(v)) return v.map((item) => (needsResolution(item) ? this.resolveValue(item, holder, name, span) : item));
    return v;
  }

  /** The lookup hooks, made once: they depend on nothing but this phase (§18: fewer short-lived objects). */
  private lookupHooks?: LookupHooks;

  private hooks(): LookupHooks {
    return (this.lookupHooks ??= {
      enter: (d) => {
        if (d.broken) this.tainted = true;
      },
      value: (holder, name) => {
        const v = this.resolveAttr(holder, name);
        if (isLazyValue(v)) throw new LazyFound();
        return v;
      },
      property: (kind, name) =>
        kind === 'ENVPROPERTY' ? (this.options.env ?? process.env)[name] : this.options.properties?.[name],
    });
  }

  private resolveRef(ref: Ref, holder: Description, name: string): Value {
    const outer = this.tainted;
    this.tainted = false;
    try {
      return this.lookupRef(ref, holder, name);
    } finally {
      this.tainted = outer;
    }
  }

  private lookupRef(ref: Ref, holder: Description, name: string): Value {
    let result;
    try {
      result = lookupPath(holder, ref.parts, this.hooks());
    } catch (e) {
      if (e instanceof LazyFound) return ref.withFlags({ lazy: true });
      if (e instanceof Failed && ref.optional) return ref.defaultValue ?? null;
      throw e;
    }
    if (result.ok) {
      if (result.value === TBD) {
        if (ref.optional) return ref.defaultValue ?? null;
        this.report(Messages.StillTbd, { name: ref.toString(), path: `${holder.path()}:${name}` }, ref.span);
        throw new Failed('tbd');
      }
      return result.value;
    }
    if (ref.optional) return ref.defaultValue ?? null;
    // A lookup that went through an incompletely typed description fails because of that error.
    if (!this.tainted) this.reportLookup(result.failure, ref, attributePath(holder, name));
    throw new Failed('lookup');
  }

  private reportLookup(f: LookupFailure, ref: Ref, path: string): void {
    const refText = ref.toString();
    switch (f.kind) {
      case 'notFound': {
        const guess = f.scope ? closestName(f.name, namesInScope(f.scope, f.upward ?? false)) : undefined;
        this.report(Messages.ReferenceNotFound, { ref: refText, path, name: f.name, stopped: f.stoppedAt }, ref.span, undefined, guess ? `Did you mean \`${guess}\`?` : undefined);
        break;
      }
      case 'throughValue':
        this.report(Messages.ReferenceThroughValue, { ref: refText, path, stopped: f.stoppedAt, found: article(kindOf(f.found)) }, ref.span);
        break;
      case 'parentOfRoot':
        this.report(Messages.ParentOfRoot, { ref: refText, path }, ref.span);
        break;
      case 'unsupported':
        this.report(Messages.UnsupportedReferencePart, { ref: refText, path, part: f.part }, ref.span);
        break;
    }
  }

  private evaluate(fn: Applied, holder: Description, name: string): Value {
    // A shared body inside a vector: evaluated in a copy of its own (§18).
    if (fn.body.shared) fn = ownBody(fn);
    const body = fn.body;
    body.parent = holder;
    // A dynamic assertion is kept for run time as it was written: copied before its operands
    // are resolved in place. A static one (schemas: one per component) needs no copy.
    const written = fn.kind === 'assert' ? body.attrs.get('sfAssertionPhase')?.value : undefined;
    const original = fn.kind === 'assert' && written !== 'static' && written !== 'staticLazy' ? copyDescription(body) : undefined;
    const fnClass = body.get('sfFunctionClass');
    const operands: [string, Value][] = [];
    let lazy = false;
    // Every operand is resolved, so that each failing one is reported (every element of a
    // schema, every assertion); the function fails after the last.
    let failed: Failed | undefined;
    for (const key of [...body.attrs.keys()]) {
      if (NOT_OPERANDS.has(key) || key.startsWith('phase.')) continue;
      let v: Value;
      try {
        if (fn.kind === 'assert' && key.startsWith('sf')) {
          // sfAssertionPhase and friends are read, not checked.
          if (needsResolution(body.attrs.get(key)!.value)) this.resolveAttr(body, key);
          continue;
        }
        v = this.resolveAttr(body, key);
      } catch (e) {
        if (!(e instanceof Failed)) throw e;
        failed ??= e;
        continue;
      }
      if (v instanceof Description) this.walk(v);
      if (isLazyValue(v)) lazy = true;
      operands.push([key, v]);
    }
    if (failed) {
      // A misspelt attribute is often why a required one is missing: say so too.
      if (fn.kind === 'assert') this.checkClosed(body, holder);
      throw failed;
    }
    const path = new LazyText(() => attributePath(holder, name));
    if (fn.kind === 'assert') return this.check(fn, original, operands, lazy, holder, path);
    if (lazy) return new Applied(fn.kind, body, true, false, fn.span);
    if (fnClass === FUNCTION_IDS.checkSchemaElement) return this.checkSchema(operands, body, holder, fn.span, path);
    return this.call(String(fnClass ?? ''), operands, holder, fn.span, path, name, body);
  }

  private call(fnClass: string, operands: [string, Value][], holder: Description, span: Span | undefined, path: LazyText, name = '(function)', body?: Description): Value {
    const f = lookupFunction(fnClass);
    if (!f) {
      this.report(Messages.UnknownFunction, { fn: fnClass }, span);
      throw new Failed('function');
    }
    try {
      const result = f(operands, this.functionContext(holder, name, span));
      if (result instanceof Description) result.parent = holder;
      return result;
    } catch (e) {
      if (e instanceof FunctionError) {
        const op = OPERATOR_SYMBOLS.get(fnClass);
        if (op === undefined) this.report(e.entry, { ...e.args, path }, span);
        else this.reportOperator(e, op, body, operands, span, path);
        throw new Failed('function');
      }
      if (e instanceof Failed || e instanceof Cycle || e instanceof LazyFound) throw e;
      this.report(Messages.FunctionFailed, { fn: fnClass, reason: e instanceof Error ? e.message : String(e) }, span);
      throw new Failed('function');
    }
  }

  /**
   * CheckSchemaElement: the element (`element`, its body) sits in the schema's body, whose
   * parent is the described description. A problem with the checked attribute is reported
   * at that attribute (or at the description that lacks it), one with a parameter of the
   * element at that parameter; the element itself is the related place.
   */
  private checkSchema(operands: [string, Value][], element: Description, schemaBody: Description, span: Span | undefined, path: LazyText): Value {
    const params = new Map(operands);
    const name = String(params.get('name') ?? '');
    const described = schemaBody.parent;
    // `sfSchema false` in a description switches its schemas off (docs/design/components.md §12-B1).
    if (described?.attrs.get('sfSchema')?.value === false) return true;
    let found: { present: boolean; value?: Value; lazy: boolean } = { present: false, lazy: false };
    if (described?.attrs.has(name)) {
      const value = this.resolveAttr(described, name);
      found = { present: true, value, lazy: isLazyValue(value) };
    }
    const classes = schemaClasses(name, params.get('class'));
    const description = params.get('description');
    const refinements = schemaRefinements(name, params);
    const problem = !Array.isArray(classes)
      ? classes
      : 'code' in refinements
        ? refinements
        : checkSchemaElement(
            {
              name,
              optional: params.get('optional') === true,
              binding: String(params.get('binding') ?? 'anyBinding'),
              classes,
              description: typeof description === 'string' && description !== '' ? description : undefined,
              ...refinements,
            },
            found,
          );
    if (problem) {
      const at =
        problem.at === 'value' ? described?.attrs.get(name)?.span
        : problem.at === 'described' ? described?.span
        : element.attrs.get(problem.at)?.span;
      const related = at && span ? [{ message: `The schema element \`${name}\`.`, span }] : undefined;
      const hint = problem.hint ?? (problem.code === Messages.SchemaMissing && name === 'sfClass' ? NO_CLASS_HINT : undefined);
      this.report(problem.code, { name, ...problem.args, path: described?.path() ?? String(path) }, at ?? span, related, hint);
      throw new Failed('schema');
    }
    return true;
  }

  /**
   * A schema's `sfSchemaUnlisted` (docs/design/language.md §11.3) says what an attribute it does
   * not list gets: "warn" (a leaf component reads nothing else: most likely a slip), "slips"
   * (a container holds data for its children: warned only when a listed name is one slip
   * away), or nothing. `sf` and `phase.` attributes and child components are never checked;
   * nor is a component whose class is a module of the user's, which may read more.
   */
  private checkClosed(schema: Description, described: Description): void {
    const mode = schema.get('sfSchemaUnlisted');
    if ((mode !== 'warn' && mode !== 'slips') || described.attrs.get('sfSchema')?.value === false) return;
    const type = described.get('sfClass');
    if (typeof type !== 'string' || type.includes('#')) return;
    const listed = [...schema.attrs.keys()].filter((n) => !n.startsWith('sf') && !n.startsWith('phase.'));
    const known = new Set(listed);
    for (const [name, attr] of described.attrs) {
      if (known.has(name) || name.startsWith('sf') || name.startsWith('phase.') || attr.placement) continue;
      if (attr.value instanceof Description && attr.value.eager) continue;
      const guess = closestName(name, listed);
      if (mode === 'slips' && !guess) continue;
      this.report(Messages.UnknownAttribute, { name, path: described.path(), component: shortType(type) }, attr.span ?? described.span, undefined, guess ? `Did you mean \`${guess}\`?` : undefined);
    }
  }

  private check(fn: Applied, original: Description | undefined, operands: [string, Value][], lazy: boolean, holder: Description, path: LazyText): Value {
    const phaseValue = fn.body.get('sfAssertionPhase');
    const phase = phaseValue === undefined ? 'dynamic' : String(phaseValue);
    if (!['static', 'staticLazy', 'dynamic'].includes(phase)) {
      this.report(Messages.BadAssertionPhase, { phase, path }, fn.span);
      throw new Failed('assertion');
    }
    if (lazy) {
      if (phase === 'static') {
        this.report(Messages.StaticAssertionLazy, { path }, fn.span);
        throw new Failed('assertion');
      }
      if (phase === 'staticLazy') return CHECKED as unknown as Value;
      return new Applied('assert', original ?? copyDescription(fn.body), true, false, fn.span);
    }
    const fnClass = fn.body.get('sfFunctionClass');
    if (fnClass === FUNCTION_IDS.checkAssertions || fnClass === undefined) {
      const { failures } = checkAssertions(operands);
      if (failures.length) {
        this.report(Messages.AssertionFailed, { failures: failures.join(', '), path }, fn.span);
        throw new Failed('assertion');
      }
      this.checkClosed(fn.body, holder);
    } else {
      const result = this.call(String(fnClass), operands, holder, fn.span, path);
      if (result !== true) {
        this.report(Messages.AssertionFailed, { failures: `${String(path)}: evaluates to ${String(result)}`, path }, fn.span);
        throw new Failed('assertion');
      }
    }
    return phase === 'dynamic' ? new Applied('assert', original ?? copyDescription(fn.body), true, false, fn.span) : (CHECKED as unknown as Value);
  }

  /**
   * A function error inside an operator expression, said in the terms the user wrote: the
   * operator, and which operand (its position, pointed at), never the names the desugaring
   * gave the operands (docs/design/language.md §13).
   */
  private reportOperator(e: FunctionError, op: string, body: Description | undefined, operands: [string, Value][], span: Span | undefined, path: LazyText): void {
    const name = typeof e.args.name === 'string' ? e.args.name : undefined;
    const index = name === undefined ? -1 : operands.findIndex(([n]) => n === name);
    const at = (name !== undefined ? body?.attrs.get(name)?.span : undefined) ?? span;
    const which = operandName(name, index, operands.length);
    const found = e.args.found;
    if (e.entry === Messages.IllegalNumeric) this.report(Messages.IllegalNumericOperand, { which, op, found, kind: op === '%' ? 'an Integer or a Long' : 'a number' }, at);
    else if (e.entry === Messages.IllegalBoolean) this.report(Messages.IllegalBooleanOperand, { which, op, found }, at);
    else this.report(e.entry, { ...e.args, fn: op, path }, span);
  }

  /** `name` is the attribute whose value is computed, `span` the function's: what a failed `ref` lookup reports. */
  private functionContext(holder: Description, name: string, span: Span | undefined): FunctionContext {
    return {
      holder,
      state: this.fnState,
      random: this.options.random ?? Math.random,
      now: this.options.now ?? (() => new Date()),
      resolveReference: (text: string, lazy: boolean) => {
        const ref = new Ref(parseRefText(text), lazy, false, false, undefined, span);
        if (lazy) return ref;
        return this.resolveRef(ref, holder, name);
      },
    };
  }

  private report(entry: MessageEntry, args: Record<string, unknown>, span?: Span, related?: { message: string; span?: Span }[], hint?: string): void {
    // Inside a description whose prototypes failed, whatever goes wrong follows from that failure.
    if (this.stack.some((f) => withinBroken(f.cd))) return;
    this.diagnostics.add(diagnostic(entry, args, span, { ...(related ? { related } : {}), ...(hint ? { hint } : {}) }));
  }
}

function needsResolution(v: Value): boolean {
  if (v === TBD) return true;
  if (isEagerLink(v)) return true;
  if (Array.isArray(v)) return v.some(needsResolution);
  return false;
}

/**
 * The path of attribute `name` of `holder` as the user wrote it: the operands of an operator
 * have no names of their own, so a path into one ends at the attribute holding the expression
 * (`sfConfig:url`, not `sfConfig:url:unique21`).
 */
function attributePath(holder: Description, name: string): string {
  let d = holder;
  let tail = name;
  while (d.parent && OPERATOR_SYMBOLS.has(String(d.get('sfFunctionClass')))) {
    tail = d.parent.nameOf(d) ?? tail;
    d = d.parent;
  }
  const p = d.path();
  return (p === 'ROOT' ? '' : p + ':') + tail;
}

/** An operand as a message names it: by its role or its position, never by a generated name. */
function operandName(name: string | undefined, index: number, count: number): string {
  const ordinal = (i: number): string => ORDINALS[i] ?? `number ${i + 1}`;
  if (name === 'left' || name === 'right') return `${name} operand`;
  if (name === 'if') return 'condition';
  if (name === 'then' || name === 'else') return `${name.toUpperCase()} value`;
  const numbered = name === undefined ? null : /^(IF|THEN)(\d+)$/.exec(name);
  if (numbered) return `${ordinal(Number(numbered[2]))} ${numbered[1] === 'IF' ? 'condition' : 'value'}`;
  if (name === 'data' || count === 1) return 'operand';
  return index >= 0 ? `${ordinal(index)} operand` : `\`${name}\` operand`;
}

const ORDINALS = ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth', 'tenth'];

/** The function identifier each operator desugars to → the operator as written. */
const OPERATOR_SYMBOLS = new Map<string, string>(
  Object.entries(OPERATOR_FUNCTIONS).map(([op, id]) => [id, op === 'vector' ? '[ ]' : op === 'if' ? 'IF' : op === 'switch' ? 'SWITCH' : op === 'x|' ? 'x|' : op]),
);

function spanOf(v: Value): Span | undefined {
  return v instanceof Ref || v instanceof Applied ? v.span : undefined;
}

/** True when `outer` is `inner` or one of its ancestors. */
function contains(outer: Description, inner: Description): boolean {
  for (let d: Description | null = inner; d; d = d.parent) if (d === outer) return true;
  return false;
}

/** A message argument computed only when a message is built: paths cost a walk up the tree. */
/** Why a description extending `Prim` needs an `sfClass`, and the ways to give it one. */
const NO_CLASS_HINT =
  '`Prim` is the base of every component and has no implementation of its own: extend one that has (`Compound`, `Exec`, `Echo`, ... from "/frog/components.sf"), ' +
  'name a class of yours with `sfClass "./components.ts#MyClass"`, or write `extends DATA { ... }` if the description is only data.';

/** `values`, `min` and `max` of a schema element, or the problem with one of them (§11.3). */
function schemaRefinements(name: string, params: Map<string, Value>): { values?: Value[]; min?: number; max?: number } | SchemaProblem {
  const out: { values?: Value[]; min?: number; max?: number } = {};
  const values = params.get('values');
  if (values !== undefined) {
    if (!Array.isArray(values)) return { code: Messages.SchemaBadParameter, args: { name, parameter: 'values', expected: 'a vector', found: describeValue(values) }, at: 'values' };
    out.values = values;
  }
  for (const bound of ['min', 'max'] as const) {
    const b = schemaBound(params.get(bound));
    if (typeof b === 'object') return { code: Messages.SchemaBadParameter, args: { name, parameter: bound, expected: 'a number', found: b.bad }, at: bound };
    if (b !== undefined) out[bound] = b;
  }
  return out;
}

/** A component type as a message names it: `Delay`, not its SmartFrog package. */
function shortType(type: string): string {
  return type.slice(type.lastIndexOf('.') + 1);
}

class LazyText {
  private text?: string;
  constructor(private readonly make: () => string) {}
  toString(): string {
    return (this.text ??= this.make());
  }
}

function withinBroken(cd: Description | null): boolean {
  for (; cd; cd = cd.parent) if (cd.broken) return true;
  return false;
}
