import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_MARKETS, planPools } from "./markets.ts";
import { Rng } from "./rng.ts";

describe("planPools", () => {
  it("is a function of the seed", () => {
    expect(planPools(DEFAULT_MARKETS, 42)).toEqual(planPools(DEFAULT_MARKETS, 42));
    expect(planPools(DEFAULT_MARKETS, 42)).not.toEqual(planPools(DEFAULT_MARKETS, 43));
  });

  it("prices every pool within the jitter of the reference price, with the DEX's dollar depth", () => {
    const price = new Map(DEFAULT_MARKETS.tokens.map((t) => [t.symbol, t]));
    for (const p of planPools(DEFAULT_MARKETS, 1)) {
      const a = price.get(p.tokenA)!;
      const b = price.get(p.tokenB)!;
      // Value of each side in micro-dollars; they agree to within the jitter (plus rounding).
      const va = (p.amountA * a.priceMicroUsd) / 10n ** BigInt(a.decimals);
      const vb = (p.amountB * b.priceMicroUsd) / 10n ** BigInt(b.decimals);
      const diffPpm = Number(((va > vb ? va - vb : vb - va) * 1_000_000n) / va);
      expect(diffPpm).toBeLessThanOrEqual(DEFAULT_MARKETS.priceJitterPpm + 1);
      const dex = DEFAULT_MARKETS.dexes.find((d) => d.name === p.dex)!;
      expect(va / 1_000_000n).toBeLessThanOrEqual(dex.depthUsd);
    }
  });

  it("refuses a pair naming an unknown token or DEX", () => {
    const bad = { ...DEFAULT_MARKETS, pairs: [{ a: "WETH", b: "DOGE", weightPct: 100n, dexes: ["uniswap"] }] };
    expect(() => planPools(bad, 1)).toThrow(/unknown token/);
    const badDex = { ...DEFAULT_MARKETS, pairs: [{ a: "WETH", b: "USDC", weightPct: 100n, dexes: ["nope"] }] };
    expect(() => planPools(badDex, 1)).toThrow(/unknown DEX nope/);
  });
});

describe("Rng", () => {
  it("replays the same sequence for a seed and stays in range", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 1, max: 1000 }), (seed, n) => {
        const a = new Rng(seed);
        const b = new Rng(seed);
        for (let i = 0; i < 20; i++) {
          const x = a.int(n);
          expect(x).toBe(b.int(n));
          expect(x).toBeGreaterThanOrEqual(0);
          expect(x).toBeLessThan(n);
          const y = a.logUniform(0.001, 0.01);
          expect(y).toBe(b.logUniform(0.001, 0.01));
          expect(y).toBeGreaterThanOrEqual(0.001);
          expect(y).toBeLessThan(0.01);
        }
      }),
    );
  });
});
