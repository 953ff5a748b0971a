/**
 * Test support: a devnet with its markets beside a migrated database of its own (what the executor's tests on the chain
 * run against), and the devnet's live executor, sending as the contract's operator (a public devnet key).
 */
import type { Interface } from "ethers";
import type pg from "pg";
import { createMigratedTestDatabase, type TestDatabase } from "../../../test/support/postgres.ts";
import { startLocalChain, type LocalChain } from "../../chain/local-chain.ts";
import { FailoverProvider, eip1193Transport, type RpcTransport } from "../../chain/rpc.ts";
import { loadArtifacts } from "../../contracts/index.ts";
import { createPgPool, PgTradeJournal } from "../../store/index.ts";
import { Executor } from "../executor.ts";
import type { FlashLenderBook } from "../flash-lenders.ts";
import type { HeadSignal } from "../heads.ts";
import { privateKeySigner } from "../signer.ts";

export interface DevnetFixture {
  chain: LocalChain;
  /** On the devnet, through `transport` when one was given. */
  provider: FailoverProvider;
  db: TestDatabase;
  /** The database's pool, migrated. */
  pool: pg.Pool;
  /** The ArbExecutor's ABI. */
  abi: ConstructorParameters<typeof Interface>[0];
  /** Releases all of it; for afterAll. */
  close(): Promise<void>;
}

/**
 * A devnet seeded with `seed` and a test database, started side by side; the provider reaches the devnet through
 * `transport` (e.g. one that records every request) or directly.
 */
export async function openDevnetFixture(
  seed: number,
  transport: (devnet: RpcTransport) => RpcTransport = (devnet) => devnet,
): Promise<DevnetFixture> {
  const [chain, db] = await Promise.all([startLocalChain({ seed }), createMigratedTestDatabase()]);
  const provider = new FailoverProvider([transport(eip1193Transport("devnet", chain.devnet.provider))], {
    chainId: 31337,
  });
  const pool = createPgPool(db.url);
  const close = async () => {
    provider.destroy();
    await pool.end();
    await Promise.all([chain.close(), db.drop()]);
  };
  try {
    return { chain, provider, db, pool, abi: (await loadArtifacts()).ArbExecutor.abi, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * A live executor on `chain` journaling to `pool`, borrowing from `flashLenders` (if any) where the first pool cannot
 * flash-swap; every V2 pair charges 30 bps, as v2-core's bytecode does. The tip is fixed so that lenders are
 * compared at a price the test knows. `heads`: follows sent trades on them.
 */
export async function devnetExecutor(
  chain: LocalChain,
  provider: FailoverProvider,
  pool: pg.Pool,
  flashLenders?: FlashLenderBook,
  priorityFeeWei = 1_000_000_000n,
  heads?: HeadSignal,
): Promise<Executor> {
  return new Executor({
    provider,
    journal: new PgTradeJournal(pool),
    readMode: async () => "live",
    contract: { address: chain.markets.executor.address, abi: (await loadArtifacts()).ArbExecutor.abi },
    account: chain.executorAccount.address,
    signer: privateKeySigner(chain.executorAccount.privateKey),
    feeOf: () => 30,
    ...(flashLenders ? { flashLenders } : {}),
    ...(heads ? { heads } : {}),
    options: { priorityFeeWei },
  });
}
