import { Interface } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadArtifacts } from "../contracts/index.ts";
import { BlockCollector } from "./block-collector.ts";
import { DEFAULT_MARKETS, planPools } from "./markets.ts";
import type { LocalChain } from "./local-chain.ts";
import { startLocalChain } from "./local-chain.ts";
import { PoolState } from "./pool-state.ts";
import { startScanning } from "./testing/scanning.ts";
import { FailoverProvider, eip1193Transport } from "./rpc.ts";

let chain: LocalChain;
let provider: FailoverProvider;
let pair: Interface;

async function onChainReserves(pool: string): Promise<{ reserve0: bigint; reserve1: bigint }> {
  const [reserve0, reserve1] = pair.decodeFunctionResult(
    "getReserves",
    await provider.call({ to: pool, data: pair.encodeFunctionData("getReserves") }),
  );
  return { reserve0: BigInt(reserve0), reserve1: BigInt(reserve1) };
}

async function expectStateMatchesChain(state: PoolState): Promise<void> {
  expect(state.blockNumber).toBe(await provider.getBlockNumber());
  for (const p of chain.markets.pools) expect(state.get(p.address)).toEqual(await onChainReserves(p.address));
}

beforeAll(async () => {
  chain = await startLocalChain({ seed: 7 });
  provider = new FailoverProvider([eip1193Transport("devnet", chain.devnet.provider)], { chainId: 31337 });
  pair = new Interface((await loadArtifacts()).UniswapV2Pair.abi);
});

afterAll(async () => {
  provider?.destroy();
  await chain?.close();
});

