import { z } from "zod";
import { address, modeSchema, uint as uintString } from "../domain/index.ts";
import type { ControlState, RiskLimits } from "./types.ts";

const isoTime = z.string().datetime({ offset: true });

export const riskLimitsSchema = z
  .object({
    minProfitAfterGasWei: uintString,
    maxAmountInPerToken: z.record(z.string(), uintString),
    defaultMaxAmountIn: uintString,
    maxOpenExposureWei: uintString,
    dailyLossLimitWei: uintString,
    maxConsecutiveFailures: z.number().int().min(1).max(1000),
  })
  .strict()
  .transform((l, ctx): RiskLimits => {
    const perToken: Record<string, bigint> = {};
    for (const [token, max] of Object.entries(l.maxAmountInPerToken)) {
      const parsed = address.safeParse(token);
      if (!parsed.success) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ["maxAmountInPerToken", token],
          message: "key must be a token address",
        });
        return z.NEVER;
      }
      perToken[parsed.data] = max;
    }
    return { ...l, maxAmountInPerToken: perToken };
  });

export type RiskLimitsWire = z.input<typeof riskLimitsSchema>;

export function riskLimitsToWire(l: RiskLimits): RiskLimitsWire {
  return {
    minProfitAfterGasWei: l.minProfitAfterGasWei.toString(),
    maxAmountInPerToken: Object.fromEntries(
      Object.entries(l.maxAmountInPerToken).map(([t, v]) => [t.toLowerCase(), v.toString()]),
    ),
    defaultMaxAmountIn: l.defaultMaxAmountIn.toString(),
    maxOpenExposureWei: l.maxOpenExposureWei.toString(),
    dailyLossLimitWei: l.dailyLossLimitWei.toString(),
    maxConsecutiveFailures: l.maxConsecutiveFailures,
  };
}

export const controlStateSchema = z
  .object({
    mode: modeSchema,
    version: z.number().int().min(1),
    epoch: z.number().int().min(1),
    since: isoTime,
    killSwitch: z.object({ engaged: z.boolean(), reason: z.string().nullable(), since: isoTime.nullable() }).strict(),
    limits: riskLimitsSchema,
  })
  .strict();

export type ControlStateWire = z.input<typeof controlStateSchema>;

export function controlStateToWire(s: ControlState): ControlStateWire {
  return { ...s, killSwitch: { ...s.killSwitch }, limits: riskLimitsToWire(s.limits) };
}

/** Checks limits built in code against the same rules as limits arriving on the wire; throws a ZodError. */
export function validateRiskLimits(l: RiskLimits): RiskLimits {
  return riskLimitsSchema.parse(riskLimitsToWire(l));
}
