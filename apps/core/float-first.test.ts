import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { floatFirst, floatSplit } from "./float-first.ts";
import type { Hop } from "./pool.ts";
import { routeAmountOut } from "./pool-math.ts";
import type { SizedTrade } from "./sizing.ts";
import { exactTrade } from "./sizing.ts";

/** Best integer profit by trying every input that could possibly be profitable (inputs >= the last reserve lose). */
function exhaustive(hops: readonly Hop[]): bigint {
  let best = 0n;
  const limit = hops[hops.length - 1]!.reserveOut;
  for (let x = 1n; x <= limit; x++) {
    const profit = routeAmountOut(x, hops) - x;
    if (profit > best) best = profit;
  }
  return best;
}

/** What a settled float answer must satisfy when the true optimum (0: nothing profitable) lies in [lower, upper]. */
function expectSound(trade: SizedTrade | null | undefined, hops: readonly Hop[], lower: bigint, upper = lower): void {
  if (trade === undefined) return;
  if (trade === null) {
    expect(lower).toBe(0n);
    return;
  }
  expect(trade.amountOut).toBe(routeAmountOut(trade.amountIn, hops));
  expect(trade.profit).toBe(trade.amountOut - trade.amountIn);
  expect(trade.profit <= upper).toBe(true);
  if (trade.optimality === "exact") expect(trade.profit >= lower).toBe(true);
  else expect(trade.profit * 1_000_000n >= lower * 999_999n).toBe(true);
}

const FEES = [0, 5, 25, 30, 100, 997];
const hop = (min: bigint, max: bigint) =>
  fc.record({
    reserveIn: fc.bigInt({ min, max }),
    reserveOut: fc.bigInt({ min, max }),
    feeBps: fc.constantFrom(...FEES),
  });
/**
 * base (18 decimals) -> A -> B -> base, with A and B coarse (6 decimals: reserves of 1e8..1e12 units against 1e20..1e24
 * of the base), priced consistently except for the last pool, pushed by `skewBps`: near break-even, where the coarse
 * tokens' floors decide the optimum.
 */
const coarseCycle = fc
  .record({
    f1: fc.bigInt({ min: 10n ** 20n, max: 10n ** 24n }),
    c1: fc.bigInt({ min: 10n ** 8n, max: 10n ** 12n }),
    c2: fc.bigInt({ min: 10n ** 8n, max: 10n ** 12n }),
    c4: fc.bigInt({ min: 10n ** 8n, max: 10n ** 12n }),
    // Price of A in B, as a fraction of 1000.
    k: fc.bigInt({ min: 300n, max: 3000n }),
    skewBps: fc.bigInt({ min: -400n, max: 400n }),
    fees: fc.array(fc.constantFrom(...FEES), { minLength: 3, maxLength: 3 }),
  })
  .map(({ f1, c1, c2, c4, k, skewBps, fees }): Hop[] => [
    { reserveIn: f1, reserveOut: c1, feeBps: fees[0]! },
    { reserveIn: c2, reserveOut: (c2 * k) / 1000n, feeBps: fees[1]! },
    { reserveIn: c4, reserveOut: (c4 * f1 * 1000n * (10_000n + skewBps)) / (c1 * k * 10_000n), feeBps: fees[2]! },
  ]);

describe("float-first sizing never claims more than it proves", () => {
  it.each([2, 3])("%i hops, small pools: against exhaustive search, at every split", (n) => {
    fc.assert(
      fc.property(fc.array(hop(1n, 3000n), { minLength: n, maxLength: n }), (hops) => {
        const optimum = exhaustive(hops);
        expectSound(floatFirst(hops), hops, optimum);
        for (let split = 0; split < n; split++) expectSound(floatSplit(hops, split), hops, optimum);
      }),
      { numRuns: 300, seed: 20261130 },
    );
  });

  it("large reserves through two coarse tokens: against the exact search, at every split", () => {
    fc.assert(
      fc.property(coarseCycle, (hops) => {
        const reference = exactTrade(hops, 1n << 30n);
        expect(reference?.optimality ?? "exact").not.toBe("unproven");
        // The reference itself may be sure only to 1e-6: the optimum is then somewhere up to that above it.
        const lower = reference?.profit ?? 0n;
        const upper = reference?.optimality === "ppm" ? (lower * 1_000_000n) / 999_999n : lower;
        expectSound(floatFirst(hops), hops, lower, upper);
        for (let split = 0; split < 3; split++) expectSound(floatSplit(hops, split), hops, lower, upper);
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  it("settles a deep two-pool cycle in floats, exactly where the bound leaves no room", () => {
    const hops: Hop[] = [
      { reserveIn: 10n ** 24n, reserveOut: 2n * 10n ** 24n, feeBps: 30 },
      { reserveIn: 2n * 10n ** 24n, reserveOut: 102n * 10n ** 22n, feeBps: 30 },
    ];
    const trade = floatFirst(hops);
    expect(trade).toBeTruthy();
    expect(trade!.optimality).toBe("ppm");
    const exact = exactTrade(hops, 1n << 30n)!;
    expect(trade!.profit * 1_000_000n >= exact.profit * 999_999n).toBe(true);
  });

  it("returns null for a cycle whose rates multiply to at most 1, and for empty pools", () => {
    const flat: Hop[] = [
      { reserveIn: 1000n, reserveOut: 1000n, feeBps: 0 },
      { reserveIn: 1000n, reserveOut: 1000n, feeBps: 0 },
    ];
    expect(floatFirst(flat)).toBeNull();
    expect(floatFirst([{ ...flat[0]!, reserveOut: 0n }, flat[1]!])).toBeNull();
  });
});
