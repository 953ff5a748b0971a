// The wire types the scanner, orchestrator, executor, bus and store share, defined once. Pure: zod and types only.
export { address, uint, int, uintOrBigint, blockNumber, ADDRESS_PATTERN, UINT_PATTERN } from "./wire.ts";
export { modeSchema } from "./mode.ts";
export type { Mode } from "./mode.ts";
export { orderSchema, orderToMessage, orderProtocols, poolProtocolSchema, flashSourceSchema } from "./order.ts";
export type { Order, OrderMessage, PoolProtocol, FlashSource } from "./order.ts";
export { finalStatusSchema, unsentStatusSchema, settledStatusSchema, executionRouteSchema } from "./trade.ts";
export type {
  InFlightStatus,
  FinalStatus,
  UnsentStatus,
  SettledStatus,
  TradeStatus,
  TradeBase,
  LiveIntent,
  EoaIntent,
  UserOpIntent,
  ExecutionRouteKind,
  UnsentTrade,
  TradeVerdict,
  FinalOutcome,
  InFlightTrade,
} from "./trade.ts";
export type { Candidate, Ratio } from "./candidate.ts";
export { BlockClock, QUARTER_BLOCK_MAX_MS } from "./block-clock.ts";
export { routeGas } from "./gas-model.ts";
export type { GasModel } from "./gas-model.ts";
