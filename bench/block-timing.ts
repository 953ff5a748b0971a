/**
 * What the scan benchmarks share: blocks of trades against a live scanner, timed in wall and CPU time, and the load
 * average to print beside every figure (on a shared machine a figure without it cannot be read).
 */
import { loadavg } from "node:os";
import type { ArbitrageScanner, Pool } from "../apps/core/index.ts";
import { cpuClock } from "./gate/ratio.ts";
import { tradeBlock } from "./synthetic-market.ts";

export interface BlockTimes {
  wallMs: number[];
  cpuMs: number[];
  /** Cycles checked and exact sizings, per measured block. */
  checked: number[];
  exact: number[];
}

/**
 * `warmup + blocks` successive blocks (each the pools after the previous block's trades) of `perBlock` pools applied
 * to `scanner`; only the last `blocks` are recorded. Mutates `pools`.
 */
export function timeBlocks(
  scanner: ArbitrageScanner,
  pools: Pool[],
  random: () => number,
  { blocks, warmup, perBlock }: { blocks: number; warmup: number; perBlock: number },
): BlockTimes {
  const times: BlockTimes = { wallMs: [], cpuMs: [], checked: [], exact: [] };
  for (let b = 0; b < warmup + blocks; b++) {
    const updates = tradeBlock(pools, perBlock, random);
    const cpu = cpuClock();
    const started = performance.now();
    scanner.applyReserves(updates);
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

/** The 1-, 5- and 15-minute load averages, two decimals. */
export function loadAverage(): [number, number, number] {
  const [one, five, fifteen] = loadavg().map((x) => Math.round(x * 100) / 100);
  return [one!, five!, fifteen!];
}

/** Milliseconds to three decimals, for JSON output. */
export const round = (ms: number) => Math.round(ms * 1000) / 1000;
