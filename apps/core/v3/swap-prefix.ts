/**
 * Exact-input swaps from one pool state in one direction, many amounts: what a sizing search asks of a V3 hop,
 * dozens of times per cycle and again for every cycle through the pool, block after block while the pool is still.
 *
 * Every such swap starts from the same price and walks the same steps (one per range or bitmap word entered) until
 * its amount runs short of a step's target. A step that reaches its target is fixed by the state before it: the
 * input it takes (rounded up), its fee, its output, the state after it, whatever the amount was. And whether it is
 * reached is monotone in the amount: the pool's loop completes step k exactly when the input left,
 * y - (what steps 0..k-1 took), with the fee taken off and floored, covers the step's input. So the completed steps
 * are computed once, with the least amount that completes each, and a swap of y skips every step it completes and
 * prices the partial step it ends in directly, or runs the pool's own loop (`finishSwap`) past the known steps: the
 * same integers as `swapV3` from the start. Steps are added as amounts reach them; the prefix stops growing where a
 * step would leave the known ticks, revert, or meet the price limit, and the loop takes over there as it would have.
 */
import { V3MathError } from "./full-math.ts";
import type { SwapCursor, V3PoolState, V3SwapResult } from "./pool.ts";
import { crossTick, defaultPriceLimit, finishSwap, startCursor, swapV3 } from "./pool.ts";
import { FEE_PIPS_DENOMINATOR } from "./swap-math.ts";
import { TickRangeError } from "./tick-table.ts";
import { getAmount0Delta, getAmount1Delta, getNextSqrtPriceFromInput } from "./sqrt-price-math.ts";
import { MAX_TICK, MIN_TICK, getSqrtRatioAtTick } from "./tick-math.ts";

/** What a sizing search needs of an exact-input swap (swapV3's result without the state the pool is left in). */
export interface V3Quote {
  /** The input the pool takes: all of it, or less where the walk stops at the price limit. */
  paid: bigint;
  /** The output it pays. */
  out: bigint;
  sqrtPriceX96: bigint;
  steps: number;
  maxLiquidity: bigint;
}

/** A swap's result as a quote, for an exact input selling token0 (zeroForOne) or token1. */
export function quoteOf(r: V3SwapResult, zeroForOne: boolean): V3Quote {
  const [paid, paidOut] = zeroForOne ? [r.amount0, r.amount1] : [r.amount1, r.amount0];
  return { paid, out: -paidOut, sqrtPriceX96: r.sqrtPriceX96, steps: r.steps, maxLiquidity: r.maxLiquidity };
}

/** Amounts beyond this take the plain loop: the prefix never skips a step whose fee arithmetic could overflow. */
const LARGEST = 1n << 200n;

export class SwapPrefix {
  private readonly limit: bigint;
  private readonly keep: bigint;
  private readonly fee: bigint;
  /** cursors[k]: the loop's state before step k of any swap that completed steps 0..k-1 (remaining counted from 0). */
  private readonly cursors: SwapCursor[];
  /** least[k]: the least amount that completes steps 0..k. */
  private readonly least: bigint[] = [];
  private grown = true;
  /**
   * Why the prefix stopped where it did, when that is the ticks past its last cursor not being known: the pool's loop
   * from that cursor looks them up first, whatever the amount, so every swap that reaches it with input left meets
   * the same error. The exact search asks for such sizes hundreds of times a block (bracketing a crest, proving the
   * tail); they are refused at once instead of walking there and throwing anew each time.
   */
  private unknownTicks: TickRangeError | null = null;

  constructor(
    private readonly pool: V3PoolState,
    private readonly zeroForOne: boolean,
  ) {
    this.limit = defaultPriceLimit(zeroForOne);
    this.fee = BigInt(pool.feePips);
    this.keep = FEE_PIPS_DENOMINATOR - this.fee;
    this.cursors = [startCursor(pool, 0n)];
  }

  /**
   * What swapV3(pool, zeroForOne, amountIn) takes and gives for amountIn > 0, or the same error. Most amounts end
   * inside a step the prefix already knows: that last, partial step is priced directly (the price it reaches and what
   * it pays out), without the loop's tick lookups, the input it recomputes and the tick it ends at, which a quote
   * does not need. Amounts past the prefix take the loop from its last cursor.
   */
  quote(amountIn: bigint): V3Quote {
    const { pool, zeroForOne, limit } = this;
    const limitOk = zeroForOne ? limit < pool.sqrtPriceX96 : limit > pool.sqrtPriceX96;
    if (amountIn <= 0n || amountIn >= LARGEST || !limitOk)
      return quoteOf(swapV3(pool, zeroForOne, amountIn), zeroForOne);
    let k = 0;
    for (;;) {
      if (k === this.least.length && !this.grow()) break;
      if (k === this.least.length || amountIn < this.least[k]!) break;
      k++;
    }
    const from = this.cursors[k]!;
    // The cursor's amounts count from zero: this swap has amountIn less what the skipped steps took still to go.
    const remaining = amountIn + from.remaining;
    if (k < this.least.length) return this.partialStep(from, amountIn, remaining);
    if (this.unknownTicks && remaining !== 0n && from.sqrtPrice !== limit) throw this.unknownTicks;
    const cursor = { ...from, remaining };
    return quoteOf(finishSwap(pool, zeroForOne, amountIn, limit, cursor), zeroForOne);
  }

