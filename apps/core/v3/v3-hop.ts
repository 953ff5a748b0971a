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
import { swapV3, v3AmountOut } from "./pool.ts";
import { FEE_PIPS_DENOMINATOR } from "./swap-math.ts";

const Q192 = Q96 * Q96;

function ceilDiv(num: bigint, den: bigint): bigint {
  return (num + den - 1n) / den;
}

/** Selling token0 (zeroForOne) or token1 into `pool`, whose state must not change while the hop is in use. */
export function v3ExactHop(pool: V3PoolState, zeroForOne: boolean): ExactHop {
  const keep = FEE_PIPS_DENOMINATOR - BigInt(pool.feePips);
  const rateAt = (sqrtPrice: bigint) =>
    zeroForOne
      ? { num: keep * sqrtPrice * sqrtPrice, den: FEE_PIPS_DENOMINATOR * Q192 }
      : { num: keep * Q192, den: FEE_PIPS_DENOMINATOR * sqrtPrice * sqrtPrice };
  const spot = rateAt(pool.sqrtPriceX96);
  const spotCeil = ceilDiv(spot.num, spot.den);
  return {
    out(y) {
      try {
        return v3AmountOut(pool, zeroForOne, y);
      } catch (error) {
        if (error instanceof V3MathError) return null;
        throw error;
      }
    },
    bound(y): HopBound {
      if (y <= 0n) return { rate: spot, slack: 0n };
      const r = swapV3(pool, zeroForOne, y);
      const low = r.sqrtPriceX96 < pool.sqrtPriceX96 ? r.sqrtPriceX96 : pool.sqrtPriceX96;
      const priceUnit = ceilDiv(r.maxLiquidity * Q96, low * low) + ceilDiv(r.maxLiquidity, Q96);
      const slack = BigInt(r.steps + 2) * (2n * spotCeil + 2n) + priceUnit + 2n;
      return { rate: rateAt(r.sqrtPriceX96), slack };
    },
  };
}
