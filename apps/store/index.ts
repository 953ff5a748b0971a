export {
  migrate,
  migrateAndGrant,
  schemaGap,
  schemaStatus,
  type MigrateOptions,
  type SchemaStatus,
} from "./migrate.ts";
export { createPgPool } from "./db.ts";
export { PgTradeJournal, DuplicateTrade, IllegalTransition } from "./journal.ts";
export { PgLeaseStore } from "./lease.ts";
export { recordDecisions, type DecidedOpportunity } from "./decisions.ts";
export { listTrades, pnl, tradeCounts, type TradeRow, type TradeCounts, type EpochPnl } from "./trades.ts";
export { StoreHealth } from "./health.ts";
export { startEmbeddedPostgres, type EmbeddedDatabase } from "./embedded.ts";
export { nextEpoch, chainTag } from "./epochs.ts";
export { loadRiskSnapshot, type OpenTrade, type RiskSnapshot } from "./risk-state.ts";
