import { isqrt } from "./bigint-math.ts";
import type { Hop } from "./pool.ts";
import { FEE_DENOMINATOR, routeAmountIn, routeAmountOut } from "./pool-math.ts";

/**
 * A V2 hop without the floor is the Möbius map out = a*x / (b + c*x) with a = g*Rout, b = 10000*Rin, c = g
 * (g = 10000 - fee). Maps of this form compose in closed form, so a whole cycle folds into one virtual pool.
 */
export interface VirtualPool {
  a: bigint;
  b: bigint;
  c: bigint;
}

export function hopToVirtualPool(hop: Hop): VirtualPool {
  const g = FEE_DENOMINATOR - BigInt(hop.feeBps);
  return { a: g * hop.reserveOut, b: FEE_DENOMINATOR * hop.reserveIn, c: g };
}

/** `second` after `first`: a1*a2*x / (b1*b2 + (b2*c1 + a1*c2)*x). */
export function composeVirtualPools(first: VirtualPool, second: VirtualPool): VirtualPool {
  return { a: first.a * second.a, b: first.b * second.b, c: second.b * first.c + first.a * second.c };
}

export function foldRoute(hops: readonly Hop[]): VirtualPool {
  let folded = hopToVirtualPool(hops[0]!);
  for (let i = 1; i < hops.length; i++) folded = composeVirtualPools(folded, hopToVirtualPool(hops[i]!));
  return folded;
}

/** How sure the size is: the integer optimum, within 1e-6 of its profit, or best found when neither was provable. */
export type Optimality = "exact" | "ppm" | "unproven";

export interface SizedTrade {
  amountIn: bigint;
  amountOut: bigint;
  profit: bigint;
  optimality: Optimality;
}

/** Relative tolerance of the contract: one part in a million of the optimum profit. */
const PPM = 1_000_000n;
/** Step-start probes allowed when the optimum has to be found by enumeration (only dust-sized profits get here). */
const ENUMERATION_BUDGET = 4096;

/**
 * The integer input that maximises exact cycle profit `route(x) - x`, or null when no input is profitable.
 *
 * The folded virtual pool gives the real optimum x* = (sqrt(AB) - B) / C and the bound
 * profit <= (A + B - 2*sqrt(AB)) / C on every integer input. Integer candidates next to x* are evaluated with the
 * floored pool math and moved to the start of their output step (the cheapest input for the same output). If that
 * meets the bound to 1e-6 we are done; otherwise the inputs that could still beat it solve a quadratic, and those are
 * enumerated step by step.
 */
export function optimalTrade(hops: readonly Hop[]): SizedTrade | null {
  const { a: A, b: B, c: C } = foldRoute(hops);
  // Marginal rate at zero is A/B: at or below 1 no real input, hence no integer input, is profitable.
  if (A <= B || C === 0n) return null;
  const root = isqrt(A * B);
  const x0 = (root - B) / C;

  let best = probe(hops, x0 > 0n ? x0 : 1n);
  const next = probe(hops, x0 + 1n);
  if (next.profit > best.profit) best = next;

  const bound = (A + B - 2n * root) / C;
  if (best.profit > 0n && best.profit >= bound) return { ...best, optimality: "exact" };
  if (best.profit > 0n && best.profit * PPM >= bound * (PPM - 1n)) return { ...best, optimality: "ppm" };
  // Integer profit never exceeds the bound, so a bound of zero settles it.
  if (bound <= 0n) return null;
  return refine(hops, A, B, C, best);
}

interface Candidate {
  amountIn: bigint;
  amountOut: bigint;
  profit: bigint;
}

/** Exact profit at `x`, after moving `x` down to the first input that yields the same output. */
function probe(hops: readonly Hop[], x: bigint): Candidate {
  const out = routeAmountOut(x, hops);
  if (out === 0n) return { amountIn: x, amountOut: 0n, profit: -x };
  const start = routeAmountIn(out, hops) ?? x;
  return { amountIn: start, amountOut: out, profit: out - start };
}

/**
 * Integer inputs with profit >= t satisfy the real inequality A*x/(B+C*x) - x >= t, i.e.
 * C*x^2 - (A - B - C*t)*x + t*B <= 0. No real root means `best` is already the integer optimum.
 */
function refine(hops: readonly Hop[], A: bigint, B: bigint, C: bigint, best: Candidate): SizedTrade | null {
  const t = (best.profit > 0n ? best.profit : 0n) + 1n;
  const m = A - B - C * t;
  const discriminant = m * m - 4n * C * t * B;
  if (m <= 0n || discriminant < 0n) return best.profit > 0n ? { ...best, optimality: "exact" } : null;
  const r = isqrt(discriminant);
  let x = (m - r - 1n) / (2n * C);
  if (x < 1n) x = 1n;
  const hi = (m + r + 1n) / (2n * C);
  let probes = 0;
  while (x <= hi) {
    if (++probes > ENUMERATION_BUDGET) {
      return best.profit > 0n ? { ...best, optimality: "unproven" } : null;
    }
    const out = routeAmountOut(x, hops);
    if (out - x > best.profit) best = { amountIn: x, amountOut: out, profit: out - x };
    // Within one output step profit only falls, so jump to the first input of the next step.
    const nextStart = routeAmountIn(out + 1n, hops);
    if (nextStart === null) break;
    x = nextStart > x ? nextStart : x + 1n;
  }
  return best.profit > 0n ? { ...best, optimality: "exact" } : null;
}
