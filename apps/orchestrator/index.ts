export { decide, gasCostWei, rejectionCounts, weiToBase, baseToWei } from "./decide.ts";
export { RiskLedger, type TradeResult } from "./ledger.ts";
export type { Candidate, Decision, DecideInput, Market, Ratio, RejectReason, Rejection } from "./types.ts";
export { OrchestratorService, type BlockDecision, type OrchestratorDeps } from "./service.ts";
