import { ceilDiv, floorDiv, isqrt } from "./bigint-math.ts";
import type { Hop } from "./pool.ts";
import { FEE_DENOMINATOR, routeAmountIn, routeAmountOut } from "./pool-math.ts";
import { lowerBound, SCREEN_LIMIT, ValueScreen } from "./value-screen.ts";

/**
 * A V2 hop without the floor is the Möbius map out = a*x / (b + c*x) with a = g*Rout, b = 10000*Rin, c = g
 * (g = 10000 - fee). Maps of this form compose in closed form, so a whole cycle folds into one virtual pool.
 */
export interface VirtualPool {
  a: bigint;
  b: bigint;
  c: bigint;
}

/** The identity map x -> x, the fold of an empty route. */
const IDENTITY: VirtualPool = { a: 1n, b: 1n, c: 0n };

export function hopToVirtualPool(hop: Hop): VirtualPool {
  const g = FEE_DENOMINATOR - BigInt(hop.feeBps);
  return { a: g * hop.reserveOut, b: FEE_DENOMINATOR * hop.reserveIn, c: g };
}

/** `second` after `first`: a1*a2*x / (b1*b2 + (b2*c1 + a1*c2)*x). */
export function composeVirtualPools(first: VirtualPool, second: VirtualPool): VirtualPool {
  return { a: first.a * second.a, b: first.b * second.b, c: second.b * first.c + first.a * second.c };
}

