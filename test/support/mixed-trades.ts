/**
 * What every live run on the devnet must show of its flash sources and mixed Uniswap-V2/V3 cycles in its session
 * report, however its bots ran: each confirmed trade funded as the devnet's lenders make cheapest (a V2 first pool
 * flash-swaps, a V3 first pool borrows from Balancer for free), both sources used, and a mixed trade with nothing
 * ahead of it. Every unraced trade's realized profit equals its prediction to the wei: the caller checks that for all
 * trades. Which mixed cycles a short session confirms depends on the machine's speed (on a slow one, once, only V3-first
 * ones); `apps/platform/mixed-cycles.e2e.test.ts` executes every kind of mixed cycle from every source, block by block.
 */
import { expect } from "vitest";
import type { SessionReport } from "../../apps/platform/report.ts";

export function expectMixedTradesByTwoSources(report: SessionReport): void {
  const confirmed = report.trades.filter((t) => t.status === "confirmed" && t.route !== undefined);
  for (const t of confirmed) {
    expect(t.flashSource).toBe(t.route![0]!.protocol === "uniswap-v3" ? "balancer" : "v2-flash-swap");
  }
  expect([...new Set(confirmed.map((t) => t.flashSource))].sort()).toEqual(["balancer", "v2-flash-swap"]);
  const mixed = confirmed.filter((t) => t.route!.some((h) => h.protocol === "uniswap-v3"));
  expect(mixed.filter((t) => t.precededBy === 0).length).toBeGreaterThan(0);
}
