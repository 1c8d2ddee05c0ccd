/**
 * `java.util.Random` (the 48-bit linear congruential generator of the JDK), so that `States.MathRandom`
 * with a seed gives one sequence for one seed, like the JVM that runs Step Functions.
 */
const MULTIPLIER = 0x5deece66dn;
const ADDEND = 0xbn;
const MASK = (1n << 48n) - 1n;

/** A seeded generator with Java's `nextInt(bound)` and `nextDouble()`. */
export class JavaRandom {
  private seed: bigint;

  constructor(seed: number) {
    this.seed = (BigInt.asIntN(64, BigInt(Math.trunc(seed))) ^ MULTIPLIER) & MASK;
  }

  /** A uniformly distributed integer in `[0, bound)`; `bound` must be a positive 32-bit integer. */
  nextInt(bound: number): number {
    if ((bound & -bound) === bound) return Number((BigInt(bound) * BigInt(this.next(31))) >> 31n);
    let bits: number;
    let value: number;
    do {
      bits = this.next(31);
      value = bits % bound;
    } while (bits - value + (bound - 1) > 0x7fffffff);
    return value;
  }

  /** A uniformly distributed number in `[0, 1)`, as Java's `nextDouble()`. */
  nextDouble(): number {
    return (this.next(26) * 2 ** 27 + (this.next(27) >>> 0)) / 2 ** 53;
  }

  private next(bits: number): number {
    this.seed = (this.seed * MULTIPLIER + ADDEND) & MASK;
    return Number(BigInt.asIntN(32, this.seed >> BigInt(48 - bits)));
  }
}
