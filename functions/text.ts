/**
 * The textual form of values for `++` and `formatString` (docs/design/language.md §10.5): Java's
 * `toString` of the value SmartFrog would hold. Floats and doubles follow Java's
 * `Float.toString` / `Double.toString` (the shortest-decimal specification of JDK 19+):
 * the shortest decimal that reads back as the same value, plain notation for magnitudes in
 * [10^-3, 10^7) and computerized scientific notation (`1.0E10`, `1.0E-5`) otherwise, with at
 * least one digit after the point.
 */
import { Messages } from '../core/messages/index.js';
import { SfDouble, SfFloat, kindOf, type Value } from '../core/values.js';
import { FunctionError } from './context.js';

/** A decimal d1.d2d3… × 10^exp, with no trailing zeros in `digits` (at least one digit). */
interface Decimal {
  digits: string;
  exp: number;
}

function parseExponential(s: string): Decimal {
  const [mantissa, e] = s.split('e');
  const digits = mantissa.replace('.', '').replace(/0+$/, '') || '0';
  return { digits, exp: Number(e) };
}

/**
 * The shortest decimal that rounds back to `x` (positive, finite, non-zero); `float` reads
 * back through binary32. When one digit suffices Java chooses among one- and two-digit
 * decimals the one closest to `x` (Double.MIN_VALUE prints as 4.9E-324, not 5e-324).
 */
function shortestDecimal(x: number, float: boolean): Decimal {
  const roundTrips = (s: string): boolean => (float ? Math.fround(Number(s)) : Number(s)) === x;
  let shortest: string | undefined;
  if (float) {
    for (let p = 0; p <= 8 && shortest === undefined; p++) {
      const s = x.toExponential(p);
      if (roundTrips(s)) shortest = s;
    }
  } else {
    shortest = x.toExponential(); // JavaScript's shortest round-trip digits
  }
  if (shortest === undefined) throw new Error(`no decimal reads back as ${x}`); // unreachable: 9 digits always do
  const decimal = parseExponential(shortest);
  if (decimal.digits.length > 1) return decimal;
  // One digit is enough: Java picks the closest decimal of length 1 or 2.
  const near = parseExponential(x.toExponential(1));
  const mantissa = Number((near.digits + '0').slice(0, 2));
  let best: Decimal = decimal;
  let bestDistance = distance(decimal, x);
  for (const m of [mantissa - 1, mantissa, mantissa + 1]) {
    if (m < 10 || m > 99) continue;
    if (!roundTrips(`${m}e${near.exp - 1}`)) continue;
    const candidate: Decimal = { digits: String(m).replace(/0$/, ''), exp: near.exp };
    const d = distance(candidate, x);
    if (d.num * bestDistance.den < bestDistance.num * d.den) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

interface Fraction {
  num: bigint;
  den: bigint;
}

/** The exact distance between a decimal and a positive finite double, as a fraction. */
function distance(decimal: Decimal, x: number): Fraction {
  // The decimal as m × 10^k with an integer m.
  const m = BigInt(decimal.digits);
  const k = decimal.exp - (decimal.digits.length - 1);
  const [dn, dd] = k >= 0 ? [m * 10n ** BigInt(k), 1n] : [m, 10n ** BigInt(-k)];
  // The double as M × 2^E with an integer M, from its bits.
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const M = biased === 0 ? fraction : fraction | (1n << 52n);
  const E = (biased === 0 ? 1 : biased) - 1075;
  const [xn, xd] = E >= 0 ? [M << BigInt(E), 1n] : [M, 1n << BigInt(-E)];
  const num = dn * xd - xn * dd;
  return { num: num < 0n ? -num : num, den: dd * xd };
}

function javaFloating(x: number, float: boolean): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const { digits, exp } = shortestDecimal(Math.abs(x), float);
  if (exp >= -3 && exp < 7) {
    if (exp >= 0) {
      const whole = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
      return `${sign}${whole}.${digits.slice(exp + 1) || '0'}`;
    }
    return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  }
  return `${sign}${digits[0]}.${digits.slice(1) || '0'}E${exp}`;
}

/** Java's `Double.toString(x)`. */
export function javaDoubleText(x: number): string {
  return javaFloating(x, false);
}

/** Java's `Float.toString(x)`; `x` must be a binary32 value (as SfFloat holds). */
export function javaFloatText(x: number): string {
  return javaFloating(Math.fround(x), true);
}

/**
 * The §10.5 textual form: Integer/Long in decimal, Float/Double as Java prints them,
 * Boolean `true`/`false`, String as is, NULL as `NULL` (SmartFrog's SFNull.toString, §15-A8),
 * a vector as Java's Vector.toString (`[a, b]`). Descriptions, references, functions, byte
 * arrays and TBD have no textual form: a FunctionError (SF2607).
 */
export function textOf(v: Value): string {
  if (v === null) return 'NULL';
  switch (typeof v) {
    case 'string': return v;
    case 'number': return String(v | 0);
    case 'bigint': return v.toString();
    case 'boolean': return v ? 'true' : 'false';
  }
  if (v instanceof SfFloat) return javaFloatText(v.value);
  if (v instanceof SfDouble) return javaDoubleText(v.value);
  if (Array.isArray(v)) return `[${v.map(textOf).join(', ')}]`;
  throw new FunctionError(Messages.NoTextualForm, { kind: kindOf(v) });
}
