import type { Opportunity } from "../core/index.ts";
import { ArbitrageScanner } from "../core/index.ts";
import type { Snapshot } from "./load-snapshot.ts";

export interface ScanOptions {
  maxHops: number;
  minProfit: bigint;
}

/** The result of one scan, shaped like the `orion scan --json` contract but with bigints. */
export interface ScanReport {
  blockNumber: number;
  opportunities: Opportunity[];
  stats: { pools: number; cycles: number; elapsedMs: number };
}

/**
 * A one-shot scan promises every size optimal to one part in a million (the contract), so it lets each cycle's proof
 * try far more candidates than the live scanner's per-block budget: a 10k-pool 3-hop market then proves every cycle.
 */
export const ONE_SHOT_SIZING_BUDGET = 1n << 26n;

/** Builds the cycle index for the snapshot, then times one full scan (index building and parsing are not timed). */
export function runScan(snapshot: Snapshot, options: ScanOptions): ScanReport {
  const scanner = new ArbitrageScanner({
    tokens: snapshot.tokens,
    pools: snapshot.pools,
    baseTokens: snapshot.baseTokens,
    maxHops: options.maxHops,
    minProfit: options.minProfit,
    sizingBudget: ONE_SHOT_SIZING_BUDGET,
  });
  const opportunities = scanner.fullScan();
  const { pools, evaluated, elapsedMs } = scanner.stats;
  return { blockNumber: snapshot.blockNumber, opportunities, stats: { pools, cycles: evaluated, elapsedMs } };
}

/** The machine contract: amounts as decimal strings, addresses lowercase. */
export function toJson(report: ScanReport): string {
  return JSON.stringify(
    {
      blockNumber: report.blockNumber,
      opportunities: report.opportunities.map((o) => ({
        baseToken: o.baseToken,
        pools: o.pools,
        tokens: o.tokens,
        amountIn: o.amountIn.toString(),
        amountOut: o.amountOut.toString(),
        profit: o.profit.toString(),
      })),
      stats: { ...report.stats, elapsedMs: Math.round(report.stats.elapsedMs * 1000) / 1000 },
    },
    null,
    2,
  );
}
