import { describe, expect, it } from "vitest";
import { rng, syntheticMarket, tradeBlock } from "../../bench/synthetic-market.ts";
import type { Opportunity, Pool } from "./index.ts";
import { ArbitrageScanner, quoteOpportunity, routeAmountOut, routeHops } from "./index.ts";

const market = syntheticMarket({ pools: 300, seed: 99, shocked: 0.05 });

function scan(pools: readonly Pool[], maxHops = 3, minProfit = 0n): ArbitrageScanner {
  return new ArbitrageScanner({ ...market, pools, maxHops, minProfit });
}

const key = (o: Opportunity) => `${o.baseToken}:${o.pools.join(",")}`;

describe("ArbitrageScanner.fullScan", () => {
  const scanner = scan(market.pools);
  const found = scanner.fullScan();
  const byAddress = new Map(market.pools.map((p) => [p.address, p]));

  it("finds opportunities in a market with some pools off balance", () => {
    expect(found.length).toBeGreaterThan(10);
    expect(scanner.stats).toMatchObject({ pools: 300, cycles: scanner.cycleCount, evaluated: scanner.cycleCount });
  });

  it("reports exact amounts: amountOut is what the pools give for amountIn", () => {
    for (const o of found) {
      const amounts = quoteOpportunity(o, byAddress);
      expect(amounts[0]).toBe(o.amountIn);
      expect(amounts[amounts.length - 1]).toBe(o.amountOut);
      expect(o.profit).toBe(o.amountOut - o.amountIn);
      expect(o.profit > 0n).toBe(true);
    }
  });

  it("sizes each cycle so that no nearby input earns more than one part in a million above it (the contract)", () => {
    for (const o of found) {
      const hops = routeHops(
        o.pools.map((a) => byAddress.get(a)!),
        o.baseToken,
      );
      for (const x of [o.amountIn - 1n, o.amountIn + 1n, (o.amountIn * 999n) / 1000n, (o.amountIn * 1001n) / 1000n]) {
        expect((routeAmountOut(x, hops) - x) * 999_999n <= o.profit * 1_000_000n).toBe(true);
      }
    }
  });

  it("walks each cycle from its base token back to it without repeating a token", () => {
    for (const o of found) {
      expect(o.tokens[0]).toBe(o.baseToken);
      expect(o.tokens[o.tokens.length - 1]).toBe(o.baseToken);
      expect(new Set(o.tokens.slice(0, -1)).size).toBe(o.pools.length);
      expect(new Set(o.pools).size).toBe(o.pools.length);
    }
  });

  it("reports each (start token, ordered pools) once", () => {
    expect(new Set(found.map(key)).size).toBe(found.length);
  });

  it("sorts by base token (in baseTokens order), then by profit, highest first", () => {
    const group = (o: Opportunity) => market.baseTokens.indexOf(o.baseToken);
    for (let i = 1; i < found.length; i++) {
      const [a, b] = [found[i - 1]!, found[i]!];
      expect(group(a) <= group(b)).toBe(true);
      if (group(a) === group(b)) expect(a.profit >= b.profit).toBe(true);
    }
  });

  it("--min-profit keeps exactly the opportunities above it", () => {
    const profits = found.map((o) => o.profit).sort((a, b) => (a < b ? -1 : 1));
    const threshold = profits[Math.floor(profits.length / 2)]!;
    const above = scan(market.pools, 3, threshold).fullScan();
    expect(above.map(key)).toEqual(found.filter((o) => o.profit > threshold).map(key));
    expect(above.every((o) => o.profit > threshold)).toBe(true);
  });

  it("--max-hops 2 keeps exactly the two-pool cycles", () => {
    const two = scan(market.pools, 2);
    expect(two.fullScan().map(key)).toEqual(found.filter((o) => o.pools.length === 2).map(key));
    expect(two.cycleCount).toBeLessThan(scanner.cycleCount);
  });
});

describe("ArbitrageScanner.applyReserves", () => {
  it("equals a full rescan after random reserve changes, block after block", () => {
    const pools = [...market.pools];
    const live = scan(pools);
    live.fullScan();
    const random = rng(1234);
    for (let block = 0; block < 25; block++) {
      const updates = tradeBlock(pools, 1 + Math.floor(random() * 40), random);
      const incremental = live.applyReserves(updates);
      expect(live.stats.evaluated).toBeLessThan(live.cycleCount);
      expect(incremental).toEqual(scan(pools).fullScan());
      expect(live.opportunities()).toEqual(incremental);
    }
  });

  it("re-evaluates only the cycles through changed pools, and nothing for unchanged reserves", () => {
    const live = scan(market.pools);
    live.fullScan();
    const pool = market.pools[200]!;
    live.applyReserves([{ address: pool.address, reserve0: pool.reserve0, reserve1: pool.reserve1 }]);
    expect(live.stats.evaluated).toBe(0);
    const p = live.index.cyclesOfPool(200).length;
    live.applyReserves([
      {
        address: pool.address.toUpperCase().replace("0X", "0x"),
        reserve0: pool.reserve0 + 1n,
        reserve1: pool.reserve1,
      },
    ]);
    expect(live.stats.evaluated).toBe(p);
  });

  it("drops a cycle whose pool was drained and rejects unknown pools", () => {
    const live = scan(market.pools);
    const first = live.fullScan()[0]!;
    const drained = live.applyReserves([{ address: first.pools[0]!, reserve0: 0n, reserve1: 0n }]);
    expect(drained.some((o) => o.pools.includes(first.pools[0]!))).toBe(false);
    expect(() => live.applyReserves([{ address: "0x" + "9".repeat(40), reserve0: 1n, reserve1: 1n }])).toThrow(
      /unknown pool/,
    );
  });
});
