/**
 * What every built-in function sees: its operands, the context the resolver supplies, and
 * the error it throws. Built-ins are pure apart from the context (docs/design/language.md §10.3, §10.6).
 */
import { FrogError } from '../core/errors.js';
import { Messages, type MessageEntry } from '../core/messages/index.js';
import { Applied, Description, Ref, SfDouble, SfFloat, TBD, kindOf, type Value } from '../core/values.js';

/** SmartFrog's package of the built-in functions (`F.` in docs/design/language.md Appendix A). */
export const FUNCTION_PREFIX = 'org.smartfrog.sfcore.languages.sf.functions.';

/**
 * A failed function evaluation. `entry` is the catalogue entry (SF26xx), `args` fill its
 * placeholders; the resolver turns it into a diagnostic with the span of the attribute.
 */
export class FunctionError extends FrogError {
  constructor(entry: MessageEntry, args: Record<string, unknown>) {
    super(entry, args);
    this.name = 'FunctionError';
  }

  /** The parameters (`params`), under the name the resolver reads. */
  get args(): Readonly<Record<string, unknown>> {
    return this.params;
  }
}

/**
 * Per-resolution state shared by every function call of one resolution (docs/design/language.md
 * Appendix B: `next` counts per resolution). Start it as `{ nextLast: -1 }`.
 */
export interface FunctionState {
  /** The last value `next` returned; -1 before the first call. */
  nextLast: number;
  /**
   * The generator `random` uses, fixed by its first call: a java.util.Random sequence when
   * that call has a `seed`, else the context's random source. Set by `random`; callers leave it out.
   */
  randomFloat?: () => number;
}

export interface FunctionContext {
  /** The description holding the attribute whose value is being computed (the body's parent). */
  holder: Description;
  state: FunctionState;
  /** A uniform double in [0, 1), like Math.random; injected so that tests are deterministic. */
  random(): number;
  now(): Date;
  /**
   * Resolves reference text for `ref`: eager (`lazy` false) looks it up from the holding
   * description and returns its value; lazy returns it as a LAZY `Ref`. Throws on failure.
   */
  resolveReference(text: string, lazy: boolean): Value;
}

/**
 * A built-in: operands are resolved (no eager references left), in body order, without
 * `sfFunctionClass`, `sfFunctionLazy`, `sfFunctionData` and `phase.*` (docs/design/language.md §10.3).
 */
export type BuiltinFunction = (operands: [string, Value][], ctx: FunctionContext) => Value;

/** The short name of a function for messages: `Sum` for `org.smartfrog...functions.Sum`. */
export function shortName(identifier: string): string {
  return identifier.startsWith(FUNCTION_PREFIX) ? identifier.slice(FUNCTION_PREFIX.length) : identifier;
}

const MAX_DESCRIBED = 60;

/** A value as messages show it: its kind and, for simple values, the value (`String "a"`). */
export function describeValue(v: Value | undefined): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'NULL';
  if (v === TBD) return 'TBD';
  let shown: string | undefined;
  if (typeof v === 'string') shown = JSON.stringify(v);
  else if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') shown = String(v);
  else if (v instanceof SfFloat || v instanceof SfDouble) shown = String(v.value);
  else if (v instanceof Ref) shown = v.toString();
  else if (Array.isArray(v)) shown = `of ${v.length} element${v.length === 1 ? '' : 's'}`;
  else if (v instanceof Description || v instanceof Applied) shown = undefined;
  if (shown !== undefined && shown.length > MAX_DESCRIBED) shown = shown.slice(0, MAX_DESCRIBED - 1) + '…';
  return shown === undefined ? kindOf(v) : `${kindOf(v)} ${shown}`;
}

/** The operand called `name`, or undefined. */
export function operand(operands: [string, Value][], name: string): Value | undefined {
  for (const [n, v] of operands) if (n === name) return v;
  return undefined;
}

export function hasOperand(operands: [string, Value][], name: string): boolean {
  return operands.some(([n]) => n === name);
}

/** The operand called `name`; a missing one is a "Missing Parameter" error. */
export function requireOperand(operands: [string, Value][], name: string, fn: string): Value {
  for (const [n, v] of operands) if (n === name) return v;
  throw new FunctionError(Messages.MissingParameter, { name, fn });
}
