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
  /**
   * Net result in native wei of the epoch's trades finished since `dayStart`: profit (realized, or simulated in sim)
   * minus what each paid for gas at its effective price plus any L1 fee. Profit counts 1:1 as wei, as the executor
   * values it: orders are only placed on base tokens priced against gas, i.e. the wrapped native token.
   */
  dayNetWei: bigint;
}

/** What the orchestrator's risk ledger needs after a restart, for one mode and epoch and the day from `dayStart`. */
export async function loadRiskSnapshot(
  pool: pg.Pool,
  mode: Mode,
  epoch: number,
  dayStart: Date,
  recent = 100,
): Promise<RiskSnapshot> {
  const [open, finished, day] = await Promise.all([
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
      // Verdicts on an order (migration 008) are no failures and no successes: the live ledger skips them too.
      `SELECT status FROM trades WHERE mode = $1 AND epoch = $2 AND status NOT IN ('pending', 'sent')
         AND verdict IS NULL
       ORDER BY coalesce(final_at, created_at) DESC, created_at DESC LIMIT $3`,
      [mode, epoch, recent],
    ),
    pool.query<{ net_wei: string }>(
      `SELECT coalesce(sum(
           CASE status WHEN 'confirmed' THEN coalesce(realized_profit, 0)
                       WHEN 'simulated' THEN coalesce(simulated_profit, 0) ELSE 0 END
           - coalesce(gas_used * effective_gas_price + coalesce(l1_fee_wei, 0), 0)), 0) AS net_wei
       FROM trades WHERE mode = $1 AND epoch = $2 AND status NOT IN ('pending', 'sent') AND final_at >= $3`,
      [mode, epoch, dayStart],
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
    dayNetWei: BigInt(day.rows[0]?.net_wei ?? 0),
  };
}
