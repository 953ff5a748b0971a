import type pg from "pg";
import type { Mode } from "../domain/index.ts";

/** A trade still open (pending or sent): it holds exposure and its pools until its outcome is known. */
export interface OpenTrade {
  opportunityId: string;
  orderBlock: number;
  baseToken: string;
  pools: string[];
  amountIn: bigint;
  /** Exposure the order was placed with; null when no order row records it. */
  exposureWei: bigint | null;
}

export interface RiskSnapshot {
  open: OpenTrade[];
  /** Statuses of the epoch's finished trades, newest first (enough to rebuild a failure streak). */
  recentStatuses: string[];
}

/** What the orchestrator's risk ledger needs after a restart, for one mode and epoch. */
export async function loadRiskSnapshot(pool: pg.Pool, mode: Mode, epoch: number, recent = 100): Promise<RiskSnapshot> {
  const [open, finished] = await Promise.all([
    pool.query<{
      opportunity_id: string;
      order_block: string;
      base_token: string;
      pools: string[];
      amount_in: string;
      exposure_wei: string | null;
    }>(
      `SELECT t.opportunity_id, t.order_block, t.base_token, t.pools, t.amount_in, o.exposure_wei
       FROM trades t LEFT JOIN orders o ON o.opportunity_id = t.opportunity_id
       WHERE t.mode = $1 AND t.epoch = $2 AND t.status IN ('pending', 'sent')`,
      [mode, epoch],
    ),
    pool.query<{ status: string }>(
      `SELECT status FROM trades WHERE mode = $1 AND epoch = $2 AND status NOT IN ('pending', 'sent')
       ORDER BY coalesce(final_at, created_at) DESC, created_at DESC LIMIT $3`,
      [mode, epoch, recent],
    ),
  ]);
  return {
    open: open.rows.map((r) => ({
      opportunityId: r.opportunity_id,
      orderBlock: Number(r.order_block),
      baseToken: r.base_token,
      pools: r.pools,
      amountIn: BigInt(r.amount_in),
      exposureWei: r.exposure_wei === null ? null : BigInt(r.exposure_wei),
    })),
    recentStatuses: finished.rows.map((r) => r.status),
  };
}
