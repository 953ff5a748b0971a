/**
 * Scan benchmark: for seeded synthetic markets of 1k, 10k and 50k pools at 2 and 3 hops, prints one JSON line each
 * with the cycle count, full-scan and incremental-block latency (p50/p99), memory, and the profit a 9-size grid search
 * (two pools, WETH only) captures against the exact optimum on the same cycles.
 * `fullScanMs.first` is the first scan of each market; sizes run smallest first in one process, so from the second
 * market on the JIT is already warm. p50/p99 are over repeated scans and blocks after that.
 */
import { ArbitrageScanner, routeHops } from "../apps/core/index.ts";
import { gridSearchProfit } from "./grid-baseline.ts";
import { percentile } from "./percentile.ts";
import { rng, syntheticMarket, tradeBlock } from "./synthetic-market.ts";

const SIZES = [1_000, 10_000, 50_000];
const HOPS = [2, 3];
const BLOCKS = 300;
const WARMUP_BLOCKS = 30;
const POOLS_PER_BLOCK = 100;

const round = (ms: number) => Math.round(ms * 1000) / 1000;

/**
 * CPU time of this process since `since` (user + system, all of its threads). Reported beside wall time because a
 * shared machine's load inflates wall time with time spent waiting for a core.
 */
function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

function memory(): number {
  globalThis.gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

for (const pools of SIZES) {
  for (const maxHops of HOPS) {
    const market = syntheticMarket({ pools, seed: pools + maxHops });
    const before = memory();
    let started = performance.now();
    const scanner = new ArbitrageScanner({ ...market, maxHops });
    const indexBuildMs = performance.now() - started;

    const fullRuns = pools >= 50_000 ? 7 : 21;
    const full: number[] = [];
    const fullCpu: number[] = [];
    let found = scanner.fullScan();
    const first = scanner.stats;
    for (let i = 0; i < fullRuns; i++) {
      const cpu = process.cpuUsage();
      found = scanner.fullScan();
      fullCpu.push(cpuMs(cpu));
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
    const blockPools = [...market.pools];
    const incremental: number[] = [];
    const incrementalCpu: number[] = [];
    const evaluated: number[] = [];
    const exact: number[] = [];
    for (let b = 0; b < WARMUP_BLOCKS + BLOCKS; b++) {
      const updates = tradeBlock(blockPools, POOLS_PER_BLOCK, random);
      const cpu = process.cpuUsage();
      started = performance.now();
      scanner.applyReserves(updates);
      const elapsed = performance.now() - started;
      const cpuElapsed = cpuMs(cpu);
      if (b < WARMUP_BLOCKS) continue;
      incremental.push(elapsed);
      incrementalCpu.push(cpuElapsed);
      evaluated.push(scanner.stats.evaluated);
      exact.push(scanner.stats.exactChecks);
    }

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
      incremental: {
        blocks: BLOCKS,
        poolsPerBlock: POOLS_PER_BLOCK,
        p50Ms: round(percentile(incremental, 50)),
        p99Ms: round(percentile(incremental, 99)),
        cpuP50Ms: round(percentile(incrementalCpu, 50)),
        cpuP99Ms: round(percentile(incrementalCpu, 99)),
        cyclesCheckedP50: percentile(evaluated, 50),
        cyclesCheckedP99: percentile(evaluated, 99),
        exactChecksP50: percentile(exact, 50),
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
  }
}
