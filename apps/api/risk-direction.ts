import type { RiskLimits } from "../control/index.ts";

/**
 * The fields of a limit change that take more risk: a larger trade size (per token or by default), more open
 * exposure, a larger daily loss, more consecutive failures before the breaker opens, or a lower minimum profit.
 * Those need a second admin; a change that only tightens is one person's call. A token's effective size limit is
 * its own entry or the default, so dropping an entry that was below the default raises that token's limit.
 */
export function riskRaises(before: RiskLimits, after: RiskLimits): string[] {
  const raised: string[] = [];
  if (after.minProfitAfterGasWei < before.minProfitAfterGasWei) raised.push("minProfitAfterGasWei");
  if (after.defaultMaxAmountIn > before.defaultMaxAmountIn) raised.push("defaultMaxAmountIn");
  if (after.maxOpenExposureWei > before.maxOpenExposureWei) raised.push("maxOpenExposureWei");
  if (after.dailyLossLimitWei > before.dailyLossLimitWei) raised.push("dailyLossLimitWei");
  if (after.maxConsecutiveFailures > before.maxConsecutiveFailures) raised.push("maxConsecutiveFailures");
  const tokens = new Set([...Object.keys(before.maxAmountInPerToken), ...Object.keys(after.maxAmountInPerToken)]);
  for (const token of [...tokens].sort()) {
    const was = before.maxAmountInPerToken[token] ?? before.defaultMaxAmountIn;
    const now = after.maxAmountInPerToken[token] ?? after.defaultMaxAmountIn;
    if (now > was) raised.push(`maxAmountInPerToken.${token}`);
  }
  return raised;
}
