import type { Hop } from "./pool.ts";

/** Fees are in basis points of this denominator. */
export const FEE_DENOMINATOR = 10_000n;

/** The largest reserve a Uniswap-V2 pair can hold (reserves are uint112). */
export const MAX_RESERVE = 1n << 112n;

/**
 * 10000 - fee as a bigint, by fee. A route is priced thousands of times per scan, and converting the number to a
 * bigint on every hop was a measurable share of it; filled on first use of each fee.
 */
const KEEP: bigint[] = [];
function keep(feeBps: number): bigint {
  return (KEEP[feeBps] ??= BigInt(10_000 - feeBps));
}

/**
 * Uniswap-V2 output for `amountIn`, floored exactly as the pair contract enforces it:
 * out = x*(10000-fee)*Rout / (Rin*10000 + x*(10000-fee)).
 */
export function getAmountOut(amountIn: bigint, reserveIn: bigint, reserveOut: bigint, feeBps: number): bigint {
  if (amountIn <= 0n || reserveIn <= 0n || reserveOut <= 0n) return 0n;
  const inWithFee = amountIn * keep(feeBps);
  return (inWithFee * reserveOut) / (reserveIn * FEE_DENOMINATOR + inWithFee);
}

/**
 * The smallest input whose output is at least `amountOut` (the exact inverse of getAmountOut; the router's
 * `getAmountIn` adds 1 unconditionally and so overshoots by one when the division is exact).
 * Returns null when no input can buy that much.
 */
export function getAmountIn(amountOut: bigint, reserveIn: bigint, reserveOut: bigint, feeBps: number): bigint | null {
  if (amountOut <= 0n) return 0n;
  if (amountOut >= reserveOut || reserveIn <= 0n || feeBps >= 10_000) return null;
  const numerator = amountOut * reserveIn * FEE_DENOMINATOR;
  const denominator = (reserveOut - amountOut) * keep(feeBps);
  return (numerator + denominator - 1n) / denominator;
}

/** Exact amounts along a route: element 0 is `amountIn`, element i the output of hop i. */
export function quoteRoute(amountIn: bigint, hops: readonly Hop[]): bigint[] {
  const amounts = [amountIn];
  let amount = amountIn;
  for (const hop of hops) {
    amount = getAmountOut(amount, hop.reserveIn, hop.reserveOut, hop.feeBps);
    amounts.push(amount);
  }
  return amounts;
}

/** Exact final output of a route. */
export function routeAmountOut(amountIn: bigint, hops: readonly Hop[]): bigint {
  let amount = amountIn;
  for (const hop of hops) amount = getAmountOut(amount, hop.reserveIn, hop.reserveOut, hop.feeBps);
  return amount;
}

/**
 * The smallest input of the route's first `end` hops (all by default) whose final output is at least `amountOut`, or
 * null if unreachable.
 */
export function routeAmountIn(amountOut: bigint, hops: readonly Hop[], end = hops.length): bigint | null {
  let amount: bigint | null = amountOut;
  for (let i = end - 1; i >= 0 && amount !== null; i--) {
    const hop = hops[i]!;
    amount = getAmountIn(amount, hop.reserveIn, hop.reserveOut, hop.feeBps);
  }
  return amount;
}
