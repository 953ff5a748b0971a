/**
 * A Uniswap-V3 pool's swap, reproduced step for step from UniswapV3Pool.swap: walk the tick bitmap a word at a time,
 * move the price through each range with computeSwapStep, cross initialized ticks (adding or removing their net
 * liquidity), and stop when the amount is spent or the price limit is reached. Same integers as the contract.
 */
import { MAX_UINT128, V3MathError } from "./full-math.ts";
import { computeSwapStep } from "./swap-math.ts";
import type { TickTable } from "./tick-table.ts";
import { TickRangeError } from "./tick-table.ts";
import {
  MAX_SQRT_RATIO,
  MAX_TICK,
  MIN_SQRT_RATIO,
  MIN_TICK,
  getSqrtRatioAtTick,
  getTickAtSqrtRatio,
} from "./tick-math.ts";

/** What a swap needs of a pool: slot0's price and tick, the in-range liquidity, the fee and the ticks. */
export interface V3PoolState {
  sqrtPriceX96: bigint;
  tick: number;
  liquidity: bigint;
  /** Fee in hundredths of a basis point (500, 3000, 10000). */
  feePips: number;
  ticks: TickTable;
}

export interface V3SwapResult {
  /** Pool balance changes: positive is paid into the pool, negative paid out (as the pool's swap returns them). */
  amount0: bigint;
  amount1: bigint;
  sqrtPriceX96: bigint;
  tick: number;
  liquidity: bigint;
  /** Initialized ticks crossed. */
  crossed: number;
  /** Steps of the walk (one per range or bitmap word entered): each may round by a wei. */
  steps: number;
  /** The largest in-range liquidity the walk met. */
  maxLiquidity: bigint;
}

/** The widest price limits the pool accepts: a swap bounded only by its amount. */
export function defaultPriceLimit(zeroForOne: boolean): bigint {
  return zeroForOne ? MIN_SQRT_RATIO + 1n : MAX_SQRT_RATIO - 1n;
}

/** What UniswapV3Pool.swap's loop carries from one step to the next. */
export interface SwapCursor {
  sqrtPrice: bigint;
  tick: number;
  liquidity: bigint;
  /** Amount specified still to go (exact input: > 0), and the other side's running total (exact input: <= 0). */
  remaining: bigint;
  calculated: bigint;
  crossed: number;
  steps: number;
  maxLiquidity: bigint;
}

/** The cursor of a swap that has not taken a step yet. */
export function startCursor(pool: V3PoolState, amountSpecified: bigint): SwapCursor {
  const { sqrtPriceX96: sqrtPrice, tick, liquidity } = pool;
  return {
    sqrtPrice,
    tick,
    liquidity,
    remaining: amountSpecified,
    calculated: 0n,
    crossed: 0,
    steps: 0,
    maxLiquidity: liquidity,
  };
}

/**
 * UniswapV3Pool.swap without the transfers: amountSpecified > 0 is an exact input, < 0 an exact output. Throws
 * V3MathError where the contract reverts and TickRangeError where the walk needs ticks that are not known.
 */
export function swapV3(
  pool: V3PoolState,
  zeroForOne: boolean,
  amountSpecified: bigint,
  sqrtPriceLimitX96 = defaultPriceLimit(zeroForOne),
): V3SwapResult {
  if (amountSpecified === 0n) throw new V3MathError("swap of zero (AS)");
  const limitOk = zeroForOne
    ? sqrtPriceLimitX96 < pool.sqrtPriceX96 && sqrtPriceLimitX96 > MIN_SQRT_RATIO
    : sqrtPriceLimitX96 > pool.sqrtPriceX96 && sqrtPriceLimitX96 < MAX_SQRT_RATIO;
  if (!limitOk) throw new V3MathError("price limit on the wrong side of the price (SPL)");
  return finishSwap(pool, zeroForOne, amountSpecified, sqrtPriceLimitX96, startCursor(pool, amountSpecified));
}

