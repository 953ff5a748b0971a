/**
 * Test support: push one pool's price far enough off its siblings that an arbitrage exists, and find it with the
 * real scanner on the real pool state. Used by the contract and executor tests.
 */
import { Interface } from "ethers";
import { ArbitrageScanner } from "../../core/index.ts";
import type { Opportunity } from "../../core/index.ts";
import { loadArtifacts } from "../../contracts/index.ts";
import type { LocalChain } from "../local-chain.ts";
import { PoolState } from "../pool-state.ts";
import type { FailoverProvider } from "../rpc.ts";

/**
 * Sells `fractionPpm` of the base-token reserve into the first base-token pool, mines it, and returns the best cycle,
 * or the cycle through `route`'s pools when given: a test that needs the same route again (its gas known) pins it,
 * since the best cycle moves as earlier tests trade on the shared market.
 */
export async function createArbitrage(
  chain: LocalChain,
  provider: FailoverProvider,
  fractionPpm = 30_000n,
  route?: readonly string[],
): Promise<{ opportunity: Opportunity; state: PoolState }> {
  const { markets } = chain;
  const router = new Interface((await loadArtifacts()).SimRouter.abi);
  const pool = markets.pools.find((p) => p.token0 === markets.baseToken || p.token1 === markets.baseToken);
  if (!pool) throw new Error("no pool holds the base token");
  const state = await PoolState.create(provider, markets.pools);
  await state.refresh(await head(provider), "start");
  const reserves = state.get(pool.address);
  const reserveIn = pool.token0 === markets.baseToken ? reserves.reserve0 : reserves.reserve1;
  const amountIn = (reserveIn * fractionPpm) / 1_000_000n;
  await provider.send("eth_sendTransaction", [
    {
      from: markets.traders[0],
      to: markets.router,
      data: router.encodeFunctionData("swapExactIn", [
        pool.address,
        markets.baseToken,
        amountIn,
        0n,
        markets.traders[0],
      ]),
    },
  ]);
  await chain.devnet.mine();
  await state.refresh(await head(provider), "gap");
  const scanner = new ArbitrageScanner({
    tokens: markets.tokens,
    pools: state.pools(),
    baseTokens: [markets.baseToken],
    maxHops: 3,
  });
  const found = scanner.fullScan();
  const opportunity = route ? found.find((o) => o.pools.join() === route.join()) : found[0];
  if (!opportunity) throw new Error(`the price push created no arbitrage${route ? ` on ${route.join(">")}` : ""}`);
  return { opportunity, state };
}

/**
 * A trader's swap on one pool with a tip (50 gwei) far above the executor's, so it lands first in the next block:
 * a competitor who moves the pool before the trade does.
 */
export async function outbid(
  chain: LocalChain,
  provider: FailoverProvider,
  swap: { trader: string; pool: string; tokenIn: string; amountIn: bigint },
): Promise<void> {
  const router = new Interface((await loadArtifacts()).SimRouter.abi);
  await provider.send("eth_sendTransaction", [
    {
      from: swap.trader,
      to: chain.markets.router,
      gas: "0x30d40",
      maxPriorityFeePerGas: "0xba43b7400",
      maxFeePerGas: "0x174876e800",
      data: router.encodeFunctionData("swapExactIn", [swap.pool, swap.tokenIn, swap.amountIn, 0n, swap.trader]),
    },
  ]);
}

export async function head(provider: FailoverProvider): Promise<{ number: number; hash: string }> {
  const block = await provider.getBlock("latest");
  if (!block?.hash) throw new Error("no latest block");
  return { number: block.number, hash: block.hash };
}
