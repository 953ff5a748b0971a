/**
 * Test and bench support: the chain's pools read at its head, and a scanner over them that has done its full scan,
 * ready for block-by-block incremental scans.
 */
import { ArbitrageScanner } from "../../core/index.ts";
import { BlockCollector } from "../block-collector.ts";
import type { LocalChain } from "../local-chain.ts";
import { PoolState } from "../pool-state.ts";
import type { FailoverProvider } from "../rpc.ts";

export async function startScanning(
  chain: LocalChain,
  provider: FailoverProvider,
): Promise<{ state: PoolState; collector: BlockCollector; scanner: ArbitrageScanner }> {
  const state = await PoolState.create(provider, chain.markets.pools);
  const collector = new BlockCollector(provider);
  await state.onBlock((await collector.poll())!);
  const scanner = new ArbitrageScanner({
    tokens: chain.markets.tokens,
    pools: state.pools(),
    baseTokens: [chain.markets.baseToken],
    maxHops: 3,
  });
  scanner.fullScan();
  return { state, collector, scanner };
}
