import { describe, expect, it } from "vitest";
import { syntheticMarket } from "../../bench/synthetic-market.ts";
import { ArbitrageScanner } from "../core/index.ts";
import { ONE_SHOT_SIZING_BUDGET, runScan } from "./scan-report.ts";

// A 1k-pool market with 6- and 8-decimal base tokens: some cycles' optimality proofs need more candidates than a
// small per-cycle budget allows (the live scanner's default proves them all here; 16 does not).
const market = syntheticMarket({ pools: 1000, seed: 1 });
const snapshot = { chainId: 1, blockNumber: 1, warnings: [], v3Pools: [], ...market };
const key = (o: { baseToken: string; pools: string[] }) => `${o.baseToken}:${o.pools.join(",")}`;

describe("runScan (orion scan)", () => {
  it("proves every size where a small budget gives up, and never reports less profit", () => {
    const live = new ArbitrageScanner({ ...market, maxHops: 3, sizingBudget: 16n });
    const liveProfit = new Map(live.fullScan().map((o) => [key(o), o.profit]));
    expect(live.stats.unproven).toBeGreaterThan(0);

    const oneShot = new ArbitrageScanner({ ...market, maxHops: 3, sizingBudget: ONE_SHOT_SIZING_BUDGET });
    oneShot.fullScan();
    expect(oneShot.stats.unproven).toBe(0);

    const report = runScan(snapshot, { maxHops: 3, minProfit: 0n });
    let better = 0;
    for (const o of report.opportunities) {
      const before = liveProfit.get(key(o)) ?? 0n;
      expect(o.profit >= before).toBe(true);
      if (o.profit > before) better++;
    }
    expect(better).toBeGreaterThan(0);
    expect(report.opportunities.length).toBeGreaterThanOrEqual(liveProfit.size);
  });
});
