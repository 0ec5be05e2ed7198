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
