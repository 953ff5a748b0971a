export type { ControlState, ControlStore, KillSwitch, Mode, RiskLimits } from "./types.ts";
export { ControlStoreUnavailable, VersionConflict } from "./types.ts";
export {
  controlStateSchema,
  controlStateToWire,
  riskLimitsSchema,
  riskLimitsToWire,
  validateRiskLimits,
  type ControlStateWire,
  type RiskLimitsWire,
} from "./schema.ts";
export { DEFAULT_RISK_LIMITS, initialControlState } from "./defaults.ts";
export { createMemoryControlStore } from "./memory.ts";
export { createRedisControlStore } from "./redis.ts";
