// Public API of the executor.
export { Executor, BroadcastRefused, ExecutorStopped } from "./executor.ts";
export type {
  ExecutorDeps,
  ExecutorOptions,
  TradeResult,
  Submission,
  ReconcileReport,
  StateOverride,
  UserOperationConfig,
} from "./executor.ts";
export { RouteUnavailable, type ExecutionRoute } from "./routes/route.ts";
export {
  OperationRefused,
  type UserOperationSubmitter,
  type PreparedUserOperation,
  type UserOperationGas,
} from "./routes/user-operation.ts";
export { txFees, gasLimitFor, bumpFees, DEFAULT_GAS_MARGIN_BPS, DEFAULT_FEE_BUMP_BPS } from "./fee-policy.ts";
export { deadlinePolicy, BACKSTOP_SECONDS, type DeadlinePolicy } from "./deadline.ts";
export type { FeePolicy, TxFees } from "./fee-policy.ts";
export { simulatedExecutor, SIM_EXECUTOR_ACCOUNT, SIM_EXECUTOR_CONTRACT } from "./simulated-executor.ts";
export { ExecutorCodec, countPrecedingTouches, V2_FLASH_SWAP } from "./calldata.ts";
export type { FlashParams } from "./calldata.ts";
export { chooseFlashSource, flashFee, FLASH_SOURCE_GAS } from "./flash-source.ts";
export type { FlashChoice, FlashFee, FlashLender, FlashRequest } from "./flash-source.ts";
export { ChainFlashLenders } from "./flash-lenders.ts";
export type { FlashLenderBook, FlashLenderConfig } from "./flash-lenders.ts";
export { NonceManager } from "./nonce-manager.ts";
export { HeadTicks, type HeadSignal } from "./heads.ts";
export { privateKeySigner } from "./signer.ts";
export { publicMempool, type Broadcaster } from "./submission/broadcaster.ts";
export { bundleRelay, BundleRefused, type BundleRelayOptions } from "./submission/bundle-relay.ts";
export { profitShareTip } from "./bid.ts";
// KmsSigner is imported from ./kms-signer.ts by what needs it: the KMS client library is heavy, and a sim executor
// or the devnet never loads it.
export { ExecutorLease, LeaseLost, type ExecutorLeaseOptions, type Fence, type LeaseStore } from "./lease.ts";
export { ExecutorService } from "./service.ts";
export { createExecutor } from "./factory.ts";
export type { CreateExecutorOptions } from "./factory.ts";
export type { ExecutorServiceDeps } from "./service.ts";
export type { TxSigner } from "./signer.ts";
export { AlreadyJournaled, UnrecordedOrder, type TradeJournal } from "./ports.ts";
