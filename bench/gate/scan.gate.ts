/**
 * Scan gate: the 10k-pool 3-hop benchmark market (bench/synthetic-market.ts, the scan benchmark's seed), in CPU time
 * of this process (absolute figures too: `…Ms` here are CPU milliseconds, not wall).
 * - full scan time over a float-only pass across the same cycles, medians of 41 interleaved rounds;
 * - incremental block of 100 pools (median) over the same float-only pass.
 * Prints one measurement per line for bench/gate/check.ts.
 */
import { loadavg } from "node:os";
import { ArbitrageScanner } from "../../apps/core/index.ts";
import { rng, syntheticMarket, tradeBlock } from "../synthetic-market.ts";
import { FloatPass } from "./float-pass.ts";
import { emit } from "./emit.ts";
import { percentile } from "../percentile.ts";
import { cpuClock, median, timeAgainst } from "./ratio.ts";

const POOLS = 10_000;
const HOPS = 3;
const ROUNDS = Number(process.env.BENCH_GATE_ROUNDS ?? 41);
/**
 * Uncounted rounds first. V8 runs the kernel's WebAssembly from its baseline compiler until a function has run enough,
 * then moves it to the optimising one: after 3 such rounds four of the kernel's functions (its exact search) still
 * moved during the first five counted rounds, after 10 all but two rarely run ones have (--trace-wasm-compilation-times).
 */
const WARMUP = 10;
const BLOCKS = Number(process.env.BENCH_GATE_BLOCKS ?? 120);

const market = syntheticMarket({ pools: POOLS, seed: POOLS + HOPS });
const scanner = new ArbitrageScanner({ ...market, maxHops: HOPS });
const floatPass = new FloatPass(scanner.index, market.pools);
const cycles = scanner.cycleCount;
const firstScan = scanner.fullScan();
const firstMs = scanner.stats.elapsedMs;

const full = timeAgainst(
  () => scanner.fullScan(),
  () => floatPass.run(),
  ROUNDS,
  { warmup: WARMUP },
);
emit({
  metric: "scan.fullScan/floatPass",
  value: full.ratio,
  absolute: {
    cycles,
    fullScanMs: full.workMs,
    floatPassMs: full.referenceMs,
    nsPerCycle: (full.workMs * 1e6) / cycles,
    floatNsPerCycle: (full.referenceMs * 1e6) / cycles,
    firstScanWallMs: firstMs,
    opportunities: firstScan.length,
    unproven: scanner.stats.unproven,
    load1: loadavg()[0]!,
  },
});

// Blocks build on each other (each is the pools after the previous one's trades); the float pass runs beside each.
const random = rng(POOLS * 31 + HOPS);
const pools = [...market.pools];
const blockTimes: number[] = [];
const floatTimes: number[] = [];
for (let b = 0; b < BLOCKS; b++) {
  const updates = tradeBlock(pools, 100, random);
  let started = cpuClock();
  floatPass.run();
  floatTimes.push(cpuClock() - started);
  started = cpuClock();
  scanner.applyReserves(updates);
  blockTimes.push(cpuClock() - started);
}
emit({
  metric: "scan.block/floatPass",
  value: median(blockTimes) / median(floatTimes),
  absolute: {
    blockP50Ms: median(blockTimes),
    blockP99Ms: percentile(blockTimes, 99),
    floatPassMs: median(floatTimes),
    unproven: scanner.stats.unproven,
    load1: loadavg()[0]!,
  },
});
