/**
 * The off-chain V3 swap (apps/core/v3) against the published v3-core pool bytecode on the devnet: random pool states
 * with positions over many ticks and several bitmap words, random exact-input and exact-output swaps in both
 * directions. Every quote must equal the pool's own amounts to the wei, every revert must be predicted, and after a
 * swap is mined the pool's re-read state must be the state the off-chain swap ended in.
 */
import { Interface } from "ethers";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TickRangeError, V3MathError, compress, swapV3, wordOf } from "../../core/v3/index.ts";
import type { V3SwapResult } from "../../core/v3/index.ts";
import { loadArtifacts } from "../../contracts/index.ts";
import { devAccounts, startDevnet } from "../devnet.ts";
import type { Devnet } from "../devnet.ts";
import { Rng } from "../rng.ts";
import { send } from "../unlocked.ts";
import { FailoverProvider, eip1193Transport } from "../rpc.ts";
import type { V3Deployment } from "./deploy-v3.ts";
import { readV3Pool } from "./pool-reader.ts";
import { deployV3TestMarket } from "./testing.ts";

let devnet: Devnet;
let provider: FailoverProvider;
let v3: V3Deployment;
let router: Interface;
const deployer = devAccounts(1)[0]!.address;
const pools: string[] = [];

/** The pool's own answer to a swap, by eth_call through the router (nothing is mined): amounts or a revert. */
async function onChainSwap(pool: string, zeroForOne: boolean, amount: bigint): Promise<[bigint, bigint] | "revert"> {
  const data = router.encodeFunctionData("swap", [pool, zeroForOne, amount, 0, 0, deployer]);
  try {
    const [amount0, amount1] = router.decodeFunctionResult(
      "swap",
      await provider.call({ from: deployer, to: v3.router, data }),
    );
    return [BigInt(amount0), BigInt(amount1)];
  } catch (err) {
    if ((err as { code?: string }).code === "CALL_EXCEPTION") return "revert";
    throw err;
  }
}

function offChainSwap(state: Awaited<ReturnType<typeof readV3Pool>>, zeroForOne: boolean, amount: bigint) {
  try {
    return swapV3(state, zeroForOne, amount);
  } catch (err) {
    if (err instanceof TickRangeError) return "unknown-ticks" as const;
    if (err instanceof V3MathError) return "revert" as const;
    throw err;
  }
}

const swapArb = fc.record({
  pool: fc.nat({ max: 3 }),
  zeroForOne: fc.boolean(),
  exactInput: fc.boolean(),
  mantissa: fc.integer({ min: 1, max: 999 }),
  // Mostly sizes that move the price across ranges (the positions hold 1e15..1e21 liquidity), some dust.
  exponent: fc.oneof(
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 8 }) },
    { weight: 5, arbitrary: fc.integer({ min: 15, max: 20 }) },
  ),
});

beforeAll(async () => {
  devnet = await startDevnet();
  provider = new FailoverProvider([eip1193Transport("devnet", devnet.provider)], { chainId: 31337 });
  router = new Interface((await loadArtifacts()).V3SimRouter.abi);
  const market = await deployV3TestMarket(devnet.provider, deployer, new Rng(17));
  v3 = market.v3;
  pools.push(...market.pools);
}, 300_000);

afterAll(async () => {
  provider?.destroy();
  await devnet?.close();
});

