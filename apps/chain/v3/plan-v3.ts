/**
 * The devnet's Uniswap-V3 pools, decided as plain data (deploy-v3.ts turns the plan into contracts): each pool's
 * first price, from the tokens' reference prices with the same jitter as the V2 pools so V2 and V3 prices differ, and
 * its liquidity positions: one full-range position, as most real pools have, and concentrated ones of random width
 * around the price, so a swap crosses many initialized ticks. Seeded: the same seed gives the same plan.
 */
import { isqrt } from "../../core/index.ts";
import { MAX_TICK, MIN_TICK, getTickAtSqrtRatio } from "../../core/v3/index.ts";
import { Rng } from "../rng.ts";
import { tokenAmount } from "../markets.ts";
import type { TokenSpec, V3PoolSpec } from "../markets.ts";

/** Fee (hundredths of a bp) -> tick spacing, as the deployed factory enables them. */
export const V3_FEE_TIERS: ReadonlyMap<number, number> = new Map([
  [100, 1],
  [500, 10],
  [3000, 60],
  [10000, 200],
]);

export interface V3PositionPlan {
  tickLower: number;
  tickUpper: number;
  liquidity: bigint;
}

export interface V3PoolPlan {
  /** Addresses, token0 < token1 as the factory orders them. */
  token0: string;
  token1: string;
  feePips: number;
  tickSpacing: number;
  sqrtPriceX96: bigint;
  positions: V3PositionPlan[];
}

/** Concentrated positions per pool, besides the full-range one. */
const POSITIONS = 24;
/** Widest concentrated position, in tick spacings (the bitmap words read by default cover 768 each way). */
const MAX_WIDTH = 400;

/**
 * Plans every pool of `specs`. `addresses` maps each symbol to its deployed address (lowercase): which token is
 * token0, and so which way the price is quoted, depends on it.
 */
export function planV3Pools(
  specs: readonly V3PoolSpec[],
  tokens: readonly TokenSpec[],
  addresses: ReadonlyMap<string, string>,
  priceJitterPpm: number,
  seed: number,
): V3PoolPlan[] {
  // Its own stream, so adding V3 pools leaves the V2 plan of a seed as it was.
  const rng = new Rng(seed ^ 0x5f3a_7e11);
  const bySymbol = new Map(tokens.map((t) => [t.symbol, t]));
  return specs.map((spec) => {
    const a = bySymbol.get(spec.a);
    const b = bySymbol.get(spec.b);
    const addressA = addresses.get(spec.a);
    const addressB = addresses.get(spec.b);
    if (!a || !b || !addressA || !addressB) throw new Error(`V3 pool ${spec.a}/${spec.b} names an unknown token`);
    const spacing = V3_FEE_TIERS.get(spec.feePips);
    if (spacing === undefined) {
      throw new Error(`V3 pool ${spec.a}/${spec.b}: fee ${spec.feePips} is not one of ${[...V3_FEE_TIERS.keys()]}`);
    }
    const jitter = BigInt(Math.round((rng.next() * 2 - 1) * priceJitterPpm));
    const amountA = tokenAmount(a, spec.depthUsd);
    const amountB = (tokenAmount(b, spec.depthUsd) * (1_000_000n + jitter)) / 1_000_000n;
    const aFirst = addressA < addressB;
    const [amount0, amount1] = aFirst ? [amountA, amountB] : [amountB, amountA];
    // price = amount1/amount0 in base units; sqrtPriceX96 = sqrt(price) * 2^96.
    const sqrtPriceX96 = isqrt((amount1 << 192n) / amount0);
    // A full-range position holding these amounts has L = sqrt(amount0 * amount1).
    const fullLiquidity = isqrt(amount0 * amount1);
    const tick = getTickAtSqrtRatio(sqrtPriceX96);
    const base = Math.floor(tick / spacing);
    const lowest = Math.ceil(MIN_TICK / spacing);
    const highest = Math.floor(MAX_TICK / spacing);
    const positions: V3PositionPlan[] = [
      { tickLower: lowest * spacing, tickUpper: highest * spacing, liquidity: fullLiquidity },
    ];
    // Shared edges give ticks whose net liquidity cancels but which stay initialized (a swap stops there too).
    const edges: number[] = [];
    for (let k = 0; k < POSITIONS; k++) {
      const width = Math.max(1, Math.round(rng.logUniform(1, MAX_WIDTH)));
      // Mostly spanning the price, some just beside it (they come into range as the price moves).
      let lower = base - rng.int(width + 1) + (rng.next() < 0.2 ? Math.round((rng.next() - 0.5) * 2 * width) : 0);
      if (edges.length > 0 && rng.next() < 0.25) lower = rng.pick(edges);
      const upper = Math.min(highest, lower + width);
      lower = Math.max(lowest, Math.min(lower, upper - 1));
      edges.push(lower, upper);
      // Narrow positions hold as much capital as wide ones would, so their liquidity is higher (concentration).
      const concentration = Math.sqrt(Math.min(MAX_WIDTH, (2 * 6932) / spacing) / width);
      const scale = BigInt(Math.round(rng.logUniform(0.05, 0.5) * concentration * 1_000_000));
      const liquidity = (fullLiquidity * scale) / 1_000_000n;
      if (liquidity > 0n) positions.push({ tickLower: lower * spacing, tickUpper: upper * spacing, liquidity });
    }
    return {
      token0: aFirst ? addressA : addressB,
      token1: aFirst ? addressB : addressA,
      feePips: spec.feePips,
      tickSpacing: spacing,
      sqrtPriceX96,
      positions,
    };
  });
}
