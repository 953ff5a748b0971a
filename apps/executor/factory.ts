/** Builds an Executor for a mode: the signing key is loaded only for live, so a sim process never holds one. */
import type { JsonRpcApiProvider } from "ethers";
import type { Logger } from "pino";
import { loadArtifacts } from "../contracts/index.ts";
import { Executor } from "./executor.ts";
import type { ExecutorDeps, ExecutorOptions, UserOperationConfig } from "./executor.ts";
import type { UserOperationSubmitter } from "./routes/user-operation.ts";
import type { Mode } from "../domain/index.ts";
import type { TradeJournal } from "./ports.ts";
import type { TxSigner } from "./signer.ts";
import type { FlashLenderBook } from "./flash-lenders.ts";

export interface CreateExecutorOptions {
  /** The mode the process starts in. */
  mode: Mode;
  provider: JsonRpcApiProvider;
  journal: TradeJournal;
  readMode: () => Promise<Mode>;
  /** Address of the deployed ArbExecutor. */
  contract: string;
  /** The sending account, owner of the contract. */
  account: string;
  /** Called only when mode is live. */
  loadSigner: () => TxSigner | Promise<TxSigner>;
  feeOf: (pool: string) => number;
  /** The chain's flash lenders; absent: V2 flash swaps only. */
  flashLenders?: FlashLenderBook;
  log?: Logger;
  options?: ExecutorOptions;
  /** The signing lease, when this key has an executor in more than one region. */
  lease?: ExecutorDeps["lease"];
  /** New heads, to follow sent trades block by block (else by timer). */
  heads?: ExecutorDeps["heads"];
  /**
   * The ERC-4337 route, when the run executes through user operations; `loadSubmitter` (the owner's key, the
   * sponsor's key and the bundler) is called only when mode is live.
   */
  userOperations?: Omit<UserOperationConfig, "submitter"> & {
    loadSubmitter: () => Promise<UserOperationSubmitter>;
  };
}

export async function createExecutor(o: CreateExecutorOptions): Promise<Executor> {
  const { ArbExecutor } = await loadArtifacts();
  const live = o.mode === "live";
  const signer = live ? await o.loadSigner() : null;
  let userOperations: UserOperationConfig | undefined;
  if (o.userOperations) {
    const { loadSubmitter, ...config } = o.userOperations;
    userOperations = { ...config, submitter: live ? await loadSubmitter() : null };
  }
  return new Executor({
    provider: o.provider,
    journal: o.journal,
    readMode: o.readMode,
    contract: { address: o.contract, abi: ArbExecutor.abi },
    account: o.account,
    signer,
    feeOf: o.feeOf,
    ...(o.flashLenders ? { flashLenders: o.flashLenders } : {}),
    ...(o.log ? { log: o.log } : {}),
    ...(o.options ? { options: o.options } : {}),
    ...(o.lease ? { lease: o.lease } : {}),
    ...(o.heads ? { heads: o.heads } : {}),
    ...(userOperations ? { userOperations } : {}),
  });
}
