/**
 * Java numeric semantics for the arithmetic and comparison built-ins (docs/design/language.md §10.4):
 * binary numeric promotion Integer < Long < Float < Double, 32-bit wrapping for Integer,
 * 64-bit wrapping for Long, rounding to binary32 after every Float operation, truncating
 * integer division, and an error for integer division or modulo by zero.
 */
import { Messages } from '../core/messages/index.js';
import { SfDouble, SfFloat, type Value } from '../core/values.js';
import { FunctionError, describeValue } from './context.js';

export type Num = number | bigint | SfFloat | SfDouble;

/** Promotion rank: 0 Integer, 1 Long, 2 Float, 3 Double. */
type Rank = 0 | 1 | 2 | 3;

export function isNum(v: Value | undefined): v is Num {
  return typeof v === 'number' || typeof v === 'bigint' || v instanceof SfFloat || v instanceof SfDouble;
}

function rankOf(v: Num): Rank {
  if (typeof v === 'number') return 0;
  if (typeof v === 'bigint') return 1;
  return v instanceof SfFloat ? 2 : 3;
}

/** The operand as a number, or an "Illegal numeric parameter" error naming it. */
export function numericOperand(name: string, v: Value, fn: string): Num {
  if (isNum(v)) return v;
  throw new FunctionError(Messages.IllegalNumeric, { name, fn, found: describeValue(v) });
}

const TWO_53 = 2n ** 53n;

/**
 * Java's long → float conversion: one rounding to nearest-even. `Number(big)` would round to
 * 53 bits first, and that double rounding can land on a binary32 tie; rounding to odd at
 * 53 bits (a sticky bit) and then to 24 bits gives the single correct rounding.
 */
export function longToFloat(v: bigint): number {
  const negative = v < 0n;
  let mag = negative ? -v : v;
  if (mag < TWO_53) return Math.fround(Number(v));
  const shift = mag.toString(2).length - 53;
  const dropped = mag & ((1n << BigInt(shift)) - 1n);
  mag >>= BigInt(shift);
  if (dropped !== 0n) mag |= 1n;
  const wide = Number(mag) * 2 ** shift;
  return Math.fround(negative ? -wide : wide);
}

function asLong(v: Num): bigint {
  return typeof v === 'bigint' ? v : BigInt(v as number);
}

function asFloat(v: Num): number {
  if (typeof v === 'number') return Math.fround(v);
  if (typeof v === 'bigint') return longToFloat(v);
  return v.value;
}

function asDouble(v: Num): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return v.value;
}

export type ArithOp = '+' | '-' | '*' | '/' | '%';

/**
 * `a op b` with Java's promotion. `fn` names the function in errors. Modulo takes Integer
 * and Long only (docs/design/language.md §10.4); floating-point division by zero gives ±Infinity/NaN.
 */
export function arithmetic(op: ArithOp, a: Num, b: Num, fn: string, names: [string, string]): Num {
  const rank = Math.max(rankOf(a), rankOf(b)) as Rank;
  if (op === '%' && rank > 1) {
    const [name, v] = rankOf(a) > 1 ? [names[0], a] : [names[1], b];
    throw new FunctionError(Messages.IllegalNumeric, { name, fn, found: describeValue(v) });
  }
  switch (rank) {
    case 0: return intOp(op, a as number, b as number, fn);
    case 1: return longOp(op, asLong(a), asLong(b), fn);
    case 2: return new SfFloat(Math.fround(floatingOp(op, asFloat(a), asFloat(b))));
    case 3: return new SfDouble(floatingOp(op, asDouble(a), asDouble(b)));
  }
}

function intOp(op: ArithOp, a: number, b: number, fn: string): number {
  switch (op) {
    case '+': return (a + b) | 0;
    case '-': return (a - b) | 0;
    case '*': return Math.imul(a, b);
    case '/':
      if (b === 0) throw new FunctionError(Messages.DivisionByZero, { fn });
      // Exact for 32-bit operands; `| 0` wraps MIN_VALUE / -1 back to MIN_VALUE as Java does.
      return Math.trunc(a / b) | 0;
    case '%':
      if (b === 0) throw new FunctionError(Messages.DivisionByZero, { fn });
      return (a % b) | 0; // `| 0` turns JavaScript's -0 into 0
  }
}

function longOp(op: ArithOp, a: bigint, b: bigint, fn: string): bigint {
  switch (op) {
    case '+': return BigInt.asIntN(64, a + b);
    case '-': return BigInt.asIntN(64, a - b);
    case '*': return BigInt.asIntN(64, a * b);
    case '/':
      if (b === 0n) throw new FunctionError(Messages.DivisionByZero, { fn });
      return BigInt.asIntN(64, a / b); // BigInt division truncates toward zero, as Java's
    case '%':
      if (b === 0n) throw new FunctionError(Messages.DivisionByZero, { fn });
      return a % b;
  }
}

function floatingOp(op: ArithOp, a: number, b: number): number {
  switch (op) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': return a / b;
    case '%': return a % b;
  }
}

export type CompareOp = '>=' | '>' | '<=' | '<';

/** `a op b` after promotion, as Java's primitive comparisons (any NaN compares false). */
export function compare(op: CompareOp, a: Num, b: Num): boolean {
  const rank = Math.max(rankOf(a), rankOf(b)) as Rank;
  let x: number | bigint;
  let y: number | bigint;
  if (rank <= 1) {
    x = asLong(a);
    y = asLong(b);
  } else if (rank === 2) {
    x = asFloat(a);
    y = asFloat(b);
  } else {
    x = asDouble(a);
    y = asDouble(b);
  }
  switch (op) {
    case '>=': return x >= y;
    case '>': return x > y;
    case '<=': return x <= y;
    case '<': return x < y;
  }
}
