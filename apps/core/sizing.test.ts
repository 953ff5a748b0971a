import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Hop } from "./pool.ts";
import { routeAmountOut } from "./pool-math.ts";
import { composeVirtualPools, foldRoute, hopToVirtualPool, optimalTrade } from "./sizing.ts";

/** Best integer profit by trying every input that could possibly be profitable (inputs >= the last reserve lose). */
function exhaustive(hops: readonly Hop[]): { amountIn: bigint; profit: bigint } {
  let best = { amountIn: 0n, profit: 0n };
  const limit = hops[hops.length - 1]!.reserveOut;
  for (let x = 1n; x <= limit; x++) {
    const profit = routeAmountOut(x, hops) - x;
    if (profit > best.profit) best = { amountIn: x, profit };
  }
  return best;
}

const FEES = [0, 5, 25, 30, 100, 997];
const hop = (maxReserve: number) =>
  fc.record({
    reserveIn: fc.bigInt({ min: 1n, max: BigInt(maxReserve) }),
    reserveOut: fc.bigInt({ min: 1n, max: BigInt(maxReserve) }),
    feeBps: fc.constantFrom(...FEES),
  });

describe("virtual pool folding", () => {
  it("composes hop maps into the map of the whole route (checked on the unfloored values)", () => {
    const hops: Hop[] = [
      { reserveIn: 1000n, reserveOut: 2000n, feeBps: 30 },
      { reserveIn: 500n, reserveOut: 700n, feeBps: 5 },
      { reserveIn: 9000n, reserveOut: 3000n, feeBps: 100 },
    ];
    const folded = foldRoute(hops);
    const stepwise = composeVirtualPools(
      composeVirtualPools(hopToVirtualPool(hops[0]!), hopToVirtualPool(hops[1]!)),
      hopToVirtualPool(hops[2]!),
    );
    expect(folded).toEqual(stepwise);
    const x = 123;
    let real = x;
    for (const h of hops) {
      const g = 10_000 - h.feeBps;
      real = (real * g * Number(h.reserveOut)) / (Number(h.reserveIn) * 10_000 + real * g);
    }
    expect((Number(folded.a) * x) / (Number(folded.b) + Number(folded.c) * x)).toBeCloseTo(real, 9);
  });
});

describe("optimalTrade against exhaustive integer search", () => {
  it.each([2, 3])("%i hops, random small pools: same best profit, exact amounts", (n) => {
    fc.assert(
      fc.property(fc.array(hop(3000), { minLength: n, maxLength: n }), (hops) => {
        const truth = exhaustive(hops);
        const trade = optimalTrade(hops);
        if (truth.profit <= 0n) {
          expect(trade).toBeNull();
          return;
        }
        expect(trade).not.toBeNull();
        expect(trade!.profit).toBe(truth.profit);
        expect(trade!.amountOut).toBe(routeAmountOut(trade!.amountIn, hops));
        expect(trade!.profit).toBe(trade!.amountOut - trade!.amountIn);
        expect(trade!.optimality).toBe("exact");
      }),
      { numRuns: 300, seed: 20261127 },
    );
  });

  it("finds the optimum when an intermediate token has coarse units (few decimals)", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 200n, max: 3000n }),
        fc.bigInt({ min: 1n, max: 40n }),
        fc.bigInt({ min: 1n, max: 40n }),
        fc.bigInt({ min: 200n, max: 3000n }),
        fc.constantFrom(...FEES),
        fc.constantFrom(...FEES),
        (in0, out0, in1, out1, fee0, fee1) => {
          const hops: Hop[] = [
            { reserveIn: in0, reserveOut: out0, feeBps: fee0 },
            { reserveIn: in1, reserveOut: out1, feeBps: fee1 },
          ];
          const truth = exhaustive(hops);
          const trade = optimalTrade(hops);
          expect(trade?.profit ?? 0n).toBe(truth.profit);
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });
});

describe("optimalTrade on named fees and extreme reserves", () => {
  it.each([5, 25, 30, 100])("two pools charging %i bps: matches exhaustive search", (fee) => {
    const hops: Hop[] = [
      { reserveIn: 2000n, reserveOut: 4100n, feeBps: fee },
      { reserveIn: 3900n, reserveOut: 2100n, feeBps: fee },
    ];
    const truth = exhaustive(hops);
    expect(truth.profit > 0n).toBe(true);
    expect(optimalTrade(hops)?.profit).toBe(truth.profit);
  });

  it("mixes fees along one cycle (5, 25, 100 bps)", () => {
    const hops: Hop[] = [
      { reserveIn: 1500n, reserveOut: 3000n, feeBps: 5 },
      { reserveIn: 2800n, reserveOut: 900n, feeBps: 25 },
      { reserveIn: 800n, reserveOut: 1700n, feeBps: 100 },
    ];
    expect(optimalTrade(hops)?.profit ?? 0n).toBe(exhaustive(hops).profit);
  });

  it("sizes exactly with reserves at the V2 maximum of 2^112", () => {
    const max = 1n << 112n;
    const hops: Hop[] = [
      { reserveIn: max, reserveOut: max, feeBps: 30 },
      { reserveIn: (max / 100n) * 98n, reserveOut: max, feeBps: 30 },
    ];
    const trade = optimalTrade(hops)!;
    expect(trade.optimality).not.toBe("unproven");
    expect(trade.amountOut).toBe(routeAmountOut(trade.amountIn, hops));
    expect(trade.profit).toBe(trade.amountOut - trade.amountIn);
    for (const dx of [-1000n, -1n, 1n, 1000n, trade.amountIn / 1000n]) {
      const x = trade.amountIn + dx;
      expect(routeAmountOut(x, hops) - x <= trade.profit).toBe(true);
    }
  });
});
