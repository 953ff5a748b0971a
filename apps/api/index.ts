export { buildApi, REDACT_PATHS } from "./app.ts";
export { startApiServer, type RunningApi } from "./server.ts";
export type { ApiOptions, RateLimitOptions } from "./options.ts";
export type { ChainChecks, CheckResult, PreflightReport } from "./preflight.ts";
export { recordComplianceReport, latestComplianceReport, type StoredReport } from "./compliance-reports.ts";
export { CONFIRM_PHRASES, APPROVAL_WINDOW_MS } from "./mode-requests.ts";
export { parseApiEnv, loadKeyFile, loadOrCreateKeyFile, writeKeyFile } from "./config.ts";
export { anchorsDir, keysFilePath, orionHome } from "./home.ts";
export { openPool } from "./pg-pool.ts";
export { runEmergencyShutdownDrill, type DrillResult } from "./drill.ts";
export {
  createChainChecks,
  type ChainCheckOptions,
  type JsonRpc,
  type UserOperationPrerequisites,
} from "./chain-checks.ts";
