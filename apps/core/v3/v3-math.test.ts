import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  MAX_SQRT_RATIO,
  MAX_TICK,
  MIN_SQRT_RATIO,
  MIN_TICK,
  Q96,
  TickRangeError,
  TickTable,
  V3MathError,
  getSqrtRatioAtTick,
  getTickAtSqrtRatio,
  swapV3,
} from "./index.ts";
import type { V3PoolState } from "./index.ts";
import { MAX_UINT256, divRoundingUp, mulDiv, mulDivRoundingUp } from "./full-math.ts";

describe("FullMath", () => {
  const uint256 = fc.bigInt({ min: 0n, max: MAX_UINT256 });
  const positive = fc.bigInt({ min: 1n, max: MAX_UINT256 });

  it("rounds a*b/d up to the least q with q*d >= a*b, and down to the greatest with q*d <= a*b", () => {
    fc.assert(
      fc.property(uint256, uint256, positive, (a, b, d) => {
        const product = a * b;
        const floor = product / d;
        if (floor + 1n > MAX_UINT256) return; // out of range: the next property
        const up = mulDivRoundingUp(a, b, d);
        expect(up * d >= product && (up - 1n) * d < product).toBe(true);
        expect(mulDiv(a, b, d)).toBe(floor);
        expect(divRoundingUp(a, d) * d >= a && (divRoundingUp(a, d) - 1n) * d < a).toBe(true);
      }),
      { numRuns: 3000 },
    );
    // Exact quotients stay exact; a remainder of one rounds up.
    expect(mulDivRoundingUp(6n, 7n, 21n)).toBe(2n);
    expect(mulDivRoundingUp(6n, 7n, 41n)).toBe(2n);
    expect(divRoundingUp(0n, 5n)).toBe(0n);
    expect(divRoundingUp(10n, 5n)).toBe(2n);
    expect(divRoundingUp(11n, 5n)).toBe(3n);
  });

  it("reverts as the contract does: on a zero denominator, and where the rounded result passes uint256", () => {
    expect(() => mulDivRoundingUp(1n, 1n, 0n)).toThrow(V3MathError);
    expect(() => mulDiv(1n, 1n, 0n)).toThrow(V3MathError);
    // MAX_UINT256 * 2 / 2 fits; rounded up from just below it does too, one more does not.
    expect(mulDivRoundingUp(MAX_UINT256, 2n, 2n)).toBe(MAX_UINT256);
    expect(() => mulDivRoundingUp(MAX_UINT256, 2n, 1n)).toThrow(/overflows uint256/);
    expect(() => mulDivRoundingUp(MAX_UINT256, 3n, 2n)).toThrow(/overflows uint256/);
  });
});

describe("TickMath", () => {
  it("maps the ends and the middle of the tick range to the contract's constants", () => {
    expect(getSqrtRatioAtTick(MIN_TICK)).toBe(MIN_SQRT_RATIO);
    expect(getSqrtRatioAtTick(MAX_TICK)).toBe(MAX_SQRT_RATIO);
    expect(getSqrtRatioAtTick(0)).toBe(Q96);
    expect(() => getSqrtRatioAtTick(MAX_TICK + 1)).toThrow(/outside/);
  });

  it("inverts exactly: the greatest tick whose ratio does not exceed the price", () => {
    fc.assert(
      fc.property(fc.integer({ min: MIN_TICK, max: MAX_TICK - 1 }), (tick) => {
        const ratio = getSqrtRatioAtTick(tick);
        const nextRatio = getSqrtRatioAtTick(tick + 1);
        expect(nextRatio).toBeGreaterThan(ratio);
        expect(getTickAtSqrtRatio(ratio)).toBe(tick);
        expect(getTickAtSqrtRatio(nextRatio - 1n)).toBe(tick);
      }),
      { numRuns: 2000 },
    );
  });
});

/** The bitmap walk by brute force: every compressed tick of the word, one at a time. */
function bruteNext(ticks: Set<number>, spacing: number, tick: number, lte: boolean) {
  const compressed = Math.floor(tick / spacing);
  if (lte) {
    const edge = Math.floor(compressed / 256) * 256;
    for (let c = compressed; c >= edge; c--)
      if (ticks.has(c * spacing)) return { next: c * spacing, initialized: true };
    return { next: edge * spacing, initialized: false };
  }
  const edge = Math.floor((compressed + 1) / 256) * 256 + 255;
  for (let c = compressed + 1; c <= edge; c++)
    if (ticks.has(c * spacing)) return { next: c * spacing, initialized: true };
  return { next: edge * spacing, initialized: false };
}

