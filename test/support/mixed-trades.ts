/**
 * What every live run on the devnet must show of mixed Uniswap-V2/V3 cycles in its session report, however its bots
 * ran: each confirmed mixed trade funded as the devnet's lenders make cheapest (a V2 first pool flash-swaps, a V3 first
 * pool borrows from Balancer for free), and, among those nothing ran ahead of, both sources used. Every unraced trade's
 * realized profit equals its prediction to the wei: the caller checks that for all trades.
 */
import { expect } from "vitest";
import type { SessionReport } from "../../apps/platform/report.ts";

export function expectMixedTradesByTwoSources(report: SessionReport): void {
  const mixed = report.trades.filter(
    (t) => t.status === "confirmed" && t.route?.some((h) => h.protocol === "uniswap-v3"),
  );
  for (const t of mixed) {
    expect(t.flashSource).toBe(t.route![0]!.protocol === "uniswap-v3" ? "balancer" : "v2-flash-swap");
  }
  const unraced = mixed.filter((t) => t.precededBy === 0);
  expect([...new Set(unraced.map((t) => t.flashSource))].sort()).toEqual(["balancer", "v2-flash-swap"]);
}
