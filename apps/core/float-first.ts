/**
 * Float-first sizing of a Uniswap-V2 cycle: floats find the size and bound the optimum, bigints decide.
 *
 * Floors only ever lower a hop's output, so no integer input earns more than the real-valued cycle's optimum
 * p* = (sqrt(A) - sqrt(B))^2 / C of its folded virtual pool (sizing.ts). Computed in float64 with its rounding
 * covered, p* is an upper bound; one exact route at the integer next to the real maximiser x* = (sqrt(AB) - B) / C
 * then proves itself within one part in a million of the optimum whenever its exact profit is within that of the
 * bound (`floatFirst`). That is every cycle whose profit dwarfs what its floors can cost, about one base unit of each
 * token on the way.
 *
 * Where one of those tokens has coarse units (USDC between WETH legs: one unit is 3e8 wei), its floor is what the
 * bound misses. `floatSplit` takes that token's integrality into account: the cycle split there earns, per integer
 * amount y of the token, at most the real R(y) = tail(y) - headInverse(y), a concave curve; its largest value at an
 * integer is at one of the integers beside its peak, which float derivative signs locate. Bigints price one or two
 * split points; the float bound proves them. What neither settles (dust, where the floors of two coarse tokens
 * matter) goes to the exact search of exact-maximum.ts.
 *
 * Rigour: each hop contributes at most three roundings to A and to B (two conversions of reserves, one product), and
 * C's sums and products of positive terms at most seven per hop; the evaluations of the curve and its slope add a few
 * more. The relative error of every float quantity used is therefore below 50 * 2^-53 (5.6e-15) for the longest
 * cycles (4 hops), and ERR allows 1e-12. Values stay far inside float range: A is at most (1e4 * 2^112)^4 (2^502).
 */
import { FloatHops } from "./float-hops.ts";
import type { Hop } from "./pool.ts";
import { routeAmountIn, routeAmountOut } from "./pool-math.ts";
import type { SizedTrade } from "./sized-trade.ts";
import { differenceAbove, lowerBound, outputAbove, upperBound } from "./value-screen.ts";

/** Relative error allowed on each float quantity (a few hundred times what the roundings can do). */
const ERR = 1e-12;
const UP = 1 + ERR;
const DOWN = 1 - ERR;
/**
 * 1 - 1e-6, raised by a margin far above the one rounding of the product it enters: a profit at or above
 * bound * PPM_FACTOR is within one part in a million of the bound, hence of the optimum.
 */
const PPM_FACTOR = 1 - 1e-6 + 1e-12;
/** Integers below this are exact in a float64. */
const EXACT = 2 ** 53;
/** A route folded into one Möbius map x -> a*x / (b + c*x), in floats (scratch, overwritten by the next fold). */
class FloatPool {
  a = 1;
  b = 1;
  c = 0;

  /** Folds hops from..to-1; false when a pool on the way is empty (getAmountOut pays nothing there). */
  fold(hops: FloatHops, from: number, to: number): boolean {
    let a = 1;
    let b = 1;
    let c = 0;
    for (let i = from; i < to; i++) {
      const reserveOut = hops.reserveOut[i]!;
      const reserveIn = hops.reserveIn[i]!;
      if (!(reserveIn > 0) || !(reserveOut > 0)) return false;
      const g = 10_000 - hops.feeBps[i]!;
      const rin = 1e4 * reserveIn;
      c = rin * c + a * g;
      a *= g * reserveOut;
      b *= rin;
    }
    this.a = a;
    this.b = b;
    this.c = c;
    return true;
  }
}

const whole = new FloatPool();
const head = new FloatPool();
const tail = new FloatPool();

/**
 * The trade when floats settle the cycle, null when no input is profitable, undefined when the floors matter too much
 * for the bound to prove anything (the caller goes on with `floatSplit`, then the exact search). `floats` holds the
 * same hops as floats (a scanner passes its scratch).
 */
export function floatFirst(hops: readonly Hop[], floats = FloatHops.of(hops)): SizedTrade | null | undefined {
  // An empty pool on the way: no input comes back with a profit.
  if (!whole.fold(floats, 0, floats.length)) return null;
  const { a, b, c } = whole;
  // A <= B within rounding: the marginal rate at zero is at most 1, so nothing is profitable.
  if (a * UP <= b * DOWN) return null;
  const sa = Math.sqrt(a);
  const sb = Math.sqrt(b);
  const gap = sa * UP - sb * DOWN;
  // Too close to break-even for floats to say anything.
  if (!(gap > 0)) return undefined;
  // The real optimum's upper bound, inflated for the roundings of the bound's own operations.
  const bound = ((gap * gap) / (c * DOWN)) * UP;
  // Every integer profit is below 1, so none is positive.
  if (bound < 1) return null;
  const xStar = (sa * sb - b) / c;
  if (!(xStar >= 1) || !Number.isFinite(xStar)) return undefined;
  const x = Math.floor(xStar);
  // A float integer is the bigint input exactly, so the screen's bound on the route holds for it.
  if (cannotProve(floats, x, x, bound)) return undefined;
  return proveTrade(BigInt(x), hops, bound);
}