describe("V3 swap math against the v3-core pool bytecode", () => {
  it("quotes every swap to the wei, crossing many initialized ticks and bitmap words", async () => {
    // eth_call mines nothing, so each pool's state is read once for the whole property.
    const states = await Promise.all(pools.map((p) => readV3Pool(provider, p, { wordRadius: 16 })));
    const seen = { compared: 0, reverts: 0, unknown: 0, crossings: 0, multiWord: 0 };
    await fc.assert(
      fc.asyncProperty(swapArb, async (s) => {
        const state = states[s.pool]!;
        const magnitude = BigInt(s.mantissa) * 10n ** BigInt(s.exponent);
        const amount = s.exactInput ? magnitude : -magnitude;
        const expected = offChainSwap(state, s.zeroForOne, amount);
        if (expected === "unknown-ticks") {
          seen.unknown++; // the walk left the words that were read: no quote rather than a guess (see below)
          return;
        }
        const actual = await onChainSwap(pools[s.pool]!, s.zeroForOne, amount);
        if (expected === "revert") {
          seen.reverts++;
          expect(actual).toBe("revert");
          return;
        }
        expect(actual).toEqual([expected.amount0, expected.amount1]);
        seen.compared++;
        seen.crossings += expected.crossed;
        if (wordOf(compress(expected.tick, state.tickSpacing)) !== wordOf(compress(state.tick, state.tickSpacing))) {
          seen.multiWord++;
        }
      }),
      { numRuns: 240, seed: 1717 },
    );
    // The property is only as strong as the swaps it compared: most of them, many tick crossings, many words.
    expect(seen.compared).toBeGreaterThan(150);
    expect(seen.crossings).toBeGreaterThan(400);
    expect(seen.multiWord).toBeGreaterThan(10);
  }, 600_000);

  it("ends a mined swap in the state the off-chain swap predicts, and re-reads it exactly", async () => {
    const rng = new Rng(99);
    let mined = 0;
    for (let k = 0; k < 24; k++) {
      const pool = pools[k % pools.length]!;
      const before = await readV3Pool(provider, pool, { wordRadius: 4 });
      const zeroForOne = rng.next() < 0.5;
      const amount = BigInt(Math.floor(rng.logUniform(1e12, 1e21))) * (rng.next() < 0.3 ? -1n : 1n);
      const predicted = offChainSwap(before, zeroForOne, amount);
      if (typeof predicted === "string") continue;
      await send(
        devnet.provider,
        deployer,
        v3.router,
        router.encodeFunctionData("swap", [pool, zeroForOne, amount, 0, 0, deployer]),
      );
      const after = await readV3Pool(provider, pool, { wordRadius: 4 });
      expect({ sqrtPriceX96: after.sqrtPriceX96, tick: after.tick, liquidity: after.liquidity }).toEqual(
        pick(predicted),
      );
      mined++;
    }
    expect(mined).toBeGreaterThan(15);
  }, 600_000);

  it("gives no quote past the ticks it read, where the pool does go on", async () => {
    const pool = pools[0]!; // tick spacing 1: a word is 256 ticks, and the positions span several
    const narrow = await readV3Pool(provider, pool, { wordRadius: 0 });
    const wide = await readV3Pool(provider, pool, { wordRadius: 4 });
    // Bisect for a swap that ends in another bitmap word, still inside the words read.
    const wordOfTick = (tick: number) => wordOf(compress(tick, wide.tickSpacing));
    let lo = 1n;
    let hi = 10n ** 30n;
    let amount = hi;
    let result = offChainSwap(wide, true, amount);
    while (typeof result === "string" || wordOfTick(result.tick) === wordOfTick(wide.tick)) {
      if (hi - lo <= 1n) break;
      amount = (lo + hi) / 2n;
      result = offChainSwap(wide, true, amount);
      if (result === "unknown-ticks") hi = amount;
      else if (typeof result !== "string" && wordOfTick(result.tick) === wordOfTick(wide.tick)) lo = amount;
    }
    if (typeof result === "string") throw new Error(`no swap of pool ${pool} leaves its word within the read ticks`);
    expect(await onChainSwap(pool, true, amount)).toEqual([result.amount0, result.amount1]);
    expect(offChainSwap(narrow, true, amount)).toBe("unknown-ticks");
  }, 120_000);
});

function pick(r: V3SwapResult) {
  return { sqrtPriceX96: r.sqrtPriceX96, tick: r.tick, liquidity: r.liquidity };
}
