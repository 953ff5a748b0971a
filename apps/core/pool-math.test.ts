import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_RESERVE, getAmountIn, getAmountOut, quoteRoute, routeAmountIn, routeAmountOut } from "./pool-math.ts";

const E18 = 10n ** 18n;

describe("getAmountOut (Uniswap-V2, per-pool fee)", () => {
  it("matches hand-computed values", () => {
    // 10 * 9970 * 1000 / (1000 * 10000 + 10 * 9970) = 99_700_000 / 10_099_700 = 9.87 -> 9
    expect(getAmountOut(10n, 1000n, 1000n, 30)).toBe(9n);
    // 1e18 * 9970 * 200e18 / (100e18 * 10000 + 1e18 * 9970) = 1.994e42 / 1.00997e24
    expect(getAmountOut(E18, 100n * E18, 200n * E18, 30)).toBe(1974316068794122597n);
    // With no fee, half the reserve in buys a third of the other side: 500 * 3000 / 1500 = 1000.
    expect(getAmountOut(500n, 1000n, 3000n, 0)).toBe(1000n);
  });

  it.each([
    [5, 399720095952819031n],
    [25, 398920415377132262n],
    [30, 398720495133270425n],
    [100, 395921607521710701n],
  ])("applies a %i bps fee exactly", (fee, expected) => {
    expect(getAmountOut(1_000_000n, 5_000_000_000n, 2000n * E18, fee)).toBe(expected);
  });

  it("is exact at the V2 maximum reserve of 2^112", () => {
    expect(getAmountOut(MAX_RESERVE / 1000n, MAX_RESERVE, MAX_RESERVE, 30)).toBe(5171563918732247095290899813118n);
    expect(getAmountOut(MAX_RESERVE, MAX_RESERVE, MAX_RESERVE, 0)).toBe(MAX_RESERVE / 2n);
    expect(getAmountOut(1n, MAX_RESERVE, MAX_RESERVE, 30)).toBe(0n);
  });

  it("gives nothing for nothing and from an empty pool", () => {
    expect(getAmountOut(0n, 1000n, 1000n, 30)).toBe(0n);
    expect(getAmountOut(10n, 0n, 1000n, 30)).toBe(0n);
    expect(getAmountOut(10n, 1000n, 0n, 30)).toBe(0n);
  });
});

describe("getAmountIn", () => {
  it("is the smallest input that buys the amount", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: MAX_RESERVE }),
        fc.bigInt({ min: 2n, max: MAX_RESERVE }),
        fc.integer({ min: 0, max: 9999 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (reserveIn, reserveOut, fee, share) => {
          const want = BigInt(Math.floor(Number(reserveOut - 1n) * share)) % reserveOut;
          const x = getAmountIn(want, reserveIn, reserveOut, fee);
          expect(x).not.toBeNull();
          expect(getAmountOut(x!, reserveIn, reserveOut, fee) >= want).toBe(true);
          if (x! > 0n) expect(getAmountOut(x! - 1n, reserveIn, reserveOut, fee) < want).toBe(true);
        },
      ),
      { numRuns: 500, seed: 3 },
    );
  });

  it("returns null when the pool cannot pay that much", () => {
    expect(getAmountIn(1000n, 1000n, 1000n, 30)).toBeNull();
  });
});

describe("route quotes", () => {
  const route = [
    { reserveIn: 1000n, reserveOut: 1000n, feeBps: 30 },
    { reserveIn: 500n, reserveOut: 2000n, feeBps: 5 },
  ];

  it("chains hop outputs exactly", () => {
    // hop 1: 10 -> 9 (above); hop 2: 9 * 9995 * 2000 / (500 * 10000 + 9 * 9995) = 179_910_000 / 5_089_955 -> 35
    expect(quoteRoute(10n, route)).toEqual([10n, 9n, 35n]);
    expect(routeAmountOut(10n, route)).toBe(35n);
  });

  it("inverts a route to the smallest input reaching an output", () => {
    for (let out = 1n; out < 200n; out++) {
      const x = routeAmountIn(out, route)!;
      expect(routeAmountOut(x, route) >= out).toBe(true);
      expect(routeAmountOut(x - 1n, route) < out).toBe(true);
    }
  });
});
