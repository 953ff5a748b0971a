import type { ControlState, RiskLimits } from "./types.ts";

const ETHER = 10n ** 18n;

/**
 * Conservative limits for a fresh store: small trades, a low loss budget and a quick breaker. Operators raise
 * them deliberately through the control plane; a new store never starts permissive.
 */
export const DEFAULT_RISK_LIMITS: RiskLimits = {
  minProfitAfterGasWei: 10n ** 12n,
  maxAmountInPerToken: {},
  defaultMaxAmountIn: 100n * ETHER,
  maxOpenExposureWei: 200n * ETHER,
  dailyLossLimitWei: ETHER / 10n,
  maxConsecutiveFailures: 3,
};

/** A fresh store is in sim mode with the kill switch released: nothing can trade real capital by default. */
export function initialControlState(now: Date, overrides: Partial<ControlState> = {}): ControlState {
  return {
    mode: "sim",
    version: 1,
    epoch: 1,
    since: now.toISOString(),
    killSwitch: { engaged: false, reason: null, since: null },
    limits: { ...DEFAULT_RISK_LIMITS, maxAmountInPerToken: { ...DEFAULT_RISK_LIMITS.maxAmountInPerToken } },
    ...overrides,
  };
}
