import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { rng, syntheticMarket, tradeBlock } from "../../bench/synthetic-market.ts";
import type { KernelMemory, ScannerOptions } from "../core/index.ts";
import { ArbitrageScanner, SHARE_WORDS } from "../core/index.ts";
import { startKernelHelper } from "./kernel-helper.ts";

const CASES = [
  // 19,283 answers, more than the serial scan's first answer space holds.
  { pools: 4000, seed: 21, shocked: 0.3, maxHops: 3, minProfit: 0n },
  // The float profit bound against a minimum profit, and 4-hop cycles (a wider row per cycle).
  { pools: 1500, seed: 13, shocked: 0.1, maxHops: 3, minProfit: 10n ** 12n },
  { pools: 250, seed: 14, shocked: 0.3, maxHops: 4, minProfit: 0n },
];

describe("a full scan shared with a helper thread (orion scan's)", () => {
  it("does not start a thread for a small market", () => {
    expect(startKernelHelper(1999)).toBeUndefined();
  });

  it("stops with an error, not a wait, when a helper fails with chunks it took", async () => {
    // A helper that takes every chunk left and then fails without scanning them.
    const program = `
      const { parentPort, workerData: { generation, next, done, failed } } = require("node:worker_threads");
      parentPort.once("message", ({ memory }) => {
        const plan = new Int32Array(memory.buffer, 0, failed + 1);
        parentPort.postMessage("ready");
        for (let seen = 0; ; ) {
          Atomics.wait(plan, generation, seen);
          seen = Atomics.load(plan, generation);
          Atomics.add(plan, next, 1 << 20);
          Atomics.store(plan, failed, 1);
          Atomics.notify(plan, done);
        }
      });`;
    const worker = new Worker(program, { eval: true, workerData: SHARE_WORDS });
    try {
      const ready = new Promise((resolve) => worker.once("message", resolve));
      const failing = { attach: (memory: KernelMemory) => worker.postMessage({ memory }) };
      const market = syntheticMarket({ pools: 4000, seed: 21, shocked: 0.3 });
      const scanner = new ArbitrageScanner({ ...market, maxHops: 3, kernelHelpers: failing });
      await ready;
      // The scanning thread may finish every chunk before the helper wakes (then nothing is missing and the scan
      // stands); from the next scan on the helper is awake, takes the rest and the failure shows.
      let error: unknown = null;
      for (let round = 0; round < 5 && error === null; round++) {
        try {
          scanner.fullScan();
        } catch (err) {
          error = err;
        }
      }
      expect(String(error)).toMatch(/a helper thread failed in a shared scan/);
    } finally {
      await worker.terminate();
    }
  });

  it("scans a market without a cycle to nothing", async () => {
    // Every pool pairs the base token with a token of its own: no route comes back.
    const tokens = Array.from({ length: 2001 }, (_, i) => ({
      address: `0x${(i + 1).toString(16).padStart(40, "0")}`,
      symbol: `T${i}`,
      decimals: 18,
    }));
    const pools = tokens.slice(1).map((token, i) => ({
      address: `0x${(i + 1).toString(16).padStart(4, "0")}${"a".repeat(36)}`,
      dex: "uniswap-v2",
      token0: tokens[0]!.address,
      token1: token.address,
      reserve0: 10n ** 21n,
      reserve1: 10n ** 21n,
      feeBps: 30,
    }));
    const helper = startKernelHelper(pools.length)!;
    try {
      const scanner = new ArbitrageScanner({
        tokens,
        pools,
        baseTokens: [tokens[0]!.address],
        maxHops: 3,
        kernelHelpers: helper,
      });
      expect(await helper.ready).toBe(true);
      expect(scanner.cycleCount).toBe(0);
      expect(scanner.fullScan()).toEqual([]);
    } finally {
      helper.stop();
    }
  });

  it.each(CASES)("lists exactly what one thread lists, before and after a block: %o", async (shape) => {
    const { pools, seed, shocked, ...scan } = shape;
    const market = syntheticMarket({ pools, seed, shocked });
    const options: ScannerOptions = { ...market, ...scan };
    const alone = new ArbitrageScanner(options);
    const helper = startKernelHelper(10_000)!;
    try {
      const shared = new ArbitrageScanner({ ...options, kernelHelpers: helper });
      expect(await helper.ready).toBe(true);
      const expected = alone.fullScan();
      // The helper takes chunks as it wakes up: scan again until it has taken some (on an idle core, at once).
      let helped = 0;
      for (let round = 0; round < 5 && helped === 0; round++) {
        expect(shared.fullScan()).toEqual(expected);
        helped = shared.stats.helperChunks;
        expect(shared.stats.unproven).toBe(alone.stats.unproven);
        expect(shared.stats.exactChecks).toBe(alone.stats.exactChecks);
      }
      expect(helped).toBeGreaterThan(0);
      expect(alone.stats.helperChunks).toBe(0);

      // New reserves: the next shared scan (a new plan) reads them, like a scan in one thread.
      const block = tradeBlock(market.pools, 50, rng(seed));
      alone.applyReserves(block);
      shared.applyReserves(block);
      expect(shared.fullScan()).toEqual(alone.fullScan());
    } finally {
      helper.stop();
    }
  });
});
