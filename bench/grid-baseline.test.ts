import { describe, expect, it } from "vitest";
import { ArbitrageScanner, routeHops } from "../apps/core/index.ts";
import { gridSearchProfit } from "./grid-baseline.ts";
import { syntheticMarket } from "./synthetic-market.ts";

describe("grid-search baseline", () => {
  it("tries each grid size with exact pool math", () => {
    const hops = [
      { reserveIn: 100n * 10n ** 18n, reserveOut: 200n * 10n ** 18n, feeBps: 30 },
      { reserveIn: 190n * 10n ** 18n, reserveOut: 100n * 10n ** 18n, feeBps: 30 },
    ];
    expect(gridSearchProfit(hops, [10n ** 18n])).toBe(25373546441713162n);
    expect(gridSearchProfit(hops, [10n ** 24n])).toBe(0n);
  });

  it("never beats the exact optimum on the same WETH two-pool cycles", () => {
    const market = syntheticMarket({ pools: 2000, seed: 5, shocked: 0.05 });
    const weth = market.baseTokens[0]!;
    const scanner = new ArbitrageScanner({ ...market, baseTokens: [weth], maxHops: 2 });
    const byAddress = new Map(market.pools.map((p) => [p.address, p]));
    const found = scanner.fullScan();
    expect(found.length).toBeGreaterThan(5);
    let grid = 0n;
    let exact = 0n;
    for (const o of found) {
      const g = gridSearchProfit(
        routeHops(
          o.pools.map((a) => byAddress.get(a)!),
          weth,
        ),
      );
      expect(g <= o.profit).toBe(true);
      grid += g;
      exact += o.profit;
    }
    expect(grid < exact).toBe(true);
  });
});
