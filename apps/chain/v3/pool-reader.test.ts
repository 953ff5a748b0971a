/**
 * A V3 pool's full read is one eth_call (the V3PoolLens creation code), and it reads what the pool answers to each
 * of slot0, liquidity, fee, tickSpacing, tickBitmap and ticks asked one by one.
 */
import { Interface } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadArtifacts } from "../../contracts/index.ts";
import { devAccounts, startDevnet } from "../devnet.ts";
import type { Devnet } from "../devnet.ts";
import type { Eip1193 } from "../eip1193.ts";
import { Rng } from "../rng.ts";
import { FailoverProvider, eip1193Transport } from "../rpc.ts";
import { readV3Pool } from "./pool-reader.ts";
import { deployV3TestMarket } from "./testing.ts";
import type { V3TestMarket } from "./testing.ts";

let devnet: Devnet;
let provider: FailoverProvider;
let market: V3TestMarket;
let pool: Interface;
const methods: string[] = [];

beforeAll(async () => {
  devnet = await startDevnet();
  const counted: Eip1193 = {
    request: (args) => {
      methods.push(args.method);
      return devnet.provider.request(args);
    },
  };
  provider = new FailoverProvider([eip1193Transport("devnet", counted)], { chainId: 31337 });
  pool = new Interface((await loadArtifacts()).UniswapV3Pool.abi);
  market = await deployV3TestMarket(devnet.provider, devAccounts(1)[0]!.address, new Rng(5));
}, 300_000);

afterAll(async () => {
  provider?.destroy();
  await devnet?.close();
});

/** One view call of the pool, on its own. */
async function ask(address: string, fn: string, args: unknown[] = []) {
  return pool.decodeFunctionResult(fn, await provider.call({ to: address, data: pool.encodeFunctionData(fn, args) }));
}

describe("readV3Pool", () => {
  it.each([0, 3, 12])("reads a pool in one eth_call, as the pool answers each read (radius %i)", async (radius) => {
    for (const address of market.pools) {
      methods.length = 0;
      const read = await readV3Pool(provider, address, { wordRadius: radius });
      expect(methods).toEqual(["eth_call"]);

      const [slot0, liquidity, fee, spacing] = await Promise.all([
        ask(address, "slot0"),
        ask(address, "liquidity"),
        ask(address, "fee"),
        ask(address, "tickSpacing"),
      ]);
      expect([read.sqrtPriceX96, read.tick, read.liquidity, read.feePips, read.tickSpacing]).toEqual([
        slot0[0],
        Number(slot0[1]),
        liquidity[0],
        Number(fee[0]),
        Number(spacing[0]),
      ]);
      const { fromWord, toWord, tickSpacing } = read.ticks;
      const word = Math.floor(Math.floor(read.tick / tickSpacing) / 256);
      expect([fromWord, toWord]).toEqual([word - radius, word + radius]);
      const expected = [];
      for (let w = fromWord; w <= toWord; w++) {
        const bits = BigInt((await ask(address, "tickBitmap", [w]))[0]);
        for (let bit = 0; bit < 256; bit++) {
          if (((bits >> BigInt(bit)) & 1n) === 0n) continue;
          const tick = (w * 256 + bit) * tickSpacing;
          const info = await ask(address, "ticks", [tick]);
          expect(info[0]).toBeGreaterThan(0n);
          expected.push({ tick, liquidityGross: BigInt(info[0]), liquidityNet: BigInt(info[1]) });
        }
      }
      expect(read.ticks.list()).toEqual(expected);
      if (radius === 3) expect(expected.length).toBeGreaterThan(0);
    }
  });
});
