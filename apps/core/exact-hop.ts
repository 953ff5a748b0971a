/**
 * A hop of a route as the generic sizing search (exact-search.ts) sees it: the pool's exact integer output, and a
 * local upper bound that lets the search prove where no better input can be. Any pool type can supply one; V2 pairs
 * here, V3 pools in v3/v3-hop.ts.
 */
import type { Hop } from "./pool.ts";
import { FEE_DENOMINATOR, getAmountOut } from "./pool-math.ts";

/** A non-negative rational num/den (den > 0). */
export interface Ratio {
  num: bigint;
  den: bigint;
}

/**
 * What the search's proofs stand on, for the hop's real-valued output F (no rounding), concave and nondecreasing,
 * with out(y) <= F(y) everywhere: at input y, F'(y) <= rate and F(y) <= out(y) + slack. Hence also
 * out(y + d) <= out(y) + rate*d + slack for every d >= 0 (what tests check against the exact output).
 */
export interface HopBound {
  /** An upper bound of the hop's real marginal rate at this input (output units per input unit). */
  rate: Ratio;
  /** Rounding allowance: the real output at this input is at most out + slack. */
  slack: bigint;
}

export interface ExactHop {
  /**
   * Exact output for `amountIn` >= 0 (0 for 0), nondecreasing in it; null where the hop cannot quote it (the pool
   * would revert, or the walk leaves the state that is known), which is then so for every larger input too.
   */
  out(amountIn: bigint): bigint | null;
  /** The bound at `amountIn`, which out() quotes. */
  bound(amountIn: bigint): HopBound;
  /** out() and bound() together, for a hop that can give both from one walk (what the search calls if present). */
  quote?(amountIn: bigint): { out: bigint; bound: HopBound } | null;
  /**
   * A float approximation out ~ a*y / (b + c*y) near the current state (a V2 pair's own curve, a V3 pool's within
   * its current range), only to tell the search where to look first: never to decide anything.
   */
  curve?: { a: number; b: number; c: number };
}

/**
 * A Uniswap-V2 hop. Its real-valued output F(y) = a*y/(b + c*y) is concave and the pair floors it, so
 * out(y + d) <= F(y + d) <= F(y) + F'(y)*d < out(y) + 1 + F'(y)*d, with F'(y) = a*b/(b + c*y)^2 exactly.
 */
export function v2ExactHop(hop: Hop): ExactHop {
  const g = FEE_DENOMINATOR - BigInt(hop.feeBps);
  const a = g * hop.reserveOut;
  const b = FEE_DENOMINATOR * hop.reserveIn;
  return {
    curve: { a: Number(a), b: Number(b), c: Number(g) },
    out: (y) => getAmountOut(y, hop.reserveIn, hop.reserveOut, hop.feeBps),
    bound: (y) => {
      const d = b + g * y;
      // At zero out(0) = F(0) = 0: no rounding yet.
      return { rate: { num: a * b, den: d * d }, slack: y > 0n ? 1n : 0n };
    },
  };
}
