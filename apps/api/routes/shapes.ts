import { z } from "zod/v4";
import { fields } from "./deps.ts";

/**
 * Answer shapes more than one route returns (zod/v4, as every route schema). Amounts read from the database are
 * decimal strings of base units; those that can be a loss may carry a sign.
 */

const amount = z.string().describe("decimal string of base units");
const signedAmount = z.string().describe("decimal string of base units; negative for a loss");

/** What every request that waits for a second admin carries (decision-row.ts): who asked, until when, how it ended. */
const decided = {
  requestedBy: z.string(),
  requestedAt: z.string(),
  expiresAt: z.string(),
  status: z.enum(["pending", "approved", "failed", "expired"]),
  decidedBy: z.string().nullable(),
  decidedAt: z.string().nullable(),
  outcomeDetail: z.string().nullable(),
};

export const modeSwitchRequest = z.object({
  id: z.string(),
  target: fields.mode,
  reason: z.string(),
  expectedVersion: z.int(),
  ...decided,
});

/** A two-person request: a privileged role grant or a risk increase, waiting for (or decided by) a second admin. */
export const approvalRequest = z.object({
  id: z.string(),
  kind: z.enum(["role.grant", "risk.limits"]),
  subject: z.string().nullable(),
  payload: z.record(z.string(), z.unknown()),
  ...decided,
});

export const controlStateView = z.object({
  mode: fields.mode,
  version: z.int(),
  epoch: z.int(),
  since: z.string(),
  killSwitch: z.object({ engaged: z.boolean(), reason: z.string().nullable(), since: z.string().nullable() }),
});

export const tradeCounts = z.object({
  confirmed: z.int(),
  reverted: z.int(),
  dropped: z.int(),
  simulated: z.int(),
  rejected: z.int(),
  inFlight: z.int(),
});

export const epochMetrics = z.object({
  opportunities: z.int(),
  orders: z.int(),
  trades: tradeCounts,
  realizedProfit: signedAmount,
  simulatedProfit: signedAmount,
  gasUsed: amount,
});

export const auditRecord = z.object({
  seq: z.int(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  outcome: z.enum(["success", "denied", "failure"]),
  subject: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
  pii: z.record(z.string(), z.string()).nullable().describe("personal data; null once its subject is erased"),
  hash: z.string(),
});

export const opportunity = z.object({
  id: z.string(),
  mode: fields.mode,
  epoch: z.int(),
  blockNumber: z.string(),
  baseToken: z.string(),
  pools: z.array(z.string()),
  tokens: z.array(z.string()),
  amountIn: amount,
  amountOut: amount,
  profit: signedAmount,
  decision: z.string(),
  detectedAt: z.string(),
});
export type Opportunity = z.output<typeof opportunity>;

export const trade = z.object({
  id: z.string(),
  mode: fields.mode,
  epoch: z.int(),
  orderBlock: z.string(),
  blockNumber: z.string().nullable(),
  status: z.string(),
  baseToken: z.string(),
  pools: z.array(z.string()),
  tokens: z.array(z.string()),
  amountIn: amount,
  predictedProfit: signedAmount,
  simulatedProfit: signedAmount.nullable(),
  realizedProfit: signedAmount.nullable(),
  gasUsed: amount.nullable(),
  txHash: z.string().nullable(),
  precededBy: z.int().nullable(),
  reason: z.string().nullable(),
  createdAt: z.string(),
});
export type Trade = z.output<typeof trade>;

export const epochPnl = tradeCounts.extend({
  mode: fields.mode,
  epoch: z.int(),
  realizedProfit: signedAmount,
  predictedProfitConfirmed: signedAmount,
  simulatedProfit: signedAmount,
  gasUsed: amount,
});
export type EpochPnlRow = z.output<typeof epochPnl>;

/** Risk limits as they travel: amounts as decimal strings, per-token caps keyed by token address. */
export const riskLimitsWire = z.strictObject({
  minProfitAfterGasWei: fields.amount,
  maxAmountInPerToken: z
    .record(fields.address, fields.amount)
    .refine((caps) => Object.keys(caps).length <= 1000, "at most 1000 tokens")
    .meta({ maxProperties: 1000 }),
  defaultMaxAmountIn: fields.amount,
  maxOpenExposureWei: fields.amount,
  dailyLossLimitWei: fields.amount,
  maxConsecutiveFailures: z.int().min(1).max(1000),
});
