/**
 * A Uniswap-V3 pool as a hop of the generic sizing search. Why the bound holds:
 * - the pool's real-valued output F (no rounding) is concave in the input: the price moves against the trader as the
 *   input grows and is continuous across ticks, so F'(y) = (1 - fee) * (marginal price after y) only falls;
 * - every rounding of the pool favours the pool, so the exact output never exceeds F, and the exact walk's price lags
 *   the real one: the marginal rate at the exact end price is at least F'(y);
 * - F(y) - out(y) is at most what the roundings take: per step a wei or two of input (worth at most the starting
 *   marginal rate each) and a wei of output, plus one unit of the final sqrt price, worth L/2^96 of token1 or
 *   L*2^96/s^2 of token0.
 * So out(y + d) <= F(y) + F'(y)*d <= out(y) + slack + rate*d. apps/core/exact-search.test.ts checks it against the
 * exact walk.
 */
import type { ExactHop, HopBound } from "../exact-hop.ts";
import { Q96, V3MathError } from "./full-math.ts";
import type { V3PoolState } from "./pool.ts";
import type { V3Quote } from "./swap-prefix.ts";
import { SwapPrefix } from "./swap-prefix.ts";
import { FEE_PIPS_DENOMINATOR } from "./swap-math.ts";

const Q192 = Q96 * Q96;

function ceilDiv(num: bigint, den: bigint): bigint {
  return (num + den - 1n) / den;
}

/**
 * Selling token0 (zeroForOne) or token1 into `pool`, whose state must not change while the hop is in use. The hop
 * keeps the steps its swaps complete (swap-prefix.ts): keep it while the state lasts, for every cycle through it.
 */
export function v3ExactHop(pool: V3PoolState, zeroForOne: boolean): ExactHop {
  const swaps = new SwapPrefix(pool, zeroForOne);
  const keep = FEE_PIPS_DENOMINATOR - BigInt(pool.feePips);
  const fixed = (zeroForOne ? FEE_PIPS_DENOMINATOR : keep) * Q192;
  const rateAt = (sqrtPrice: bigint) =>
    zeroForOne
      ? { num: keep * sqrtPrice * sqrtPrice, den: fixed }
      : { num: fixed, den: FEE_PIPS_DENOMINATOR * sqrtPrice * sqrtPrice };
  const spot = rateAt(pool.sqrtPriceX96);
  const spotCeil = ceilDiv(spot.num, spot.den);
  const spotSquared = pool.sqrtPriceX96 * pool.sqrtPriceX96;
  // The search prices dozens of inputs a cycle, most of them within the same ranges: the same most liquidity.
  let unitOf = { liquidity: -1n, unit: 0n };
  const boundOf = (r: V3Quote): HopBound => {
    // One unit of the final sqrt price is worth L/2^96 of token1 (the output selling token0) or L*2^96/s^2 of
    // token0 (the output selling token1, the price rising from s): only the output token's unit counts.
    if (unitOf.liquidity !== r.maxLiquidity) {
      const L = r.maxLiquidity;
      unitOf = { liquidity: L, unit: zeroForOne ? ceilDiv(L, Q96) : ceilDiv(L * Q96, spotSquared) };
    }
    const slack = BigInt(r.steps + 2) * (2n * spotCeil + 2n) + unitOf.unit + 2n;
    return { rate: rateAt(r.sqrtPriceX96), slack };
  };
  /** One walk: its output when the pool takes all of y (null where it cannot quote y), and the bound there. */
  const walk = (y: bigint): { out: bigint; bound: HopBound } | null => {
    if (y <= 0n) return { out: 0n, bound: { rate: spot, slack: 0n } };
    let q: V3Quote;
    try {
      q = swaps.quote(y);
    } catch (error) {
      if (error instanceof V3MathError) return null;
      throw error;
    }
    return q.paid === y ? { out: q.out, bound: boundOf(q) } : null;
  };
  // Within the current range the pool is a V2 pair of virtual reserves L/sqrtP (token0) and L*sqrtP (token1).
  const root = Number(pool.sqrtPriceX96) / 2 ** 96;
  const liquidity = Number(pool.liquidity);
  const [virtualIn, virtualOut] = zeroForOne
    ? [liquidity / root, liquidity * root]
    : [liquidity * root, liquidity / root];
  const keepFloat = 1 - pool.feePips / 1_000_000;
  return {
    ...(liquidity > 0 ? { curve: { a: keepFloat * virtualOut, b: virtualIn, c: keepFloat } } : {}),
    out: (y) => walk(y)?.out ?? null,
    bound(y): HopBound {
      if (y <= 0n) return { rate: spot, slack: 0n };
      return boundOf(swaps.quote(y));
    },
    quote: walk,
  };
}
