/**
 * Scan benchmark with Uniswap-V3 pools: the 10k-pool synthetic market of the scan benchmark (seed 10003, 3 hops)
 * with a share of its pools listed as V3 pools with ticks (bench/synthetic-v3-market.ts), scanned by the live
 * scanner (its default budgets). One JSON line per share on stdout, one plain-language line on stderr, each with
 * the load average: full scan (first, then p50 of repeats), incremental blocks (100 pools each, V2 and V3 in the
 * market's proportion: swaps, and new positions in one V3 pool of ten), and how much of the profit found is proven
 * (per base token, since their units differ; `unproven` sizes are reported with the best size found).
 */
import type { Opportunity } from "../apps/core/index.ts";
import { ArbitrageScanner } from "../apps/core/index.ts";
import { blockSummary, loadAverage, round, timeScannerBlocks } from "./block-timing.ts";
import { cpuClock } from "./gate/ratio.ts";
import { percentile } from "./percentile.ts";
import { rng, syntheticMarket, tradeBlock } from "./synthetic-market.ts";
import { tradeV3Block, withV3Pools } from "./synthetic-v3-market.ts";

const POOLS = 10_000;
const MAX_HOPS = 3;
const SHARES = [0.1, 0.3];
const FULL_RUNS = 5;
const BLOCKS = 100;
const WARMUP_BLOCKS = 10;
const POOLS_PER_BLOCK = 100;

/** Proven share of the profit found, per base token symbol (1 where nothing was found). */
function provenShares(
  found: readonly Opportunity[],
  unproven: ReadonlySet<Opportunity>,
  symbolOf: (address: string) => string,
): Record<string, number> {
  const total = new Map<string, bigint>();
  const proven = new Map<string, bigint>();
  for (const o of found) {
    const symbol = symbolOf(o.baseToken);
    total.set(symbol, (total.get(symbol) ?? 0n) + o.profit);
    if (!unproven.has(o)) proven.set(symbol, (proven.get(symbol) ?? 0n) + o.profit);
  }
  return Object.fromEntries(
    [...total].map(([symbol, sum]) => [symbol, Number(((proven.get(symbol) ?? 0n) * 10_000n) / sum) / 10_000]),
  );
}

for (const share of SHARES) {
  const base = syntheticMarket({ pools: POOLS, seed: POOLS + MAX_HOPS });
  const market = withV3Pools(base, { share, seed: POOLS });
  const symbols = new Map(market.tokens.map((t) => [t.address, t.symbol]));
  const symbolOf = (address: string) => symbols.get(address) ?? address;
  const loadBefore = loadAverage();
  const started = performance.now();
  const scanner = new ArbitrageScanner({ ...market, maxHops: MAX_HOPS });
  const indexBuildMs = performance.now() - started;

  let found = scanner.fullScan();
  const first = scanner.stats;
  const full: number[] = [];
  const fullCpu: number[] = [];
  for (let i = 0; i < FULL_RUNS; i++) {
    const cpu = cpuClock();
    found = scanner.fullScan();
    fullCpu.push(cpuClock() - cpu);
    full.push(scanner.stats.elapsedMs);
  }
  const mixed = found.filter((o) => o.protocols !== undefined);
  const unproven = new Set(scanner.unprovenOpportunities());

  // Blocks: the market's V3 share of each block's pools are V3 pools.
  const pools = [...market.pools];
  const v3Pools = [...market.v3Pools];
  const random = rng(POOLS * 31 + MAX_HOPS);
  const v3PerBlock = Math.round(POOLS_PER_BLOCK * share);
  const blocks = timeScannerBlocks(
    scanner,
    () => [tradeBlock(pools, POOLS_PER_BLOCK - v3PerBlock, random), tradeV3Block(v3Pools, v3PerBlock, random)] as const,
    ([reserves, states]) => scanner.applyBlock(reserves, states),
    { blocks: BLOCKS, warmup: WARMUP_BLOCKS },
  );
  const afterBlocks = scanner.opportunities();
  const unprovenAfter = new Set(scanner.unprovenOpportunities());
  const loadAfter = loadAverage();

  const result = {
    bench: "scan-v3",
    pools: POOLS,
    v3Pools: market.v3Pools.length,
    maxHops: MAX_HOPS,
    cycles: scanner.cycleCount,
    indexBuildMs: round(indexBuildMs),
    fullScanMs: { first: round(first.elapsedMs), p50: round(percentile(full, 50)) },
    fullScanCpuMs: { p50: round(percentile(fullCpu, 50)) },
    exactChecks: first.exactChecks,
    opportunities: found.length,
    mixedOpportunities: mixed.length,
    unproven: unproven.size,
    undecided: first.undecided,
    unprovenMixed: mixed.filter((o) => unproven.has(o)).length,
    provenProfitShare: provenShares(found, unproven, symbolOf),
    provenMixedProfitShare: provenShares(mixed, unproven, symbolOf),
    incremental: {
      blocks: BLOCKS,
      poolsPerBlock: POOLS_PER_BLOCK,
      v3PoolsPerBlock: v3PerBlock,
      ...blockSummary(blocks),
      unprovenAfterBlocks: unprovenAfter.size,
      undecidedAfterBlocks: scanner.stats.undecided,
      provenProfitShareAfterBlocks: provenShares(afterBlocks, unprovenAfter, symbolOf),
    },
    loadAverage: { before: loadBefore, after: loadAfter },
  };
  process.stdout.write(JSON.stringify(result) + "\n");
  const block = result.incremental;
  const weth = result.provenProfitShare["WETH"] ?? 1;
  const wethMixed = result.provenMixedProfitShare["WETH"] ?? 1;
  process.stderr.write(
    `scan-v3: ${POOLS} pools (${result.v3Pools} V3), ${MAX_HOPS} hops, ${result.cycles} cycles, ` +
      `${result.opportunities} profitable (${result.mixedOpportunities} through V3 pools, ${result.unproven} ` +
      `unproven; ${result.undecided} cycles undecided): full scan first ${result.fullScanMs.first} ms, p50 ${result.fullScanMs.p50} ms wall / ` +
      `${result.fullScanCpuMs.p50} ms CPU; block of ${POOLS_PER_BLOCK} pools (${v3PerBlock} V3) p50/p99 ` +
      `${block.p50Ms}/${block.p99Ms} ms wall, ${block.cpuP50Ms}/${block.cpuP99Ms} ms CPU; WETH profit proven ` +
      `${(weth * 100).toFixed(1)}% (through V3 pools ${(wethMixed * 100).toFixed(1)}%); ` +
      `load average ${loadBefore[0]} -> ${loadAfter[0]}\n`,
  );
}
