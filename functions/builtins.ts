/**
 * The built-in functions of docs/design/language.md §10.4, one BuiltinFunction each. They are
 * registered under SmartFrog's identifiers in index.ts.
 */
import { Messages } from '../core/messages/index.js';
import { Description, SfFloat, type Value } from '../core/values.js';
import {
  FunctionError,
  describeValue,
  hasOperand,
  operand,
  requireOperand,
  type BuiltinFunction,
} from './context.js';
import { arithmetic, compare, numericOperand, type ArithOp, type CompareOp, type Num } from './numeric.js';
import { copyValue, valuesEqual } from './structure.js';
import { textOf } from './text.js';

type Operands = [string, Value][];

function booleanOperand(name: string, v: Value, fn: string): boolean {
  if (typeof v === 'boolean') return v;
  throw new FunctionError(Messages.IllegalBoolean, { name, fn, found: describeValue(v) });
}

function integerOperand(name: string, v: Value, fn: string): number {
  if (typeof v === 'number') return v;
  throw new FunctionError(Messages.IllegalNumeric, { name, fn, found: describeValue(v) });
}

function failed(fn: string, reason: string): FunctionError {
  return new FunctionError(Messages.FunctionFailed, { fn, reason });
}

function nonEmpty(operands: Operands, fn: string): void {
  if (operands.length === 0) throw new FunctionError(Messages.NoOperands, { fn });
}

/** n-ary arithmetic (`Sum`, `Product`): every operand a number, folded left with promotion. */
function foldArithmetic(op: ArithOp, fn: string): BuiltinFunction {
  return (operands) => {
    nonEmpty(operands, fn);
    const [firstName, firstValue] = operands[0];
    let result: Num = numericOperand(firstName, firstValue, fn);
    let resultName = firstName;
    for (const [name, v] of operands.slice(1)) {
      result = arithmetic(op, result, numericOperand(name, v, fn), fn, [resultName, name]);
      resultName = name;
    }
    return result;
  };
}

/** Binary arithmetic (`Minus`, `Divide`, `Mod`) on `left` and `right`. */
function binaryArithmetic(op: ArithOp, fn: string): BuiltinFunction {
  return (operands) => {
    const left = numericOperand('left', requireOperand(operands, 'left', fn), fn);
    const right = numericOperand('right', requireOperand(operands, 'right', fn), fn);
    return arithmetic(op, left, right, fn, ['left', 'right']);
  };
}

function comparison(op: CompareOp, fn: string): BuiltinFunction {
  return (operands) => {
    const left = numericOperand('left', requireOperand(operands, 'left', fn), fn);
    const right = numericOperand('right', requireOperand(operands, 'right', fn), fn);
    return compare(op, left, right);
  };
}

/** n-ary boolean operators: every operand a boolean, folded left. */
function foldBoolean(fn: string, step: (a: boolean, b: boolean) => boolean): BuiltinFunction {
  return (operands) => {
    nonEmpty(operands, fn);
    const values = operands.map(([name, v]) => booleanOperand(name, v, fn));
    return values.slice(1).reduce(step, values[0]);
  };
}

const concatenate: BuiltinFunction = (operands) => {
  nonEmpty(operands, 'Concatenate');
  if (operands.length === 1) return operands[0][1];
  return operands.map(([, v]) => textOf(v)).join('');
};

const vector: BuiltinFunction = (operands) =>
  operands.map(([, v]) => {
    if (v instanceof Description) v.parent = null; // detached; the holder adopts the vector
    return v;
  });

const append: BuiltinFunction = (operands) => {
  const result: Value[] = [];
  for (const [, v] of operands) if (Array.isArray(v)) result.push(...v);
  return result;
};

const not: BuiltinFunction = (operands) => !booleanOperand('data', requireOperand(operands, 'data', 'Not'), 'Not');

function equality(fn: string, negate: boolean): BuiltinFunction {
  return (operands) => {
    const left = requireOperand(operands, 'left', fn);
    const right = requireOperand(operands, 'right', fn);
    return valuesEqual(left, right) !== negate;
  };
}

const ifThenElse: BuiltinFunction = (operands) => {
  const fn = 'IfThenElse';
  const condition = requireOperand(operands, 'if', fn);
  const then = requireOperand(operands, 'then', fn);
  const otherwise = requireOperand(operands, 'else', fn);
  return booleanOperand('if', condition, fn) ? then : otherwise;
};

/**
 * SWITCH (no SmartFrog template; registered as `F.Switch`): the cases are the operands named
 * `IF<k>` in body order, each paired with `THEN<k>`; other operands are the local bindings.
 * The first true case gives its THEN value; none gives NULL.
 */
