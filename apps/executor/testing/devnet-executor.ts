/** Test support: the devnet's live executor, sending as the contract's operator (a public devnet key). */
import type pg from "pg";
import type { LocalChain } from "../../chain/local-chain.ts";
import type { FailoverProvider } from "../../chain/index.ts";
import { loadArtifacts } from "../../contracts/index.ts";
import { PgTradeJournal } from "../../store/index.ts";
import { Executor } from "../executor.ts";
import type { FlashLenderBook } from "../flash-lenders.ts";
import { privateKeySigner } from "../signer.ts";

/**
 * A live executor on `chain` journaling to `pool`, borrowing from `flashLenders` where the first pool cannot
 * flash-swap; every V2 pair charges 30 bps, as v2-core's bytecode does. The tip is fixed so that lenders are
 * compared at a price the test knows.
 */
export async function devnetExecutor(
  chain: LocalChain,
  provider: FailoverProvider,
  pool: pg.Pool,
  flashLenders: FlashLenderBook,
  priorityFeeWei = 1_000_000_000n,
): Promise<Executor> {
  return new Executor({
    provider,
    journal: new PgTradeJournal(pool),
    readMode: async () => "live",
    contract: { address: chain.markets.executor.address, abi: (await loadArtifacts()).ArbExecutor.abi },
    account: chain.executorAccount.address,
    signer: privateKeySigner(chain.executorAccount.privateKey),
    feeOf: () => 30,
    flashLenders,
    options: { priorityFeeWei },
  });
}
