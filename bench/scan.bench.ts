/**
 * Scan benchmark: for seeded synthetic markets of 1k, 10k and 50k pools at 2 and 3 hops, prints one JSON line each
 * with the cycle count, full-scan and incremental-block latency (p50/p99), memory, and the profit a 9-size grid search
 * (two pools, WETH only) captures against the exact optimum on the same cycles; and one plain-language line each on
 * stderr, with the load average at the start and end of that market's runs.
 * `fullScanMs.first` is the first scan of each market; sizes run smallest first in one process, so from the second
 * market on the JIT is already warm. p50/p99 are over repeated scans and blocks after that. The live scanner's
 * per-cycle proof budget applies (ArbitrageScanner's default): `unproven` counts what it could not prove.
 */
import { ArbitrageScanner, routeHops } from "../apps/core/index.ts";
import { gridSearchProfit } from "./grid-baseline.ts";
import { percentile } from "./percentile.ts";
import { blockSummary, loadAverage, round, timeBlocks } from "./block-timing.ts";
import { cpuClock } from "./gate/ratio.ts";
import { rng, syntheticMarket } from "./synthetic-market.ts";

const SIZES = [1_000, 10_000, 50_000];
const HOPS = [2, 3];
const BLOCKS = 300;
const WARMUP_BLOCKS = 30;
const POOLS_PER_BLOCK = 100;

function memory(): number {
  globalThis.gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

for (const pools of SIZES) {
  for (const maxHops of HOPS) {
    const market = syntheticMarket({ pools, seed: pools + maxHops });
    const loadBefore = loadAverage();
    const before = memory();
    const started = performance.now();
    const scanner = new ArbitrageScanner({ ...market, maxHops });
    const indexBuildMs = performance.now() - started;

    const fullRuns = pools >= 50_000 ? 7 : 21;
    const full: number[] = [];
    const fullCpu: number[] = [];
    let found = scanner.fullScan();
    const first = scanner.stats;
    for (let i = 0; i < fullRuns; i++) {
      const cpu = cpuClock();
      found = scanner.fullScan();
      fullCpu.push(cpuClock() - cpu);
      full.push(scanner.stats.elapsedMs);
    }
    const memoryBytes = memory() - before;

    // Baseline on the cycles it can see: WETH out and back over two pools.
    const weth = market.baseTokens[0]!;
    const byAddress = new Map(market.pools.map((p) => [p.address, p]));
    let gridProfit = 0n;
    let exactProfit = 0n;
    let baselineCycles = 0;
    for (const o of found) {
      if (o.baseToken !== weth || o.pools.length !== 2) continue;
      baselineCycles++;
      exactProfit += o.profit;
      gridProfit += gridSearchProfit(
        routeHops(
          o.pools.map((a) => byAddress.get(a)!),
          weth,
        ),
      );
    }
    const allWethProfit = found.filter((o) => o.baseToken === weth).reduce((sum, o) => sum + o.profit, 0n);

    const random = rng(pools * 31 + maxHops);
    const blocks = timeBlocks(scanner, [...market.pools], random, {
      blocks: BLOCKS,
      warmup: WARMUP_BLOCKS,
      perBlock: POOLS_PER_BLOCK,
    });
    const loadAfter = loadAverage();

    const result = {
      bench: "scan",
      pools,
      maxHops,
      tokens: market.tokens.length,
      cycles: scanner.cycleCount,
      indexBuildMs: round(indexBuildMs),
      memoryMB: Math.round((memoryBytes / 2 ** 20) * 10) / 10,
      indexMB: Math.round((scanner.index.byteLength / 2 ** 20) * 10) / 10,
      fullScanMs: { first: round(first.elapsedMs), p50: round(percentile(full, 50)), p99: round(percentile(full, 99)) },
      fullScanCpuMs: { p50: round(percentile(fullCpu, 50)), p99: round(percentile(fullCpu, 99)) },
      exactChecks: first.exactChecks,
      opportunities: found.length,
      unproven: first.unproven,
      unprovenAfterBlocks: scanner.stats.unproven,
      loadAverage: { before: loadBefore, after: loadAfter },
      incremental: {
        blocks: BLOCKS,
        poolsPerBlock: POOLS_PER_BLOCK,
        ...blockSummary(blocks),
      },
      gridBaseline: {
        cycles: baselineCycles,
        gridProfitWei: gridProfit.toString(),
        exactProfitWei: exactProfit.toString(),
        captured: exactProfit === 0n ? 1 : Number((gridProfit * 1_000_000n) / exactProfit) / 1_000_000,
        allWethCyclesProfitWei: allWethProfit.toString(),
      },
    };
    process.stdout.write(JSON.stringify(result) + "\n");
    const block = result.incremental;
    process.stderr.write(
      `scan: ${pools} pools, ${maxHops} hops, ${result.cycles} cycles, ${result.opportunities} profitable: ` +
        `full scan p50 ${result.fullScanMs.p50} ms wall / ${result.fullScanCpuMs.p50} ms CPU ` +
        `(first ${result.fullScanMs.first} ms); block of ${POOLS_PER_BLOCK} pools p50/p99 ` +
        `${block.p50Ms}/${block.p99Ms} ms wall, ${block.cpuP50Ms}/${block.cpuP99Ms} ms CPU; unproven ` +
        `${result.unproven} after the scan, ${result.unprovenAfterBlocks} after ${BLOCKS} blocks; ` +
        `load average ${loadBefore[0]} -> ${loadAfter[0]}\n`,
    );
  }
}
