// The four bots as long-running services, built from typed configs; `orion run` and `orion dev` both compose these.
export { BOT_NAMES } from "./bot.ts";
export type { BotName, BotService, Readiness } from "./bot.ts";
export { loadMarket, basePerNative } from "./market.ts";
export type { Market } from "./market.ts";
export { ScannerBot } from "./scanner.ts";
export type { ScannerConfig, ScannerConnections, ScannerHooks } from "./scanner.ts";
export { OrchestratorBot } from "./orchestrator.ts";
export type { OrchestratorConfig, OrchestratorConnections, OrchestratorHooks } from "./orchestrator.ts";
export { ExecutorBot } from "./executor.ts";
export type { ExecutorConfig, ExecutorConnections, ExecutorHooks, RelaySubmission } from "./executor.ts";
export { ApiBot } from "./api.ts";
export type { ApiConfig, ApiConnections } from "./api.ts";
export {
  DEFAULT_GAS_MODEL,
  EXECUTOR_TIP_WEI,
  EXECUTOR_CONSUMERS,
  DEADLINE_BLOCKS,
  USER_OPERATION_DEADLINE_BLOCKS,
} from "./defaults.ts";
export { chainSettings, l1FeePricing, TRADE_CONFIRMATIONS } from "./chain-settings.ts";
export type { ChainSettings } from "./chain-settings.ts";
export { logLines } from "./run/log.ts";