/**
 * The rest of a swap from `cursor` (a state its loop reaches, with the limit already checked): the loop's steps until
 * the amount is spent or the price reaches the limit, then the result. Moves the cursor.
 */
export function finishSwap(
  pool: V3PoolState,
  zeroForOne: boolean,
  amountSpecified: bigint,
  sqrtPriceLimitX96: bigint,
  cursor: SwapCursor,
): V3SwapResult {
  const exactInput = amountSpecified > 0n;
  const c = cursor;
  while (c.remaining !== 0n && c.sqrtPrice !== sqrtPriceLimitX96) {
    const start = c.sqrtPrice;
    const found = pool.ticks.nextInitializedTickWithinOneWord(c.tick, zeroForOne);
    const initialized = found.initialized;
    const tickNext = Math.min(MAX_TICK, Math.max(MIN_TICK, found.next));
    const sqrtNext = getSqrtRatioAtTick(tickNext);
    const beyondLimit = zeroForOne ? sqrtNext < sqrtPriceLimitX96 : sqrtNext > sqrtPriceLimitX96;
    const step = computeSwapStep(
      c.sqrtPrice,
      beyondLimit ? sqrtPriceLimitX96 : sqrtNext,
      c.liquidity,
      c.remaining,
      pool.feePips,
    );
    c.sqrtPrice = step.sqrtRatioNextX96;
    c.steps++;
    if (exactInput) {
      c.remaining -= step.amountIn + step.feeAmount;
      c.calculated -= step.amountOut;
    } else {
      c.remaining += step.amountOut;
      c.calculated += step.amountIn + step.feeAmount;
    }
    if (c.sqrtPrice === sqrtNext) {
      if (initialized) c.liquidity = crossTick(pool, zeroForOne, tickNext, c.liquidity);
      c.crossed += initialized ? 1 : 0;
      if (c.liquidity > c.maxLiquidity) c.maxLiquidity = c.liquidity;
      c.tick = zeroForOne ? tickNext - 1 : tickNext;
    } else if (c.sqrtPrice !== start) {
      c.tick = getTickAtSqrtRatio(c.sqrtPrice);
    }
  }
  const specifiedUsed = amountSpecified - c.remaining;
  const [amount0, amount1] = zeroForOne === exactInput ? [specifiedUsed, c.calculated] : [c.calculated, specifiedUsed];
  return {
    amount0,
    amount1,
    sqrtPriceX96: c.sqrtPrice,
    tick: c.tick,
    liquidity: c.liquidity,
    crossed: c.crossed,
    steps: c.steps,
    maxLiquidity: c.maxLiquidity,
  };
}

/** The in-range liquidity after crossing initialized tick `tick` (Tick.cross), or V3MathError where it leaves uint128. */
export function crossTick(pool: V3PoolState, zeroForOne: boolean, tick: number, liquidity: bigint): bigint {
  const net = pool.ticks.liquidityNet(tick);
  const after = liquidity + (zeroForOne ? -net : net);
  if (after < 0n || after > MAX_UINT128) throw new V3MathError(`liquidity leaves uint128 at tick ${tick}`);
  return after;
}

/**
 * Exact output of selling `amountIn` into the pool, or null when the pool cannot take all of it (the price limit
 * would stop it short) or the ticks it would reach are not known.
 */
export function v3AmountOut(pool: V3PoolState, zeroForOne: boolean, amountIn: bigint): bigint | null {
  if (amountIn <= 0n) return 0n;
  try {
    const r = swapV3(pool, zeroForOne, amountIn);
    const [paidIn, paidOut] = zeroForOne ? [r.amount0, r.amount1] : [r.amount1, r.amount0];
    return paidIn === amountIn ? -paidOut : null;
  } catch (error) {
    if (error instanceof TickRangeError) return null;
    throw error;
  }
}
