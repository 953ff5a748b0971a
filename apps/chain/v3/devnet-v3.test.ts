/**
 * The local chain's own Uniswap-V3 markets (the ones `orion devnet` and `orion dev` run): v3-core pools in several
 * fee tiers beside the V2 factories, named in the chain profile, traded by the simulator every block. On those
 * pools, after the traders have moved them, the off-chain quote (apps/core/v3) must equal the pool's own swap to the
 * wei for random amounts, many of them crossing many initialized ticks, and the log-kept state must equal a re-read.
 */
import { Interface } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TickRangeError, V3MathError, swapV3 } from "../../core/v3/index.ts";
import { loadArtifacts } from "../../contracts/index.ts";
import type { BlockHead } from "../block-collector.ts";
import { devnetProfile } from "../devnet-profile.ts";
import { startLocalChain } from "../local-chain.ts";
import type { LocalChain } from "../local-chain.ts";
import { DEFAULT_MARKETS } from "../markets.ts";
import { parseChainProfile } from "../profile.ts";
import { Rng } from "../rng.ts";
import { FailoverProvider, eip1193Transport } from "../rpc.ts";
import { readV3Pool } from "./pool-reader.ts";
import { V3PoolStates } from "./v3-pool-state.ts";

let chain: LocalChain;
let provider: FailoverProvider;
let router: Interface;

async function head(): Promise<BlockHead> {
  const b = await provider.getBlock("latest");
  return { number: b!.number, hash: b!.hash!, parentHash: b!.parentHash, timestamp: b!.timestamp, seenAt: 0 };
}

/** The pool's own answer (eth_call through the V3 router, from a trader that approved it): amounts or a revert. */
async function onChainSwap(pool: string, zeroForOne: boolean, amount: bigint): Promise<[bigint, bigint] | "revert"> {
  const from = chain.markets.traders[0]!;
  const data = router.encodeFunctionData("swap", [pool, zeroForOne, amount, 0, 0, from]);
  try {
    const [amount0, amount1] = router.decodeFunctionResult(
      "swap",
      await provider.call({ from, to: chain.markets.v3!.router, data }),
    );
    return [BigInt(amount0), BigInt(amount1)];
  } catch (err) {
    if ((err as { code?: string }).code === "CALL_EXCEPTION") return "revert";
    throw err;
  }
}

beforeAll(async () => {
  chain = await startLocalChain({ seed: 3 });
  provider = new FailoverProvider([eip1193Transport("devnet", chain.devnet.provider)], { chainId: 31337 });
  router = new Interface((await loadArtifacts()).V3SimRouter.abi);
}, 300_000);

afterAll(async () => {
  provider?.destroy();
  await chain?.close();
});

describe("the local chain's V3 markets", () => {
  it("deploys v3-core pools in several fee tiers with positions over many ticks, named in the profile", async () => {
    const v3 = chain.markets.v3!;
    expect(v3.pools).toHaveLength(DEFAULT_MARKETS.v3Pools!.length);
    expect(new Set(v3.pools.map((p) => p.feePips)).size).toBeGreaterThanOrEqual(4);
    const symbol = new Map(chain.markets.tokens.map((t) => [t.address, t.symbol]));
    for (const [i, pool] of v3.pools.entries()) {
      const spec = DEFAULT_MARKETS.v3Pools![i]!;
      expect(new Set([symbol.get(pool.token0), symbol.get(pool.token1)])).toEqual(new Set([spec.a, spec.b]));
      const state = await readV3Pool(provider, pool.address);
      expect(state.feePips).toBe(spec.feePips);
      expect(state.liquidity).toBeGreaterThan(0n);
      expect(state.ticks.list().length).toBeGreaterThan(20);
    }
    const profile = parseChainProfile(JSON.parse(JSON.stringify(devnetProfile(chain.markets, 1000))), "devnet");
    expect(profile.dexes.filter((d) => d.protocol === "uniswap-v2")).toHaveLength(DEFAULT_MARKETS.dexes.length);
    expect(profile.dexes.find((d) => d.protocol === "uniswap-v3")).toEqual({
      name: "uniswap-v3",
      protocol: "uniswap-v3",
      factory: v3.factory,
      fromBlock: v3.fromBlock,
    });
    expect(await provider.getCode(v3.factory, v3.fromBlock - 1)).toBe("0x");
    expect(await provider.getCode(v3.factory, v3.fromBlock)).not.toBe("0x");
  });

  it("quotes the traded pools to the wei across many ticks, and keeps their state from the logs", async () => {
    const v3 = chain.markets.v3!;
    const states = await V3PoolStates.create(provider, v3.pools);
    await states.onBlock(await head());
    const rng = new Rng(11);
    const seen = { compared: 0, crossings: 0, v3Swaps: 0, reverts: 0 };
    for (let block = 0; block < 8; block++) {
      const swaps = await chain.simulator.step();
      await chain.devnet.mine();
      const mined = await provider.getBlock("latest");
      for (const hash of mined!.transactions) expect((await provider.getTransactionReceipt(hash))?.status).toBe(1);
      seen.v3Swaps += swaps.filter((s) => s.protocol === "uniswap-v3").length;
      expect((await states.onBlock(await head()))?.kind).toBe("incremental");
      for (const pool of v3.pools) {
        const tracked = states.get(pool.address);
        const fresh = await readV3Pool(provider, pool.address);
        expect([tracked.sqrtPriceX96, tracked.tick, tracked.liquidity]).toEqual([
          fresh.sqrtPriceX96,
          fresh.tick,
          fresh.liquidity,
        ]);
        // Random exact-input and exact-output swaps, up to sizes that walk far through the positions.
        for (let k = 0; k < 6; k++) {
          const zeroForOne = rng.next() < 0.5;
          const virtualIn = zeroForOne
            ? (fresh.liquidity << 96n) / fresh.sqrtPriceX96
            : (fresh.liquidity * fresh.sqrtPriceX96) >> 96n;
          const ppm = BigInt(Math.max(1, Math.round(rng.logUniform(1, 2_000_000))));
          const magnitude = (virtualIn * ppm) / 1_000_000n + 1n;
          const amount = rng.next() < 0.3 ? -magnitude / 4n - 1n : magnitude;
          let expected;
          try {
            expected = swapV3(tracked, zeroForOne, amount);
          } catch (err) {
            if (err instanceof TickRangeError) continue;
            if (!(err instanceof V3MathError)) throw err;
            seen.reverts++;
            expect(await onChainSwap(pool.address, zeroForOne, amount)).toBe("revert");
            continue;
          }
          expect(await onChainSwap(pool.address, zeroForOne, amount)).toEqual([expected.amount0, expected.amount1]);
          seen.compared++;
          seen.crossings += expected.crossed;
        }
      }
    }
    // The property is as strong as what it compared: the traders did move V3 pools, and quotes crossed many ticks.
    expect(seen.v3Swaps).toBeGreaterThan(8);
    expect(seen.compared).toBeGreaterThan(180);
    expect(seen.crossings).toBeGreaterThan(400);
  }, 600_000);
});
