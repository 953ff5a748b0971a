/**
 * What the scan benchmarks share: blocks of trades against a live scanner, timed in wall and CPU time, and the load
 * average to print beside every figure (on a shared machine a figure without it cannot be read).
 */
import { loadavg } from "node:os";
import type { ArbitrageScanner, Pool } from "../apps/core/index.ts";
import { cpuClock } from "./gate/ratio.ts";
import { percentile } from "./percentile.ts";
import { tradeBlock } from "./synthetic-market.ts";

export interface BlockTimes {
  wallMs: number[];
  cpuMs: number[];
  /** Cycles checked and exact sizings, per measured block. */
  checked: number[];
  exact: number[];
}

/**
 * `warmup + blocks` successive blocks of `perBlock` pools (each the pools after the previous block's trades) applied
 * to `scanner`; only the last `blocks` are recorded. Mutates `pools`.
 */
export function timeBlocks(
  scanner: ArbitrageScanner,
  pools: Pool[],
  random: () => number,
  { blocks, warmup, perBlock }: { blocks: number; warmup: number; perBlock: number },
): BlockTimes {
  return timeScannerBlocks(
    scanner,
    () => tradeBlock(pools, perBlock, random),
    (updates) => scanner.applyReserves(updates),
    { blocks, warmup },
  );
}

/**
 * `warmup + blocks` blocks, all made by `next` before the first is applied (untimed), then handed to `apply` one by
 * one (timed, wall and CPU), with the scanner's counters read after each; only the last `blocks` are recorded.
 * Made in between, the blocks' own garbage (the simulated trades' pool copies and bigints, a third of what filled
 * the young generation) set off minor collections that landed in the scanner's timed blocks; the scanner's own
 * garbage still does.
 */
export function timeScannerBlocks<B>(
  scanner: ArbitrageScanner,
  next: () => B,
  apply: (block: B) => void,
  { blocks, warmup }: { blocks: number; warmup: number },
): BlockTimes {
  const times: BlockTimes = { wallMs: [], cpuMs: [], checked: [], exact: [] };
  const made = Array.from({ length: warmup + blocks }, next);
  for (let b = 0; b < warmup + blocks; b++) {
    const block = made[b]!;
    const cpu = cpuClock();
    const started = performance.now();
    apply(block);
    const wall = performance.now() - started;
    const cpuElapsed = cpuClock() - cpu;
    if (b < warmup) continue;
    times.wallMs.push(wall);
    times.cpuMs.push(cpuElapsed);
    times.checked.push(scanner.stats.evaluated);
    times.exact.push(scanner.stats.exactChecks);
  }
  return times;
}

/** The figures every scan benchmark prints for its incremental blocks. */
export function blockSummary(times: BlockTimes) {
  return {
    p50Ms: round(percentile(times.wallMs, 50)),
    p99Ms: round(percentile(times.wallMs, 99)),
    cpuP50Ms: round(percentile(times.cpuMs, 50)),
    cpuP99Ms: round(percentile(times.cpuMs, 99)),
    cyclesCheckedP50: percentile(times.checked, 50),
    cyclesCheckedP99: percentile(times.checked, 99),
    exactChecksP50: percentile(times.exact, 50),
  };
}

/** The 1-, 5- and 15-minute load averages, two decimals. */
export function loadAverage(): [number, number, number] {
  const [one, five, fifteen] = loadavg().map((x) => Math.round(x * 100) / 100);
  return [one!, five!, fifteen!];
}

/** Milliseconds to three decimals, for JSON output. */
export const round = (ms: number) => Math.round(ms * 1000) / 1000;
