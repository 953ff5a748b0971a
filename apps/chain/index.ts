// Public API of chain access and the local devnet.
export { startDevnet, devAccounts, DEVNET_CHAIN_ID } from "./devnet.ts";
export type { Devnet, DevnetOptions, DevAccount } from "./devnet.ts";
export type { Eip1193 } from "./eip1193.ts";
export { DEFAULT_MARKETS, planPools } from "./markets.ts";
export type { MarketSpec, TokenSpec, DexSpec, PairSpec, PoolPlan } from "./markets.ts";
export { deployMarkets, deploy, send as sendFromUnlocked } from "./deploy.ts";
export type { DeployedMarkets, DeployedPool, DeployedToken, DeployOptions } from "./deploy.ts";
export { TraderSimulator } from "./trader-simulator.ts";
export type { TraderSimulatorOptions, SimulatedSwap } from "./trader-simulator.ts";
export { startLocalChain, traderDelayMs } from "./local-chain.ts";
export type { LocalChain, LocalChainOptions } from "./local-chain.ts";
export { startLocalRelay } from "./local-relay.ts";
export type { BuiltBlock, LocalRelay } from "./local-relay.ts";
export { FailoverProvider, httpTransport, eip1193Transport } from "./rpc.ts";
export type { RpcTransport, EndpointHealth, FailoverOptions } from "./rpc.ts";
export { logsOf, resultOf, rpcBatch, type BatchAnswer, type BatchReads, type BlockLog } from "./rpc-batch.ts";
export { BlockCollector } from "./block-collector.ts";
export type { HeadSource } from "./head-source.ts";
export { WebSocketHeads } from "./ws-heads.ts";
export type { WebSocketHeadsOptions } from "./ws-heads.ts";
export type { BlockHead } from "./block-collector.ts";
export { PoolState, SYNC_TOPIC } from "./pool-state.ts";
export type { PoolMeta, PoolStateUpdate } from "./pool-state.ts";
export {
  bundlerEstimatesEachTrade,
  chainProfileSchema,
  loadChainProfile,
  parseChainProfile,
  resolveChainProfile,
  ProfileError,
  CHAINS_DIR,
} from "./profile.ts";
export type { ChainProfile, ChainProfileInput, DexProfile } from "./profile.ts";
export { devnetProfile } from "./devnet-profile.ts";
export { checkHeadsUrl, connectChain, splitRpcUrls, ChainConnectError } from "./connect.ts";
export type { ConnectOptions } from "./connect.ts";
export {
  estimateL1Fee,
  GAS_PRICE_ORACLE,
  L1_BLOCK,
  l1FeeEstimator,
  setL1FeeScalars,
  type L1FeeEstimator,
} from "./op-stack.ts";
export { V3_FEE_TIERS, createV3Pool, mintV3Position } from "./v3/deploy-v3.ts";
export type { DeployedV3, DeployedV3Pool } from "./v3/deploy-v3.ts";
export { readV3Pool, DEFAULT_WORD_RADIUS } from "./v3/pool-reader.ts";
export type { V3PoolRead } from "./v3/pool-reader.ts";
export { V3PoolStates } from "./v3/v3-pool-state.ts";
export type { V3PoolMeta, V3PoolStateUpdate } from "./v3/v3-pool-state.ts";