const switchCases: BuiltinFunction = (operands) => {
  const fn = 'Switch';
  for (const [name, v] of operands) {
    const match = /^IF(\d+)$/.exec(name);
    if (!match) continue;
    const then = requireOperand(operands, `THEN${match[1]}`, fn);
    if (booleanOperand(name, v, fn)) return then;
  }
  return null;
};

/**
 * formatString (§15-A7): `$0`…`$9` in `format` become the textual form (§10.5) of `s0`…`s9`;
 * a `$N` without `sN` stays as written. One pass, so substituted text is not rescanned.
 */
const format: BuiltinFunction = (operands) => {
  const fn = 'Format';
  const text = operand(operands, 'format') ?? '';
  if (typeof text !== 'string') throw failed(fn, `\`format\` must be a String, found ${describeValue(text)}`);
  return text.replace(/\$(\d)/g, (whole, digit: string) => {
    const name = `s${digit}`;
    return hasOperand(operands, name) ? textOf(operand(operands, name) as Value) : whole;
  });
};

/** System: the value of `system`; the other attributes are local bindings, discarded. */
const systemComponent: BuiltinFunction = (operands) => requireOperand(operands, 'system', 'SystemComponent');

/** next (Appendix B): a counter per resolution; `base` (default 0) raises it. */
const next: BuiltinFunction = (operands, ctx) => {
  const base = hasOperand(operands, 'base') ? integerOperand('base', operand(operands, 'base') as Value, 'Next') : 0;
  const state = ctx.state;
  state.nextLast = base > state.nextLast ? base : (state.nextLast + 1) | 0;
  return state.nextLast;
};

/**
 * random: a Float in [0, 1), or with `integer true` an Integer in [min, max] (defaults 0 and
 * 10; min when max < min). The generator is fixed by the first call of a resolution: seeded
 * like java.util.Random when that call has `seed`, else the context's random source.
 */
const random: BuiltinFunction = (operands, ctx) => {
  const fn = 'Random';
  const seed = operand(operands, 'seed');
  if (!ctx.state.randomFloat) {
    if (seed !== undefined && seed !== null) {
      if (typeof seed !== 'number' && typeof seed !== 'bigint') {
        throw new FunctionError(Messages.IllegalNumeric, { name: 'seed', fn, found: describeValue(seed) });
      }
      const generator = new JavaRandom(BigInt(seed));
      ctx.state.randomFloat = () => generator.nextFloat();
    } else {
      // 24 random bits, as nextFloat: never rounds up to 1.0 in binary32.
      ctx.state.randomFloat = () => Math.floor(ctx.random() * 2 ** 24) / 2 ** 24;
    }
  }
  const isInteger = hasOperand(operands, 'integer') ? booleanOperand('integer', operand(operands, 'integer') as Value, fn) : false;
  const min = hasOperand(operands, 'min') ? integerOperand('min', operand(operands, 'min') as Value, fn) : 0;
  const max = hasOperand(operands, 'max') ? integerOperand('max', operand(operands, 'max') as Value, fn) : 10;
  const number = ctx.state.randomFloat();
  if (!isInteger) return new SfFloat(number);
  if (max < min) return min;
  return (Math.trunc(number * ((max - min + 1) | 0)) + min) | 0;
};

/**
 * The linear congruential generator of java.util.Random, so that `random` with a `seed`
 * yields the sequence SmartFrog yields for that seed (its Random function calls nextFloat).
 */
const MULTIPLIER = 0x5deece66dn;
const ADDEND = 0xbn;
const MASK = (1n << 48n) - 1n;

export class JavaRandom {
  private seed: bigint;

  constructor(seed: bigint) {
    this.seed = (seed ^ MULTIPLIER) & MASK;
  }

  /** The next `bits` random bits, as java.util.Random#next. */
  next(bits: number): number {
    this.seed = (this.seed * MULTIPLIER + ADDEND) & MASK;
    return Number(BigInt.asIntN(32, this.seed >> BigInt(48 - bits)));
  }