export function foldRoute(hops: readonly Hop[]): VirtualPool {
  let folded = IDENTITY;
  for (const hop of hops) folded = composeVirtualPools(folded, hopToVirtualPool(hop));
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
/**
 * Most candidates tried to prove one size. The live scanner keeps it small so a block stays fast (a cycle whose proof
 * needs more is reported with the best size found and counted as unproven); a one-shot scan can afford a large one.
 */
export const DEFAULT_SIZING_BUDGET = 512n;

/**
 * The integer input that maximises exact cycle profit `route(x) - x`, or null when no input is profitable.
 *
 * Split the cycle at hop i into a head (base -> token i) and a tail (token i -> base). Any input x that leaves y of
 * token i is beaten or matched by the cheapest input buying y, so the integer optimum is
 *   max over integer y of  tail(y) - headInverse(y),
 * and, floors aside, both parts are folded virtual pools: the real-valued profit R(y) is concave with a closed-form
 * maximiser. We split where the token's base unit is coarsest (its floors are what separate the integer optimum from
 * the real one), start from the integers next to the real maximiser, and prove the result: every integer y that could
 * still beat the best found satisfies a quadratic inequality R(y) >= t, whose few integer solutions are tried
 * exactly. Float64 only picks the split; every decision is exact.
 */
export function optimalTrade(hops: readonly Hop[], budgetLimit = DEFAULT_SIZING_BUDGET): SizedTrade | null {
  const split = coarsestSplit(hops);
  const head = hops.slice(0, split);
  const tail = hops.slice(split);
  const h = foldRoute(head);
  const t = foldRoute(tail);
  const whole = composeVirtualPools(h, t);
  // Marginal rate at zero is A/B: at or below 1 no real input, hence no integer input, is profitable.
  if (whole.a <= whole.b) return null;

  // Real maximiser of R: tail'(y) = headInverse'(y) gives y = (sT*Ah - sH*Bt) / (sT*Ch + sH*Ct), sX = sqrt(AxBx).
  const sT = isqrt(t.a * t.b);
  const sH = isqrt(h.a * h.b);
  const y0 = floorDiv(sT * h.a - sH * t.b, sT * h.c + sH * t.c);

  let best: Candidate = { y: 0n, value: 0n };
  for (let y = y0 - 1n; y <= y0 + 1n; y++) best = better(best, y, head, tail);

  // Each round's window lies inside the previous one (its target is higher); the budget caps all rounds together.
  let budget = budgetLimit;
  let screen: ValueScreen | null = null;
  for (;;) {
    // t: the smallest profit that would show `best` is more than 1e-6 short of the optimum (best + 1 for dust).
    const target = (best.value * PPM) / (PPM - 1n) + 1n;
    const window = profitWindow(h, t, target);
    if (window === null) return finish(hops, head, best, target === best.value + 1n ? "exact" : "ppm");
    budget -= window.hi - window.lo + 1n;
    if (budget < 0n) return finish(hops, head, best, "unproven");
    let improved = false;
    if (window.hi < SCREEN_LIMIT) {
      // Integers the float screen rules out could not replace `best` (better() needs a strictly higher value), so
      // skipping them leaves every step of the search as it was; only the rest are priced exactly. The loop counts
      // in floats (exact below 2^53): a bigint counter would cost as much as the screen itself.
      screen ??= new ValueScreen(head, tail);
      let floor = lowerBound(best.value);
      for (let y = Number(window.lo), hi = Number(window.hi); y <= hi; y++) {
        if (screen.cannotBeat(y, floor)) continue;
        const next = better(best, BigInt(y), head, tail);
        if (next !== best) {
          best = next;
          improved = best.value >= target;
          floor = lowerBound(best.value);
        }
      }
    } else {
      for (let y = window.lo; y <= window.hi; y++) {
        const next = better(best, y, head, tail);
        if (next !== best) {
          best = next;
          improved = best.value >= target;
        }
      }
    }
    // Nothing in the window reached t, so the optimum is below t: best (possibly raised) is within tolerance.
    if (!improved) return finish(hops, head, best, target === best.value + 1n ? "exact" : "ppm");
  }
}

/** A split point y with value tail(y) - headInverse(y). */
interface Candidate {
  y: bigint;
  value: bigint;
}

function better(best: Candidate, y: bigint, head: readonly Hop[], tail: readonly Hop[]): Candidate {
  if (y <= 0n) return best;
  const x = routeAmountIn(y, head);
  if (x === null) return best;
  const value = routeAmountOut(y, tail) - x;
  return value > best.value ? { y, value } : best;
}

function finish(
  hops: readonly Hop[],
  head: readonly Hop[],
  best: Candidate,
  optimality: Optimality,
): SizedTrade | null {
  if (best.value <= 0n) return null;
  const amountIn = routeAmountIn(best.y, head)!;
  // The cheapest input for y may buy a little more than y, which only adds profit; report what the pools give.
  const amountOut = routeAmountOut(amountIn, hops);
  return { amountIn, amountOut, profit: amountOut - amountIn, optimality };
}

/**
 * Integers y (outward-rounded, so possibly a few extra) where the real profit R(y) = tail(y) - headInverse(y) >= t.
 * Multiplying out the positive denominators gives q2*y^2 - q1*y + q0 <= 0. Null when there are none.
 */
function profitWindow(h: VirtualPool, t: VirtualPool, target: bigint): { lo: bigint; hi: bigint } | null {
  const q2 = t.a * h.c + h.b * t.c - target * t.c * h.c;
  // q2 <= 0 means target exceeds what the tail can ever pay out, so no y reaches it.
  if (q2 <= 0n) return null;
  const q1 = t.a * h.a - h.b * t.b + target * (t.b * h.c - t.c * h.a);
  const q0 = target * t.b * h.a;
  if (q1 <= 0n) return null;
  // The parabola is lowest at q1/(2*q2): if both integers beside that are outside, every integer is (the usual case,
  // and far cheaper than the square root below).
  const vertex = q1 / (2n * q2);
  const outside = (y: bigint) => (q2 * y - q1) * y + q0 > 0n;
  if (outside(vertex) && outside(vertex + 1n)) return null;
  const discriminant = q1 * q1 - 4n * q2 * q0;
  if (discriminant < 0n) return null;
  const r = isqrt(discriminant);
  let lo = floorDiv(q1 - r - 1n, 2n * q2);
  let hi = floorDiv(q1 + r + 1n, 2n * q2);
  if (lo < 1n) lo = 1n;
  // headInverse is only defined (finite) for Ch*y < Ah.
  if (h.c > 0n) {
    const limit = ceilDiv(h.a, h.c) - 1n;
    if (hi > limit) hi = limit;
  }
  return lo <= hi ? { lo, hi } : null;
}

/**
 * The hop after which one base unit of the token held is worth the most base units of the start token: splitting
 * there makes the search window smallest. Judged from float marginal rates; any choice would be correct.
 */
function coarsestSplit(hops: readonly Hop[]): number {
  let split = 0;
  let unitsPerBase = 1;
  let lowest = 1;
  for (let i = 1; i < hops.length; i++) {
    const hop = hops[i - 1]!;
    unitsPerBase *= (Number(hop.reserveOut) / Number(hop.reserveIn)) * (1 - hop.feeBps / 10_000);
    if (unitsPerBase < lowest) {
      lowest = unitsPerBase;
      split = i;
    }
  }
  return split;
}