  /**
   * The swap that ends in the step from `from` (a step its input does not complete): no step when nothing is left,
   * else computeSwapStep's exact-input branch short of its target, which spends all that is left. Its price never
   * lands on the target: the step's input rounds up to exactly the least input that reaches it (ceil(ceil(a/b)/c) is
   * ceil(a/(b*c)); the token0 formula's overflow fallback only moves the price less), so a smaller one stops short.
   */
  private partialStep(from: SwapCursor, paid: bigint, left: bigint): V3Quote {
    const { sqrtPrice, liquidity, steps, maxLiquidity } = from;
    if (left === 0n) return { paid, out: -from.calculated, sqrtPriceX96: sqrtPrice, steps, maxLiquidity };
    const lessFee = (left * this.keep) / FEE_PIPS_DENOMINATOR;
    const next = getNextSqrtPriceFromInput(sqrtPrice, liquidity, lessFee, this.zeroForOne);
    const out = this.zeroForOne
      ? getAmount1Delta(next, sqrtPrice, liquidity, false)
      : getAmount0Delta(sqrtPrice, next, liquidity, false);
    return { paid, out: out - from.calculated, sqrtPriceX96: next, steps: steps + 1, maxLiquidity };
  }

  /**
   * Adds the next completed step to the prefix, as the pool's loop and computeSwapStep take it when the input left
   * covers it (their "max" branch); false when the prefix cannot grow (it stops there for good).
   */
  private grow(): boolean {
    if (!this.grown) return false;
    const { pool, zeroForOne, limit } = this;
    const c = this.cursors[this.cursors.length - 1]!;
    try {
      if (c.sqrtPrice === limit) throw new V3MathError("at the price limit");
      let found;
      try {
        found = pool.ticks.nextInitializedTickWithinOneWord(c.tick, zeroForOne);
      } catch (error) {
        if (error instanceof TickRangeError) this.unknownTicks = error;
        throw error;
      }
      const tickNext = Math.min(MAX_TICK, Math.max(MIN_TICK, found.next));
      const target = getSqrtRatioAtTick(tickNext);
      // At or past the limit, the step's target is the limit itself: left to the loop.
      if (zeroForOne ? target <= limit : target >= limit) throw new V3MathError("step reaches the price limit");
      const amountIn = zeroForOne
        ? getAmount0Delta(target, c.sqrtPrice, c.liquidity, true)
        : getAmount1Delta(c.sqrtPrice, target, c.liquidity, true);
      const amountOut = zeroForOne
        ? getAmount1Delta(target, c.sqrtPrice, c.liquidity, false)
        : getAmount0Delta(c.sqrtPrice, target, c.liquidity, false);
      // computeSwapStep's fee on a step that reaches its target: mulDivRoundingUp(amountIn, fee, 1e6 - fee).
      const feeAmount = (amountIn * this.fee + this.keep - 1n) / this.keep;
      const liquidity = found.initialized ? crossTick(pool, zeroForOne, tickNext, c.liquidity) : c.liquidity;
      // The step is taken when floor(left * keep / 1e6) >= amountIn, left = y - (taken before), and left > 0 (the
      // loop stops when nothing is left): the least such y.
      const cover = (amountIn * FEE_PIPS_DENOMINATOR + this.keep - 1n) / this.keep;
      const least = -c.remaining + (cover > 0n ? cover : 1n);
      this.least.push(least);
      this.cursors.push({
        sqrtPrice: target,
        tick: zeroForOne ? tickNext - 1 : tickNext,
        liquidity,
        remaining: c.remaining - amountIn - feeAmount,
        calculated: c.calculated - amountOut,
        crossed: c.crossed + (found.initialized ? 1 : 0),
        steps: c.steps + 1,
        maxLiquidity: liquidity > c.maxLiquidity ? liquidity : c.maxLiquidity,
      });
      return true;
    } catch (error) {
      // Unknown ticks, a revert or the limit: swaps that get here take the loop, which meets the same thing.
      if (!(error instanceof V3MathError)) throw error;
      this.grown = false;
      return false;
    }
  }
}
