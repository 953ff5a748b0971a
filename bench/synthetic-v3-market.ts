/**
 * Uniswap-V3 pools for the seeded synthetic markets: a share of a market's pairs is listed as V3 pools instead, at
 * the same price (so the same share of them sits off its fee band) with a full-range position and concentrated ones
 * over up to a hundred tick spacings around the price, as liquidity providers place them. The V2 market of a seed is
 * unchanged apart from the pools moved; the V3 choices come from their own random stream.
 * Used by the scan benchmark and by the scanner's tests.
 */
import type { Pool, V3Pool, V3StateUpdate } from "../apps/core/index.ts";
import { isqrt } from "../apps/core/index.ts";
import type { V3PoolState } from "../apps/core/v3/index.ts";
import { TickTable, compress, getTickAtSqrtRatio, swapV3, V3MathError, wordOf } from "../apps/core/v3/index.ts";
import type { SyntheticMarket } from "./synthetic-market.ts";
import { rng } from "./synthetic-market.ts";

/** The fee tier (pips, tick spacing) a V3 listing of a V2 pool with this fee gets. */
function tierFor(feeBps: number): { feePips: number; tickSpacing: number } {
  if (feeBps <= 1) return { feePips: 100, tickSpacing: 1 };
  if (feeBps <= 5) return { feePips: 500, tickSpacing: 10 };
  if (feeBps <= 30) return { feePips: 3000, tickSpacing: 60 };
  return { feePips: 10000, tickSpacing: 200 };
}

/** Bitmap words known either side of the price's word, as the chain reader's default radius. */
const WORD_RADIUS = 3;

/** A V3 pool at the price and depth of a V2 pool: V2-equivalent liquidity sqrt(r0*r1), a quarter of it full-range. */
export function v3PoolLike(pool: Pool, random: () => number): V3Pool {
  // The factory orders a pool's tokens by address; the pool's price is token1 per token0.
  const flip = pool.token0 > pool.token1;
  const [token0, token1] = flip ? [pool.token1, pool.token0] : [pool.token0, pool.token1];
  const [reserve0, reserve1] = flip ? [pool.reserve1, pool.reserve0] : [pool.reserve0, pool.reserve1];
  const sqrtPriceX96 = isqrt((reserve1 << 192n) / reserve0);
  const tick = getTickAtSqrtRatio(sqrtPriceX96);
  const { feePips, tickSpacing } = tierFor(pool.feeBps);
  const word = wordOf(compress(tick, tickSpacing));
  const ticks = new TickTable(tickSpacing, [], word - WORD_RADIUS, word + WORD_RADIUS);
  const depth = isqrt(reserve0 * reserve1);
  // The full-range position's ticks lie far outside the words read: it is in-range liquidity only.
  let liquidity = depth / 4n + 1n;
  const centre = Math.floor(tick / tickSpacing);
  for (let k = 0; k < 8; k++) {
    const below = 1 + Math.floor(random() * 100);
    const above = 1 + Math.floor(random() * 100);
    const lower = (centre - below) * tickSpacing;
    const upper = (centre + above) * tickSpacing;
    const amount = (depth * BigInt(1 + Math.floor(random() * 1000))) / 4000n + 1n;
    ticks.applyPosition(lower, upper, amount);
    if (tick >= lower && tick < upper) liquidity += amount;
  }
  return {
    address: pool.address,
    dex: `${pool.dex}-v3`,
    token0,
    token1,
    state: { sqrtPriceX96, tick, liquidity, feePips, ticks },
  };
}

/** The market with `share` of its pools (never the base/base ones on the first DEX) listed as V3 pools instead. */
export function withV3Pools(
  market: SyntheticMarket,
  options: { share: number; seed: number },
): SyntheticMarket & { v3Pools: V3Pool[] } {
  const random = rng(options.seed ^ 0x5f3759df);
  const pools: Pool[] = [];
  const v3Pools: V3Pool[] = [];
  for (const pool of market.pools) {
    if (random() < options.share) v3Pools.push(v3PoolLike(pool, random));
    else pools.push(pool);
  }
  return { ...market, pools, v3Pools };
}

/**
 * One block of V3 trading: `count` distinct pools each take a swap of up to 0.03% of their in-range depth in a random
 * direction (the pool's exact swap), and one in ten also a new concentrated position. Each changed pool gets a new
 * state object (ticks copied where a position changes them), so states handed out earlier stay as they were.
 */
export function tradeV3Block(pools: V3Pool[], count: number, random: () => number): V3StateUpdate[] {
  const chosen = new Set<number>();
  while (chosen.size < Math.min(count, pools.length)) chosen.add(Math.floor(random() * pools.length));
  const updates: V3StateUpdate[] = [];
  for (const i of chosen) {
    const pool = pools[i]!;
    let state: V3PoolState = pool.state;
    const zeroForOne = random() < 0.5;
    const virtual = zeroForOne
      ? (state.liquidity << 96n) / state.sqrtPriceX96
      : (state.liquidity * state.sqrtPriceX96) >> 96n;
    const amountIn = (virtual * BigInt(Math.floor(random() * 300))) / 1_000_000n + 1n;
    try {
      const r = swapV3(state, zeroForOne, amountIn);
      state = { ...state, sqrtPriceX96: r.sqrtPriceX96, tick: r.tick, liquidity: r.liquidity };
    } catch (error) {
      // A swap that would leave the ticks known (or revert) is simply not made this block.
      if (!(error instanceof V3MathError)) throw error;
    }
    if (random() < 0.1) {
      const spacing = state.ticks.tickSpacing;
      const centre = Math.floor(state.tick / spacing);
      const lower = (centre - 1 - Math.floor(random() * 50)) * spacing;
      const upper = (centre + 1 + Math.floor(random() * 50)) * spacing;
      const amount = state.liquidity / 50n + 1n;
      const ticks = state.ticks.clone();
      ticks.applyPosition(lower, upper, amount);
      const inRange = state.tick >= lower && state.tick < upper;
      state = { ...state, ticks, liquidity: inRange ? state.liquidity + amount : state.liquidity };
    }
    if (state === pool.state) continue;
    pools[i] = { ...pool, state };
    updates.push({ address: pool.address, state });
  }
  return updates;
}