describe("local chain", () => {
  it("seeds every planned pool on its own DEX with the planned liquidity", async () => {
    const plans = planPools(DEFAULT_MARKETS, 7);
    expect(chain.markets.pools).toHaveLength(plans.length);
    expect(new Set(chain.markets.dexes.map((d) => d.factory)).size).toBe(DEFAULT_MARKETS.dexes.length);
    const symbolOf = new Map(chain.markets.tokens.map((t) => [t.address, t.symbol]));
    for (const [i, pool] of chain.markets.pools.entries()) {
      const plan = plans[i]!;
      const r = await onChainReserves(pool.address);
      const bySymbol = new Map([
        [symbolOf.get(pool.token0), r.reserve0],
        [symbolOf.get(pool.token1), r.reserve1],
      ]);
      expect(pool.dex).toBe(plan.dex);
      expect(bySymbol.get(plan.tokenA)).toBe(plan.amountA);
      expect(bySymbol.get(plan.tokenB)).toBe(plan.amountB);
    }
  });

  it("mines only on demand once set up: traders' swaps wait in the mempool for the next block", async () => {
    const before = await provider.getBlockNumber();
    const swaps = await chain.simulator.step();
    expect(swaps.length).toBeGreaterThan(0);
    expect(await provider.getBlockNumber()).toBe(before);
    await chain.devnet.mine();
    const receipts = await Promise.all(swaps.map((s) => provider.getTransactionReceipt(s.txHash)));
    expect(receipts.map((r) => [r?.blockNumber, r?.status])).toEqual(swaps.map(() => [before + 1, 1]));
  });

  it("keeps pool state equal to getReserves block by block from Sync logs, and refreshes after a gap", async () => {
    // Chunks of 7 pools: the refresh spans several lens calls.
    const state = await PoolState.create(provider, chain.markets.pools, { lensChunk: 7 });
    const collector = new BlockCollector(provider);
    const first = await state.onBlock((await collector.poll())!);
    expect(first).toMatchObject({ kind: "full", reason: "start" });
    expect(first!.changed).toHaveLength(chain.markets.pools.length);

    let changedTotal = 0;
    for (let i = 0; i < 8; i++) {
      const swaps = await chain.simulator.step();
      await chain.devnet.mine();
      const update = await state.onBlock((await collector.poll())!);
      expect(update).toMatchObject({ kind: "incremental", reason: "next-block" });
      const v2Pools = swaps.filter((s) => s.protocol === "uniswap-v2").map((s) => s.pool);
      expect(update!.changed.map((c) => c.address).sort()).toEqual([...new Set(v2Pools)].sort());
      changedTotal += update!.changed.length;
      await expectStateMatchesChain(state);
    }
    expect(changedTotal).toBeGreaterThan(8);

    for (let i = 0; i < 3; i++) {
      await chain.simulator.step();
      await chain.devnet.mine();
    }
    const afterGap = await state.onBlock((await collector.poll())!);
    expect(afterGap).toMatchObject({ kind: "full", reason: "gap" });
    expect(afterGap!.changed.length).toBeGreaterThan(0);
    await expectStateMatchesChain(state);
  });

  it("delivers each new head once, in order, to the block consumer", async () => {
    const collector = new BlockCollector(provider, 5);
    const heads: number[] = [];
    const errors: unknown[] = [];
    const start = await provider.getBlockNumber();
    collector.start(
      (h) => {
        heads.push(h.number);
      },
      (err) => errors.push(err),
    );
    await expect.poll(() => heads.length, { interval: 5 }).toBe(1);
    for (let i = 0; i < 3; i++) {
      await chain.devnet.mine();
      await expect.poll(() => heads.length, { interval: 5 }).toBe(i + 2);
    }
    await collector.stop();
    expect(heads).toEqual([start, start + 1, start + 2, start + 3]);
    expect(errors).toEqual([]);
  });

  it("hands a consumer slower than the blocks each block it missed, in order: the state advances by logs, no re-read", async () => {
    const state = await PoolState.create(provider, chain.markets.pools);
    const collector = new BlockCollector(provider, 5);
    const updates: string[] = [];
    const errors: unknown[] = [];
    const start = await provider.getBlockNumber();
    collector.start(
      async (h) => {
        const u = await state.onBlock(h);
        updates.push(`${h.number} ${u?.kind} ${u?.reason}`);
        // Three blocks come while the first is handled.
        if (updates.length === 1) {
          for (let i = 0; i < 3; i++) {
            await chain.simulator.step();
            await chain.devnet.mine();
          }
        }
      },
      (err) => errors.push(err),
    );
    await expect.poll(() => updates.length, { interval: 5 }).toBe(4);
    await collector.stop();
    expect(updates).toEqual([
      `${start} full start`,
      `${start + 1} incremental next-block`,
      `${start + 2} incremental next-block`,
      `${start + 3} incremental next-block`,
    ]);
    expect(errors).toEqual([]);
    await expectStateMatchesChain(state);
  });

  it("refreshes after a reorg replaces the block it is at", async () => {
    const state = await PoolState.create(provider, chain.markets.pools);
    const collector = new BlockCollector(provider);
    await state.onBlock((await collector.poll())!);
    const snapshot = await provider.send("evm_snapshot", []);
    await chain.simulator.step();
    await chain.devnet.mine();
    await state.onBlock((await collector.poll())!);
    await provider.send("evm_revert", [snapshot]);
    // A different block at the same height: the state's block is no longer on the chain.
    await chain.simulator.step();
    await chain.simulator.step();
    await chain.devnet.mine();
    const update = await state.onBlock((await collector.poll())!);
    expect(update).toMatchObject({ kind: "full", reason: "reorg" });
    await expectStateMatchesChain(state);
  });

  it("makes prices drift apart until the scanner finds profitable cycles", async () => {
    const { state, collector, scanner } = await startScanning(chain, provider);
    let found = 0;
    for (let i = 0; i < 15 && found === 0; i++) {
      await chain.simulator.step();
      await chain.devnet.mine();
      const update = await state.onBlock((await collector.poll())!);
      found = scanner.applyReserves(update!.changed).length;
    }
    expect(found).toBeGreaterThan(0);
  });
});

describe("local chain under interval mining", () => {
  it("mines on its own every interval, and the traders swap in every block", async () => {
    const own = await startLocalChain({ seed: 3, blockIntervalMs: 100 });
    try {
      const start = await own.devnet.blockNumber();
      const stop = own.startTraders((err) => {
        throw err;
      });
      // Wait for the blocks themselves (a busy machine stretches any fixed wait), then stop the traders.
      await expect
        .poll(async () => (await own.devnet.blockNumber()) - start, { timeout: 60_000, interval: 50 })
        .toBeGreaterThanOrEqual(6);
      await stop();
      await own.devnet.setBlockInterval(0);
      const end = await own.devnet.blockNumber();
      expect(end - start).toBeGreaterThanOrEqual(4);
      let swapBlocks = 0;
      for (let n = start + 2; n < end; n++) {
        const block = (await own.devnet.provider.request({
          method: "eth_getBlockByNumber",
          params: [`0x${n.toString(16)}`, false],
        })) as { transactions: string[] };
        if (block.transactions.length > 0) swapBlocks++;
      }
      expect(swapBlocks).toBeGreaterThanOrEqual(end - start - 3);
    } finally {
      await own.close();
    }
  });
});