  /** A float in [0, 1) with 24 random bits, as java.util.Random#nextFloat. */
  nextFloat(): number {
    return this.next(24) / (1 << 24);
  }
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Java's Date.toString in local time: `Tue Mar 05 14:07:09 UTC 2024`. */
export function javaDateText(d: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  const zonePart = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' })
    .formatToParts(d)
    .find((p) => p.type === 'timeZoneName');
  const zone = zonePart?.value ?? 'GMT';
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${zone} ${d.getFullYear()}`;
}

const date: BuiltinFunction = (_operands, ctx) => javaDateText(ctx.now());

/**
 * ref/Ref: `reference` (String) parsed as a reference; eager (default) resolves it from the
 * holding description, `lazy true` returns it as a LAZY reference. With
 * `returnNULLOnException` present, a failed eager resolution gives NULL.
 */
const ref: BuiltinFunction = (operands, ctx) => {
  const fn = 'Ref';
  const text = requireOperand(operands, 'reference', fn);
  if (typeof text !== 'string') throw failed(fn, `\`reference\` must be a String, found ${describeValue(text)}`);
  const lazy = hasOperand(operands, 'lazy') ? booleanOperand('lazy', operand(operands, 'lazy') as Value, fn) : false;
  if (lazy || !hasOperand(operands, 'returnNULLOnException')) return ctx.resolveReference(text, lazy);
  try {
    return ctx.resolveReference(text, false);
  } catch {
    return null;
  }
};

const SET_PARAMETERS = new Set(['setMin', 'setMax', 'setInc', 'setSize', 'setElem', 'setPrefix']);
/** The most elements one Set may make: a guard against a typo such as `setMax 2000000000`. */
export const SET_LIMIT = 100_000;

/**
 * Set: a description holding the non-parameter operands followed by copies of `setElem`
 * named `<setPrefix><index>`, index = setMin + i*setInc for i < size, where size is `setSize`
 * or 1 + (setMax - setMin) / setInc; exactly one of setMax and setSize must be given.
 */
const set: BuiltinFunction = (operands) => {
  const fn = 'Set';
  const int = (name: string, fallback: number): number =>
    hasOperand(operands, name) ? integerOperand(name, operand(operands, name) as Value, fn) : fallback;
  const setMin = int('setMin', 0);
  const setMax = int('setMax', -1);
  const setInc = int('setInc', 1);
  let setSize = int('setSize', -1);
  const prefix = operand(operands, 'setPrefix') ?? 'elem';
  if (typeof prefix !== 'string') throw failed(fn, `\`setPrefix\` must be a String, found ${describeValue(prefix)}`);
  const element = operand(operands, 'setElem');
  if (!(element instanceof Description)) {
    throw failed(fn, element === undefined ? 'a Set requires an element `setElem`' : `\`setElem\` must be a component description, found ${describeValue(element)}`);
  }
  if (setMax === -1 && setSize === -1) throw failed(fn, 'one of `setMax` or `setSize` must be given');
  if (setMax !== -1 && setSize !== -1) throw failed(fn, 'only one of `setMax` or `setSize` may be given');
  if (setSize === -1) {
    if (setInc === 0) throw new FunctionError(Messages.DivisionByZero, { fn });
    setSize = (1 + Math.trunc(((setMax - setMin) | 0) / setInc)) | 0;
  }
  if (setSize < 0) throw failed(fn, `a Set cannot have a negative size (${setSize})`);
  if (setSize > SET_LIMIT) throw failed(fn, `a Set of ${setSize} elements exceeds the limit of ${SET_LIMIT}`);
  const result = new Description();
  for (const [name, v] of operands) if (!SET_PARAMETERS.has(name)) result.set(name, v);
  for (let i = 0; i < setSize; i++) {
    result.set(`${prefix}${(setMin + i * setInc) | 0}`, copyValue(element));
  }
  return result;
};

/**
 * userinput: builds never wait for a person (docs/design/language.md Appendix B), so it yields
 * `default`, which is the empty string when the description gives none.
 */
const userInput: BuiltinFunction = (operands) =>
  hasOperand(operands, 'default') ? requireOperand(operands, 'default', 'UserInput') : '';

export const BUILTINS: Record<string, BuiltinFunction> = {
  Sum: foldArithmetic('+', 'Sum'),
  Product: foldArithmetic('*', 'Product'),
  Minus: binaryArithmetic('-', 'Minus'),
  Divide: binaryArithmetic('/', 'Divide'),
  Mod: binaryArithmetic('%', 'Mod'),
  Concatenate: concatenate,
  Vector: vector,
  Append: append,
  And: foldBoolean('And', (a, b) => a && b),
  Or: foldBoolean('Or', (a, b) => a || b),
  Xor: foldBoolean('Xor', (a, b) => a !== b),
  Implies: foldBoolean('Implies', (a, b) => (a ? b : true)),
  Not: not,
  EQ: equality('EQ', false),
  NE: equality('NE', true),
  GE: comparison('>=', 'GE'),
  GT: comparison('>', 'GT'),
  LE: comparison('<=', 'LE'),
  LT: comparison('<', 'LT'),
  IfThenElse: ifThenElse,
  Switch: switchCases,
  Format: format,
  SystemComponent: systemComponent,
  Next: next,
  Random: random,
  Date: date,
  Ref: ref,
  Set: set,
  UserInput: userInput,
};