describe("TickTable", () => {
  it("finds the next initialized tick within one bitmap word exactly as the bitmap does", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1, 10, 60, 200),
        fc.uniqueArray(fc.integer({ min: -1200, max: 1200 }), { maxLength: 40 }),
        fc.integer({ min: -1000, max: 1000 }),
        fc.integer({ min: 0, max: 199 }),
        fc.boolean(),
        (spacing, compressedTicks, at, offset, lte) => {
          const ticks = compressedTicks.map((c) => c * spacing);
          const table = new TickTable(
            spacing,
            ticks.map((tick) => ({ tick, liquidityGross: 1n, liquidityNet: 0n })),
            -6,
            5,
          );
          const tick = at * spacing + (offset % spacing);
          expect(table.nextInitializedTickWithinOneWord(tick, lte)).toEqual(
            bruteNext(new Set(ticks), spacing, tick, lte),
          );
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("tracks mints and burns, keeping a tick initialized while any position still references it", () => {
    const table = new TickTable(10, [], -1, 0);
    table.applyPosition(-100, 50, 7n);
    table.applyPosition(50, 200, 7n);
    // Tick 50 nets to zero but is still initialized: a swap stops there.
    expect(table.list()).toEqual([
      { tick: -100, liquidityGross: 7n, liquidityNet: 7n },
      { tick: 50, liquidityGross: 14n, liquidityNet: 0n },
      { tick: 200, liquidityGross: 7n, liquidityNet: -7n },
    ]);
    table.applyPosition(-100, 50, -7n);
    expect(table.list()).toEqual([
      { tick: 50, liquidityGross: 7n, liquidityNet: 7n },
      { tick: 200, liquidityGross: 7n, liquidityNet: -7n },
    ]);
    expect(() => table.applyPosition(50, 200, -8n)).toThrow(/burn exceeds/);
  });

  it("refuses to walk into a word it does not know", () => {
    const table = new TickTable(1, [], 0, 0);
    expect(() => table.nextInitializedTickWithinOneWord(-1, true)).toThrow(TickRangeError);
    expect(table.nextInitializedTickWithinOneWord(10, true)).toEqual({ next: 0, initialized: false });
  });
});

describe("swapV3", () => {
  // One position of 1e21 liquidity over ticks -600..600, price at tick 0.
  const pool = (): V3PoolState => ({
    sqrtPriceX96: Q96,
    tick: 0,
    liquidity: 10n ** 21n,
    feePips: 3000,
    ticks: new TickTable(
      60,
      [
        { tick: -600, liquidityGross: 10n ** 21n, liquidityNet: 10n ** 21n },
        { tick: 600, liquidityGross: 10n ** 21n, liquidityNet: -(10n ** 21n) },
      ],
      -1,
      0,
    ),
  });

  it("never sells more for an exact output than the exact input that bought it", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 19n }), fc.boolean(), (amountIn, zeroForOne) => {
        const sold = swapV3(pool(), zeroForOne, amountIn);
        const out = -(zeroForOne ? sold.amount1 : sold.amount0);
        if (out === 0n) return;
        const bought = swapV3(pool(), zeroForOne, -out);
        const paid = zeroForOne ? bought.amount0 : bought.amount1;
        expect(paid).toBeLessThanOrEqual(amountIn);
        expect(-(zeroForOne ? bought.amount1 : bought.amount0)).toBe(out);
      }),
      { numRuns: 300 },
    );
  });

  it("stops at the edge of liquidity and leaves the price there with none in range", () => {
    const r = swapV3(pool(), true, 10n ** 24n, getSqrtRatioAtTick(-600));
    expect(r.sqrtPriceX96).toBe(getSqrtRatioAtTick(-600));
    expect(r.liquidity).toBe(0n);
    expect(r.tick).toBe(-601);
    expect(r.crossed).toBe(1);
    expect(r.amount0).toBeLessThan(10n ** 24n);
  });
});

describe("V3MathError", () => {
  it("names itself and its reason, without stack frames, and leaves the process's stack trace limit alone", () => {
    const before = Error.stackTraceLimit;
    const error = new TickRangeError("tick 900000 is outside -887272..887272");
    expect(error).toBeInstanceOf(V3MathError);
    expect(String(error)).toBe("V3MathError: tick 900000 is outside -887272..887272");
    expect(error.stack).toBe("V3MathError: tick 900000 is outside -887272..887272");
    expect(Error.stackTraceLimit).toBe(before);
    expect(new Error("other").stack).toMatch(/\n\s+at /);
  });
});