/**
 * The trade when the cycle split after hop `split` settles it in floats (see the file comment), null when no integer
 * split point is profitable, else undefined. Call after `floatFirst` returned undefined.
 */
export function floatSplit(
  hops: readonly Hop[],
  split: number,
  floats = FloatHops.of(hops),
): SizedTrade | null | undefined {
  if (!head.fold(floats, 0, split) || !tail.fold(floats, split, floats.length)) return undefined;
  const sT = Math.sqrt(tail.a * tail.b);
  const sH = Math.sqrt(head.a * head.b);
  const peak = (sT * head.a - sH * tail.b) / (sT * head.c + sH * tail.c);
  if (!(peak >= 2) || !(peak < EXACT - 4)) return undefined;
  const lo = Math.floor(peak) - 1;
  const hi = lo + 3;
  // headInverse(y) is finite only while c*y < a; keeping c*y below half of a also keeps the subtraction a - c*y in
  // `inverse` from magnifying the fold's rounding more than twofold.
  if (!(head.c * hi <= head.a * 0.5)) return undefined;
  // The peak lies strictly between lo and hi, certainly: R rises at lo and falls at hi, so by concavity every integer
  // left of lo is worth less than lo and every integer right of hi less than hi.
  if (!(slope(tail, lo) * DOWN > inverseSlope(head, lo) * UP)) return undefined;
  if (!(slope(tail, hi) * UP < inverseSlope(head, hi) * DOWN)) return undefined;
  let bound = -Infinity;
  for (let y = lo; y <= hi; y++) {
    const r = forward(tail, y) * UP - inverse(head, y) * DOWN;
    // The subtraction's own rounding, on the safe side.
    const above = r > 0 ? r * UP : r * DOWN;
    if (above > bound) bound = above;
  }
  // Every integer split point is worth less than 1: nothing is profitable.
  if (bound < 1) return null;
  const nearest = Math.round(peak);
  const other = nearest === lo + 1 ? lo + 2 : lo + 1;
  for (let k = 0; k < 2; k++) {
    const amountIn = routeAmountIn(BigInt(k === 0 ? nearest : other), hops, split);
    if (amountIn === null || amountIn <= 0n) continue;
    if (cannotProve(floats, lowerBound(amountIn), upperBound(amountIn), bound)) continue;
    const trade = proveTrade(amountIn, hops, bound);
    if (trade !== undefined) return trade;
  }
  return undefined;
}

/**
 * True only when `proveTrade` certainly fails for an input between the floats `low` and `high`: a float bound on the
 * route's exact profit there (value-screen.ts) already falls short of what the proof needs, so the bigint route is
 * not priced. A dust cycle, whose floors cost more than a millionth of its profit, is usually told apart here: it goes
 * on to the next proof at the cost of a few float operations. The comparisons are proveTrade's own, with a float at or
 * above its profit (rounding is monotone, so `above + 1` is at or above its `floor + 1`).
 */
function cannotProve(floats: FloatHops, low: number, high: number, bound: number): boolean {
  const above = differenceAbove(outputAbove(floats, 0, floats.length, high), low);
  return above <= 0 || (bound >= above + 1 && above < bound * PPM_FACTOR);
}

/** The exact trade at `amountIn` if its profit is within one part in a million of `bound`, else undefined. */
function proveTrade(amountIn: bigint, hops: readonly Hop[], bound: number): SizedTrade | undefined {
  const amountOut = routeAmountOut(amountIn, hops);
  const profit = amountOut - amountIn;
  if (profit <= 0n) return undefined;
  const floor = lowerBound(profit);
  // The bound leaves no room for an integer above the profit: it is the optimum.
  if (floor < EXACT && bound < floor + 1) return { amountIn, amountOut, profit, optimality: "exact" };
  if (floor < bound * PPM_FACTOR) return undefined;
  return { amountIn, amountOut, profit, optimality: "ppm" };
}

/** Real output of the folded route for input y. */
function forward(p: FloatPool, y: number): number {
  return (p.a * y) / (p.b + p.c * y);
}

/** Real input the folded route needs to deliver y (its inverse map). */
function inverse(p: FloatPool, y: number): number {
  return (p.b * y) / (p.a - p.c * y);
}

function slope(p: FloatPool, y: number): number {
  const d = p.b + p.c * y;
  return (p.a * p.b) / (d * d);
}

function inverseSlope(p: FloatPool, y: number): number {
  const d = p.a - p.c * y;
  return (p.a * p.b) / (d * d);
}
