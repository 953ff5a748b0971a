/**
 * The swap prefix must be the pool's own loop, only faster: for random pools (positions over many ticks, bitmap word
 * edges, ticks known only near the price) and random amounts asked in random order of one prefix, every quote (input
 * taken, output, end price, steps, most liquidity met) and every error equals swapV3's from the start.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { V3PoolState, V3SwapResult } from "./pool.ts";
import { swapV3 } from "./pool.ts";
import type { V3Quote } from "./swap-prefix.ts";
import { SwapPrefix, quoteOf } from "./swap-prefix.ts";
import { TickRangeError, TickTable, compress, wordOf } from "./tick-table.ts";
import { getAmount0Delta } from "./sqrt-price-math.ts";
import { getSqrtRatioAtTick } from "./tick-math.ts";

const pool = fc
  .record({
    spacing: fc.constantFrom(1, 10, 60),
    tick: fc.integer({ min: -2000, max: 2000 }),
    fraction: fc.integer({ min: 0, max: 999 }),
    feePips: fc.constantFrom(0, 100, 500, 3000, 10000),
    // Words known either side of the price: walks often run off them.
    radius: fc.integer({ min: 0, max: 2 }),
    positions: fc.array(
      fc.record({
        a: fc.integer({ min: -3000, max: 3000 }),
        b: fc.integer({ min: -3000, max: 3000 }),
        liquidity: fc.bigInt({ min: 1n, max: 10n ** 12n }),
      }),
      { minLength: 1, maxLength: 16 },
    ),
  })
  .map(({ spacing, tick, fraction, feePips, radius, positions }): V3PoolState => {
    const word = wordOf(compress(tick, spacing));
    const table = new TickTable(spacing, [], word - radius, word + radius);
    let liquidity = 0n;
    for (const p of positions) {
      const lower = Math.floor(Math.min(p.a, p.b) / spacing) * spacing;
      const upper = Math.max(lower + spacing, Math.floor(Math.max(p.a, p.b) / spacing) * spacing);
      table.applyPosition(lower, upper, p.liquidity);
      if (tick >= lower && tick < upper) liquidity += p.liquidity;
    }
    const low = getSqrtRatioAtTick(tick);
    const sqrtPriceX96 = low + ((getSqrtRatioAtTick(tick + 1) - low) * BigInt(fraction)) / 1000n;
    return { sqrtPriceX96, tick, liquidity, feePips, ticks: table };
  });

function outcome(run: () => V3Quote): V3Quote | string {
  try {
    return run();
  } catch (error) {
    return `${(error as Error).constructor.name}: ${(error as Error).message}`;
  }
}

/**
 * A pool at tick 5 (0.3% fee, spacing 10) with one position from `lowest` to 20 and bitmap words fromWord..1 read:
 * selling token0 steps to the word edge at 0, then to `lowest`, where the liquidity ends.
 */
function oneRange(o: { lowest: number; fromWord: number }): V3PoolState {
  const ticks = new TickTable(10, [], o.fromWord, 1);
  ticks.applyPosition(o.lowest, 20, 10n ** 12n);
  return { sqrtPriceX96: getSqrtRatioAtTick(5), tick: 5, liquidity: 10n ** 12n, feePips: 3000, ticks };
}

/** What selling token0 from tick `from` down to `to` takes in oneRange's liquidity, with the fee (rounded up). */
function taken(from: number, to: number): bigint {
  const amountIn = getAmount0Delta(getSqrtRatioAtTick(to), getSqrtRatioAtTick(from), 10n ** 12n, true);
  return (amountIn * 1_000_000n + 996_999n) / 997_000n;
}

describe("SwapPrefix", () => {
  it("gives swapV3's result or error for every amount, asked in any order", () => {
    const seen = { results: 0, errors: 0, skipped: 0 };
    fc.assert(
      fc.property(
        pool,
        fc.boolean(),
        fc.array(fc.bigInt({ min: 1n, max: 10n ** 13n }), { minLength: 1, maxLength: 24 }),
        (state, zeroForOne, amounts) => {
          const prefix = new SwapPrefix(state, zeroForOne);
          for (const amount of amounts) {
            // Small amounts too, and each amount's neighbours: where a step is just taken or just missed.
            for (const y of [amount, amount / 1000n + 1n, amount + 1n, amount - 1n]) {
              if (y <= 0n) continue;
              const expected = outcome(() => quoteOf(swapV3(state, zeroForOne, y), zeroForOne));
              expect(outcome(() => prefix.quote(y))).toEqual(expected);
              if (typeof expected === "string") seen.errors++;
              else {
                seen.results++;
                if (expected.steps > 1) seen.skipped++;
              }
            }
          }
        },
      ),
      { numRuns: 300 },
    );
    // The cases that matter happened: swaps over several steps, and walks off the known ticks.
    expect(seen.skipped).toBeGreaterThan(300);
    expect(seen.errors).toBeGreaterThan(50);
  });

  it("takes no step for an amount the steps before spent exactly, as the pool's loop stops there", () => {
    // Liquidity from tick -10 to 20 and none below: selling token0 from tick 5 takes a step to the word edge at 0,
    // one to -10 (where the liquidity ends), then free steps through the empty range. An amount of exactly what the
    // first two steps take leaves nothing, and the loop stops before the free step.
    const state = oneRange({ lowest: -10, fromWord: -2 });
    const exact = taken(5, 0) + taken(0, -10);
    const prefix = new SwapPrefix(state, true);
    for (const y of [exact - 1n, exact, exact + 1n, 1n, 10n ** 9n]) {
      const expected = outcome(() => quoteOf(swapV3(state, true, y), true));
      expect(outcome(() => prefix.quote(y))).toEqual(expected);
    }
    expect((swapV3(state, true, exact) as V3SwapResult).steps).toBe(2);
  });
  it("refuses at once an amount that would walk past the known ticks, but still quotes one the known steps spend exactly", () => {
    // Liquidity from tick -2560 (the lowest of bitmap word -1, the last word read) to 20: selling token0 from tick 5
    // takes a step to 0 and one to -2560; a third would look up word -2, which was not read. An amount that the two
    // steps spend exactly stops there, as the pool's loop does; one wei more needs the unread word.
    const state = oneRange({ lowest: -2560, fromWord: -1 });
    const exact = taken(5, 0) + taken(0, -2560);
    const prefix = new SwapPrefix(state, true);
    // The larger amount first: the prefix learns the ticks are unknown, then answers the others from what it has.
    for (const y of [exact + 1n, 10n ** 18n, exact, exact - 1n, exact + 1n]) {
      const expected = outcome(() => quoteOf(swapV3(state, true, y), true));
      expect(outcome(() => prefix.quote(y))).toEqual(expected);
    }
    expect((swapV3(state, true, exact) as V3SwapResult).steps).toBe(2);
    expect(() => swapV3(state, true, exact + 1n)).toThrow(TickRangeError);
  });
});
