import type { KernelHelpers, Opportunity } from "../core/index.ts";
import { ArbitrageScanner } from "../core/index.ts";
import { startKernelHelper } from "./kernel-helper.ts";
import type { Snapshot } from "./load-snapshot.ts";

export interface ScanOptions {
  maxHops: number;
  minProfit: bigint;
}

/** The result of one scan, shaped like the `orion scan --json` contract but with bigints. */
export interface ScanReport {
  blockNumber: number;
  opportunities: Opportunity[];
  /**
   * `unproven`: how many sizes could be proven neither optimal nor within 1e-6 (cycles through a V3 pool whose
   * proof does not fit the search budget); `undecided`: how many cycles found no profitable input but could not
   * prove there is none (nothing reported for them); both 0 on V2 markets.
   */
  stats: { pools: number; cycles: number; elapsedMs: number; unproven: number; undecided: number };
  /** Those opportunities. */
  unproven: ReadonlySet<Opportunity>;
}

/**
 * A one-shot scan promises every size optimal to one part in a million (the contract), so it lets each cycle's proof
 * try far more candidates than the live scanner's per-block budget: a 10k-pool 3-hop market then proves every cycle.
 */
export const ONE_SHOT_SIZING_BUDGET = 1n << 26n;
/**
 * The same for a cycle through a V3 pool: the exact routes its search may price (each walks the pool's ticks, so
 * far fewer than the V2 budget's float-screened points). On the 10k-pool market with 30% V3 pools, 4x the live
 * budget proves 8% more of the sizes left unproven for 5x the time, and 16x 17% more for 22x: past this the proofs
 * need another method (see README "Cycles through V3 pools"), not more of this one.
 */
export const ONE_SHOT_SEARCH_BUDGET = 1 << 14;

/** Builds the cycle index for the snapshot, then times one full scan (index building and parsing are not timed). */
export function runScan(snapshot: Snapshot, options: ScanOptions): ScanReport {
  // Started first, so the thread starts while the cycle index is built.
  const helper = startKernelHelper(snapshot.pools.length + snapshot.v3Pools.length);
  try {
    return scanWith(snapshot, options, helper);
  } finally {
    helper?.stop();
  }
}

function scanWith(snapshot: Snapshot, options: ScanOptions, helper: KernelHelpers | undefined): ScanReport {
  const scanner = new ArbitrageScanner({
    tokens: snapshot.tokens,
    pools: snapshot.pools,
    v3Pools: snapshot.v3Pools,
    baseTokens: snapshot.baseTokens,
    maxHops: options.maxHops,
    minProfit: options.minProfit,
    sizingBudget: ONE_SHOT_SIZING_BUDGET,
    searchBudget: ONE_SHOT_SEARCH_BUDGET,
    kernelHelpers: helper,
  });
  const opportunities = scanner.fullScan();
  const { pools, evaluated, elapsedMs, unproven, undecided } = scanner.stats;
  return {
    blockNumber: snapshot.blockNumber,
    opportunities,
    stats: { pools, cycles: evaluated, elapsedMs, unproven, undecided },
    unproven: new Set(scanner.unprovenOpportunities()),
  };
}

/**
 * The machine contract: amounts as decimal strings, addresses lowercase. Fields beyond it appear only where they
 * say something (so a V2 snapshot's output is exactly the contract): `protocols` on a route through a V3 pool,
 * `unproven: true` on a size not proven, and `stats.unproven` / `stats.undecided` when there are any.
 */
export function toJson(report: ScanReport): string {
  const { unproven, undecided, ...stats } = report.stats;
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
        ...(o.protocols ? { protocols: o.protocols } : {}),
        ...(report.unproven.has(o) ? { unproven: true } : {}),
      })),
      stats: {
        ...stats,
        elapsedMs: Math.round(stats.elapsedMs * 1000) / 1000,
        ...(unproven > 0 ? { unproven } : {}),
        ...(undecided > 0 ? { undecided } : {}),
      },
    },
    null,
    2,
  );
}
