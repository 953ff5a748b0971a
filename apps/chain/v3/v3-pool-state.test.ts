/**
 * V3 pool state kept from Swap, Mint and Burn logs must equal a fresh read of the pools after every block, and a
 * missed block or a reorganised one must bring a full re-read.
 */
import { Interface } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadArtifacts } from "../../contracts/index.ts";
import type { BlockHead } from "../block-collector.ts";
import { devAccounts, startDevnet } from "../devnet.ts";
import type { Devnet } from "../devnet.ts";
import { Rng } from "../rng.ts";
import { FailoverProvider, eip1193Transport } from "../rpc.ts";
import { V3_FEE_TIERS } from "./deploy-v3.ts";
import { readV3Pool } from "./pool-reader.ts";
import { deployV3TestMarket } from "./testing.ts";
import type { V3TestMarket } from "./testing.ts";
import { V3PoolStates } from "./v3-pool-state.ts";

let devnet: Devnet;
let provider: FailoverProvider;
let market: V3TestMarket;
let router: Interface;
let poolIface: Interface;
const deployer = devAccounts(1)[0]!.address;

async function head(): Promise<BlockHead> {
  const b = await provider.getBlock("latest");
  return { number: b!.number, hash: b!.hash!, parentHash: b!.parentHash, timestamp: b!.timestamp, seenAt: 0 };
}

/** Queues a transaction from the deployer for the next mined block (6M gas: a long swap walks many bitmap words). */
async function submit(to: string, data: string): Promise<void> {
  await devnet.provider.request({
    method: "eth_sendTransaction",
    params: [{ from: deployer, to, data, gas: "0x5b8d80" }],
  });
}

/** Mines the queued transactions and checks that every one of them succeeded (a reverted one would prove nothing). */
async function mineAll(): Promise<void> {
  await devnet.mine();
  const block = await provider.getBlock("latest");
  for (const hash of block!.transactions) expect((await provider.getTransactionReceipt(hash))?.status).toBe(1);
}

/** The tracked state of every pool equals a fresh read at the same block, over the ticks the tracker knows. */
async function expectTracked(states: V3PoolStates): Promise<void> {
  for (const pool of market.pools) {
    const tracked = states.get(pool);
    const fresh = await readV3Pool(provider, pool, { wordRadius: 12 });
    expect({ p: tracked.sqrtPriceX96, t: tracked.tick, l: tracked.liquidity }).toEqual({
      p: fresh.sqrtPriceX96,
      t: fresh.tick,
      l: fresh.liquidity,
    });
    const { fromWord, toWord, tickSpacing } = tracked.ticks;
    const inKnownWords = (t: { tick: number }) => {
      const word = Math.floor(Math.floor(t.tick / tickSpacing) / 256);
      return word >= fromWord && word <= toWord;
    };
    expect(tracked.ticks.list()).toEqual(fresh.ticks.list().filter(inKnownWords));
  }
}

beforeAll(async () => {
  devnet = await startDevnet();
  provider = new FailoverProvider([eip1193Transport("devnet", devnet.provider)], { chainId: 31337 });
  const artifacts = await loadArtifacts();
  router = new Interface(artifacts.V3SimRouter.abi);
  poolIface = new Interface(artifacts.UniswapV3Pool.abi);
  market = await deployV3TestMarket(devnet.provider, deployer, new Rng(5));
  await devnet.setAutomine(false);
}, 300_000);

afterAll(async () => {
  provider?.destroy();
  await devnet?.close();
});

describe("V3PoolStates", () => {
  it("follows swaps, mints and burns from the logs, block after block, exactly", async () => {
    const rng = new Rng(8);
    const fees = [...V3_FEE_TIERS.entries()];
    const states = await V3PoolStates.create(
      provider,
      market.pools.map((address, i) => ({
        address,
        dex: "uniswap-v3",
        token0: market.tokens[0],
        token1: market.tokens[1],
        feePips: fees[i]![0],
        tickSpacing: fees[i]![1],
      })),
    );
    expect((await states.onBlock(await head()))?.reason).toBe("start");
    const positions: { pool: string; lower: number; upper: number; liquidity: bigint }[] = [];
    let incremental = 0;
    for (let block = 0; block < 12; block++) {
      for (let k = 0; k < 4; k++) {
        const i = rng.int(market.pools.length);
        const pool = market.pools[i]!;
        const state = states.get(pool);
        const spacing = fees[i]![1];
        const roll = rng.next();
        if (roll < 0.55) {
          const amount = BigInt(Math.floor(rng.logUniform(1e14, 1e20)));
          await submit(
            market.v3.router,
            router.encodeFunctionData("swap", [pool, rng.next() < 0.5, amount, 0, 0, deployer]),
          );
        } else if (roll < 0.85 || positions.length === 0) {
          // Around the current price, so some positions change the in-range liquidity.
          const base = Math.floor(state.tick / spacing);
          const lower = (base - 1 - rng.int(20)) * spacing;
          const upper = (base + 1 + rng.int(20)) * spacing;
          const liquidity = BigInt(Math.floor(rng.logUniform(1e15, 1e19)));
          await submit(market.v3.router, router.encodeFunctionData("mint", [pool, deployer, lower, upper, liquidity]));
          positions.push({ pool, lower, upper, liquidity });
        } else {
          const p = positions.splice(rng.int(positions.length), 1)[0]!;
          await submit(p.pool, poolIface.encodeFunctionData("burn", [p.lower, p.upper, p.liquidity]));
        }
      }
      await mineAll();
      const update = await states.onBlock(await head());
      if (update?.kind === "incremental") incremental++;
      await expectTracked(states);
    }
    expect(incremental).toBe(12);
  }, 300_000);

  it("re-reads every pool after a missed block and after a reorg", async () => {
    const states = await V3PoolStates.create(
      provider,
      market.pools.map((address) => ({ address, dex: "v3", token0: "", token1: "", feePips: 0, tickSpacing: 1 })),
    );
    await states.onBlock(await head());
    const pool = market.pools[1]!;
    await submit(market.v3.router, router.encodeFunctionData("swap", [pool, true, 10n ** 18n, 0, 0, deployer]));
    await devnet.mine(2);
    expect((await states.onBlock(await head()))?.reason).toBe("gap");
    await expectTracked(states);

    const snapshot = await provider.send("evm_snapshot", []);
    await submit(market.v3.router, router.encodeFunctionData("swap", [pool, false, 10n ** 18n, 0, 0, deployer]));
    await devnet.mine();
    expect((await states.onBlock(await head()))?.kind).toBe("incremental");
    await provider.send("evm_revert", [snapshot]);
    await submit(market.v3.router, router.encodeFunctionData("swap", [pool, true, 3n * 10n ** 18n, 0, 0, deployer]));
    await devnet.mine();
    const update = await states.onBlock(await head());
    expect(update).toMatchObject({ kind: "full", reason: "reorg" });
    await expectTracked(states);
  }, 300_000);
});
