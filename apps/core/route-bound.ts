/**
 * A route's bound at one input (exact-search.ts): its rate bound R, the product of the hops' rate bounds, and its
 * slack C, each hop's slack carried through the later hops (C' = C*r + s). Exactly, both are rationals whose
 * numerators and denominators grow by a V3 hop's 340 bits at every hop; the search asks of most of them only
 * whether R > 1, or whether C (or C plus a climb) stays under an integer. So each bound also keeps a float64
 * enclosure of R and C, widened at every operation by far more than its rounding (WIDEN), and answers from it when
 * the enclosure lies clear of the question's threshold; only otherwise (and for the search's secant steps, which use
 * the rate's value) are the rationals composed, once. Every answer is the exact one: the search finds, and proves,
 * the same trades as with the rationals alone.
 */
import type { HopBound, Ratio } from "./exact-hop.ts";

/**
 * Relative widening per float operation. Each operation, and each bigint's conversion to a float, rounds by at most
 * 2^-53 relatively; a hop's enclosure takes a few of them, so 2^-40 leaves room to spare and is still far finer than
 * any threshold the search compares against (a millionth of a profit, or one unit).
 */
const WIDEN = 2 ** -40;
const UP = 1 + WIDEN;
const DOWN = 1 - WIDEN;
/**
 * Floats are used only between these magnitudes: no overflow to Infinity, no subnormal (whose relative rounding is
 * not bounded by 2^-53). A bound outside them is answered from its rationals.
 */
const SMALLEST = 2 ** -900;
const LARGEST = 2 ** 900;

const ONE: Ratio = { num: 1n, den: 1n };
const ZERO: Ratio = { num: 0n, den: 1n };

/** The float enclosure [lo, hi] of a non-negative bigint or ratio, or null where floats would not hold it. */
function enclose(num: bigint, den = 1n): [number, number] | null {
  if (num === 0n) return [0, 0];
  const value = Number(num) / Number(den);
  if (!(value >= SMALLEST && value <= LARGEST)) return null;
  return [value * DOWN, value * UP];
}

/** Whether the non-negative float enclosure [lo, hi] of a value is below the integer n: true, false, or null (unsure). */
function below(lo: number, hi: number, n: bigint): boolean | null {
  if (n <= 0n) return false;
  const f = Number(n);
  if (hi < f * DOWN) return true;
  if (lo >= f * UP) return false;
  return null;
}

export class RouteBound {
  // The enclosures: rateLo <= R <= rateHi and slackLo <= C <= slackHi; NaN where a hop's figures would not fit a float.
  private rateLo = 1;
  private rateHi = 1;
  private slackLo = 0;
  private slackHi = 0;
  private exactRate: Ratio | null = null;
  private exactSlack: Ratio | null = null;
  private readonly hops: HopBound[] = [];

  /** Carries the bound through one more hop (in route order). */
  add(b: HopBound): void {
    this.hops.push(b);
    const r = enclose(b.rate.num, b.rate.den);
    const s = enclose(b.slack);
    if (r === null || s === null) {
      this.rateLo = this.rateHi = this.slackLo = this.slackHi = NaN;
      return;
    }
    // Every quantity is non-negative, so rounding each product and sum outwards keeps lo <= exact <= hi.
    this.slackLo = (this.slackLo * r[0] * DOWN + s[0]) * DOWN;
    this.slackHi = (this.slackHi * r[1] * UP + s[1]) * UP;
    this.rateLo = this.rateLo * r[0] * DOWN;
    this.rateHi = this.rateHi * r[1] * UP;
  }

  /** R, exactly. */
  get rate(): Ratio {
    if (this.exactRate === null) {
      let rate = ONE;
      for (const b of this.hops) rate = { num: rate.num * b.rate.num, den: rate.den * b.rate.den };
      this.exactRate = rate;
    }
    return this.exactRate;
  }

  /** C, exactly. */
  get slackRatio(): Ratio {
    if (this.exactSlack === null) {
      let slack = ZERO;
      for (const b of this.hops) {
        slack = { num: slack.num * b.rate.num + b.slack * slack.den * b.rate.den, den: slack.den * b.rate.den };
      }
      this.exactSlack = slack;
    }
    return this.exactSlack;
  }

  /** floor(C): profits are integers, so profit + floor(C) bounds them as well as profit + C does. */
  get slack(): bigint {
    const { num, den } = this.slackRatio;
    return num / den;
  }

  /** Whether R > 1: the route still gains at this input. */
  rising(): boolean {
    if (this.rateLo > 1) return true;
    if (this.rateHi < 1) return false;
    const { num, den } = this.rate;
    return num > den;
  }

  /** Whether C < n for an integer n (equivalently floor(C) < n). */
  slackBelow(n: bigint): boolean {
    const quick = below(this.slackLo, this.slackHi, n);
    if (quick !== null) return quick;
    const { num, den } = this.slackRatio;
    return num < n * den;
  }

  /** Whether C <= m for an integer m. */
  slackAtMost(m: bigint): boolean {
    if (m < 0n) return false;
    const f = Number(m);
    if (this.slackHi < f * DOWN) return true;
    if (this.slackLo > f * UP) return false;
    const { num, den } = this.slackRatio;
    return num <= m * den;
  }

  /**
   * Whether C + max(0, R - 1) * d < n, for integers d >= 0 and n: whether the bound on profit over the `d` inputs
   * past this one stays under the integer `n` more than this input's profit. The climb is added to the slack as a
   * rational, and only their sum compared: rounding each up put a flat crest's bound a unit above its profit.
   */
  climbBelow(d: bigint, n: bigint): boolean {
    const df = Number(d);
    const climbHi = Math.max(0, this.rateHi - 1) * UP * df * UP * UP;
    const climbLo = Math.max(0, this.rateLo - 1) * DOWN * df * DOWN * DOWN;
    const quick = below((this.slackLo + climbLo) * DOWN, (this.slackHi + climbHi) * UP, n);
    if (quick !== null) return quick;
    const { num, den } = this.slackRatio;
    const rate = this.rate;
    const excess = rate.num - rate.den;
    if (excess <= 0n) return num < n * den;
    // C + (R - 1) * d < n, over the common denominator den * rate.den.
    return num * rate.den + excess * d * den < n * den * rate.den;
  }
}
