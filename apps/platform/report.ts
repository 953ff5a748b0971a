import { randomBytes } from "node:crypto";
import { rename, rm, writeFile } from "node:fs/promises";
import { dirname, basename, join } from "node:path";
import { z } from "zod";
import {
  executionRouteSchema,
  flashSourceSchema,
  modeSchema,
  poolProtocolSchema,
  settledStatusSchema,
} from "../domain/index.ts";
import type { TradeRow } from "../store/index.ts";

const uintString = z.string().regex(/^\d+$/);
const hex = z.string().regex(/^0x[0-9a-f]+$/);
const stage = z.object({ p50: z.number().nonnegative(), p99: z.number().nonnegative() }).strict();

/** The session report of `orion dev --report FILE` (DESIGN.md "Session report"); a fixed contract. */
export const sessionReportSchema = z
  .object({
    /** The chain profile's name (`orion trade`); absent for `orion dev`'s own devnet. */
    chain: z.string().optional(),
    mode: modeSchema,
    /** The run's execution route (`--execution`); a trade that fell back to the EOA carries no userOpHash. */
    execution: executionRouteSchema.optional(),
    epoch: z.number().int().min(1),
    chainId: z.number().int().positive(),
    blocks: z.object({ from: z.number().int().nonnegative(), to: z.number().int().nonnegative() }).strict(),
    executor: z
      .object({ address: hex, nonceStart: z.number().int().nonnegative(), nonceEnd: z.number().int().nonnegative() })
      .strict(),
    opportunities: z.number().int().nonnegative(),
    orders: z.number().int().nonnegative(),
    trades: z.array(
      z
        .object({
          id: z.string(),
          mode: modeSchema,
          blockNumber: z.number().int().nonnegative(),
          txHash: hex.nullable(),
          status: settledStatusSchema,
          baseToken: hex,
          pools: z.array(hex),
          amountIn: uintString,
          predictedProfit: uintString,
          realizedProfit: uintString.nullable(),
          gasUsed: uintString,
          precededBy: z.number().int().nonnegative(),
          /** Trades of the ERC-4337 route: their user operation (null when none was sent). */
          userOpHash: hex.nullable().optional(),
          /** Each pool with its protocol, in route order. */
          route: z.array(z.object({ pool: hex, protocol: poolProtocolSchema }).strict()).optional(),
          /** Where the capital came from (absent: no source could fund the order). */
          flashSource: flashSourceSchema.optional(),
        })
        .strict(),
    ),
    /** `orion dev --services`: each bot's OS process. */
    processes: z
      .array(
        z
          .object({
            bot: z.enum(["scanner", "orchestrator", "executor", "api"]),
            pid: z.number().int().positive(),
          })
          .strict(),
      )
      .optional(),
    latencyMs: z.object({ detect: stage, decide: stage, simulate: stage, send: stage }).strict(),
  })
  .strict();

export type SessionReport = z.infer<typeof sessionReportSchema>;
export type ReportTrade = SessionReport["trades"][number];

/**
 * A journal row as the report shows it. Only final rows are reported (the session waits for in-flight ones);
 * an unsent trade used no gas on chain and had no transaction ahead of it, hence "0" and 0.
 */
export function reportTrade(t: TradeRow): ReportTrade | null {
  if (t.status === "pending" || t.status === "sent") return null;
  return {
    id: t.id,
    mode: t.mode,
    blockNumber: t.blockNumber,
    txHash: t.txHash,
    status: t.status,
    baseToken: t.baseToken,
    pools: t.pools,
    amountIn: t.amountIn.toString(),
    predictedProfit: t.predictedProfit.toString(),
    realizedProfit: t.realizedProfit === null ? null : t.realizedProfit.toString(),
    gasUsed: (t.gasUsed ?? 0n).toString(),
    precededBy: t.precededBy ?? 0,
    ...(t.route === "erc4337" ? { userOpHash: t.userOpHash } : {}),
    route: t.pools.map((pool, i) => ({ pool, protocol: t.protocols?.[i] ?? "uniswap-v2" })),
    ...(t.flashSource ? { flashSource: t.flashSource } : {}),
  };
}

/** Writes the report atomically: a reader sees the old file or the whole new one, never half of it. */
export async function writeReport(file: string, report: SessionReport): Promise<void> {
  const valid = sessionReportSchema.parse(report);
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    await writeFile(tmp, JSON.stringify(valid, null, 2) + "\n");
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
