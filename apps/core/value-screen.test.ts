import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Hop } from "./pool.ts";
import { MAX_RESERVE, routeAmountIn, routeAmountOut } from "./pool-math.ts";
import { FloatHops } from "./float-hops.ts";
import { differenceAbove, lowerBound, outputAbove, SCREEN_LIMIT, upperBound, ValueScreen } from "./value-screen.ts";

/** The exact value of split point y, as the sizing search prices it; null when the head cannot deliver y. */
function value(y: bigint, head: readonly Hop[], tail: readonly Hop[]): bigint | null {
  const cost = routeAmountIn(y, head);
  return cost === null ? null : routeAmountOut(y, tail) - cost;
}

const hop = (max: bigint) =>
  fc.record({
    reserveIn: fc.bigInt({ min: 1n, max }),
    reserveOut: fc.bigInt({ min: 1n, max }),
    feeBps: fc.constantFrom(0, 5, 25, 30, 100, 997, 9999),
  });

describe("ValueScreen", () => {
  // The one property that keeps the search exact: a candidate it rules out cannot beat the best (or is unreachable).
  it.each([
    ["small reserves, where floors dominate", 10_000n],
    ["reserves of 18-decimal tokens", 10n ** 27n],
    ["reserves up to the V2 maximum of 2^112", MAX_RESERVE],
  ])("never rules out a split point that beats the best: %s", (_, max) => {
    fc.assert(
      fc.property(
        fc.array(hop(max), { minLength: 2, maxLength: 3 }),
        fc.nat(3),
        fc.bigInt({ min: 1n, max: SCREEN_LIMIT - 1n }),
        fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }),
        fc.integer({ min: -3, max: 3 }),
        (hops, at, yRaw, bestRaw, near) => {
          const split = Math.min(at, hops.length - 1);
          const head = hops.slice(0, split);
          const tail = hops.slice(split);
          // Half the cases test a y the tail can take and a best right next to its true value, where it matters.
          const y = yRaw % (tail[0]!.reserveIn * 4n) || 1n;
          const exact = value(y, head, tail);
          const best = exact !== null && bestRaw % 2n === 0n ? exact + BigInt(near) : bestRaw;
          if (ValueScreen.of(head, tail).cannotBeat(Number(y), lowerBound(best))) {
            expect(exact === null || exact <= best).toBe(true);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("rules out most of a coarse-unit window: a USDC -> DAI -> USDC cycle of 6 and 18 decimals", () => {
    // Every integer y of DAI-wei costs its cheapest USDC input; only a few y can match the best value.
    const head: Hop[] = [{ reserveIn: 2_000_000_000_000n, reserveOut: 2_010_000n * 10n ** 18n, feeBps: 30 }];
    const tail: Hop[] = [{ reserveIn: 1_000_000n * 10n ** 18n, reserveOut: 1_010_000_000_000n, feeBps: 30 }];
    const screen = ValueScreen.of(tail, head);
    const y0 = 1_000_000n;
    let best = -(10n ** 30n);
    for (let y = y0; y < y0 + 2000n; y++) best = [value(y, tail, head)!, best].reduce((a, b) => (a > b ? a : b));
    let ruledOut = 0;
    for (let y = y0; y < y0 + 2000n; y++) if (screen.cannotBeat(Number(y), lowerBound(best))) ruledOut++;
    expect(ruledOut).toBeGreaterThan(1900);
  });

  it("lowerBound is exact below 2^53 and at or below the value above it", () => {
    expect(lowerBound(123_456_789n)).toBe(123_456_789);
    for (const v of [2n ** 53n + 1n, 2n ** 80n + 12345n, -(2n ** 70n) - 1n])
      expect(BigInt(lowerBound(v)) <= v).toBe(true);
  });

  // Float-first sizing skips pricing a route when these bound its profit below what the proof needs: a bound below the
  // exact figure would skip a route that proves, and change the size reported.
  it("outputAbove, differenceAbove and upperBound never fall below the exact figures", () => {
    fc.assert(
      fc.property(
        fc.array(hop(MAX_RESERVE), { minLength: 1, maxLength: 4 }),
        fc.bigInt({ min: 1n, max: 2n ** 100n }),
        fc.bigInt({ min: 0n, max: 2n ** 100n }),
        (hops, amountRaw, other) => {
          // Inputs near the pools' scale as often as not, where the floors and the margins matter.
          const amount = amountRaw % 2n === 0n ? (amountRaw % (hops[0]!.reserveIn * 2n)) + 1n : amountRaw;
          const floats = FloatHops.of(hops);
          const exactOut = routeAmountOut(amount, hops);
          const high = upperBound(amount);
          expect(BigInt(high) >= amount).toBe(true);
          const out = outputAbove(floats, 0, hops.length, high);
          if (Number.isFinite(out)) expect(BigInt(out) >= exactOut).toBe(true);
          const low = lowerBound(other);
          const difference = differenceAbove(out, low);
          // The exact difference is an integer: the float is at or above it exactly when its floor is.
          if (Number.isFinite(difference)) expect(BigInt(Math.floor(difference)) >= exactOut - other).toBe(true);
          if (Number.isFinite(out) && out < 2 ** 53 && low < 2 ** 53) expect(difference).toBe(out - low);
        },
      ),
      { numRuns: 3000 },
    );
    // Above 2^53 a float subtraction may round down: 2^60 - 200 becomes 2^60 - 256.
    expect(BigInt(Math.floor(differenceAbove(2 ** 60, 200))) >= 2n ** 60n - 200n).toBe(true);
  });
});
