import type pg from "pg";
import type { Opportunity } from "../core/index.ts";
import type { Mode, Order, PoolProtocol } from "../domain/index.ts";

/** An opportunity as the orchestrator saw it, with its verdict: "order" or the rule that rejected it. */
export interface DecidedOpportunity extends Opportunity {
  id: string;
  mode: Mode;
  epoch: number;
  blockNumber: number;
  detectedAt: Date;
  decision: string;
  /** Each pool's protocol; absent: every pool is Uniswap-V2. */
  protocols?: PoolProtocol[];
}

/**
 * Records a block's decisions in one statement (one round trip, atomic): every opportunity with its verdict and the
 * orders placed, so an order never exists without the opportunity it came from (a WITH insert always runs, and the
 * foreign key is checked at the end of the statement). Redelivered blocks change nothing.
 *
 * With orders, the transaction commits with synchronous_commit off (set_config local to it): it is visible to every
 * session when this resolves, so the orders may be published, but the WAL flush (1.7-6.4 ms) is not waited for. The
 * executor cannot journal a trade without its order's record (trades_order_fk), and its journal row commits
 * synchronously before any broadcast; the WAL is flushed in order, so that flush makes the record durable first. A
 * record lost in a crash therefore leaves only orders that can never be sent. Verdicts without orders commit as usual.
 * A named statement: parsed and planned once per connection (0.89 -> 0.61 ms p50 a one-order block, 400 in a row).
 */
export async function recordDecisions(
  pool: pg.Pool,
  decided: DecidedOpportunity[],
  orders: Order[],
  exposureWei: Record<string, bigint> = {},
): Promise<void> {
  if (decided.length === 0 && orders.length === 0) return;
  // The set_config runs once the first order row is joined to it, inside this statement's transaction; SET LOCAL
  // would need a transaction block, two more round trips.
  const asyncCommit = orders.length > 0;
  await pool.query({
    name: asyncCommit ? "record-decisions-with-orders" : "record-decisions",
    text: `WITH ${asyncCommit ? "async_commit AS (SELECT set_config('synchronous_commit', 'off', true))," : ""} opp AS (
       INSERT INTO opportunities (id, mode, epoch, block_number, base_token, pools, tokens, amount_in, amount_out,
         profit, decision, detected_at, protocols)
       SELECT id, mode, epoch, block_number, base_token, string_to_array(pools, ','), string_to_array(tokens, ','),
         amount_in, amount_out, profit, decision, detected_at, string_to_array(protocols, ',')
       FROM unnest($1::text[], $2::text[], $3::int[], $4::bigint[], $5::text[], $6::text[], $7::text[],
         $8::numeric[], $9::numeric[], $10::numeric[], $11::text[], $12::timestamptz[], $24::text[])
         AS t(id, mode, epoch, block_number, base_token, pools, tokens, amount_in, amount_out, profit, decision,
              detected_at, protocols)
       ON CONFLICT (id) DO NOTHING
     )
     INSERT INTO orders (opportunity_id, mode, epoch, block_number, base_token, pools, tokens, amount_in,
       predicted_profit, min_profit, exposure_wei, protocols)
     SELECT id, mode, epoch, block_number, base_token, string_to_array(pools, ','), string_to_array(tokens, ','),
       amount_in, predicted_profit, min_profit, exposure_wei, string_to_array(protocols, ',')
     FROM unnest($13::text[], $14::text[], $15::int[], $16::bigint[], $17::text[], $18::text[], $19::text[],
       $20::numeric[], $21::numeric[], $22::numeric[], $23::numeric[], $25::text[])
       AS t(id, mode, epoch, block_number, base_token, pools, tokens, amount_in, predicted_profit, min_profit,
            exposure_wei, protocols) ${asyncCommit ? "CROSS JOIN async_commit" : ""}
     ON CONFLICT (opportunity_id) DO NOTHING`,
    values: [
      decided.map((d) => d.id),
      decided.map((d) => d.mode),
      decided.map((d) => d.epoch),
      decided.map((d) => d.blockNumber),
      decided.map((d) => d.baseToken.toLowerCase()),
      decided.map((d) => d.pools.join(",").toLowerCase()),
      decided.map((d) => d.tokens.join(",").toLowerCase()),
      decided.map((d) => d.amountIn.toString()),
      decided.map((d) => d.amountOut.toString()),
      decided.map((d) => d.profit.toString()),
      decided.map((d) => d.decision),
      decided.map((d) => d.detectedAt.toISOString()),
      orders.map((o) => o.opportunityId),
      orders.map((o) => o.mode),
      orders.map((o) => o.epoch),
      orders.map((o) => o.blockNumber),
      orders.map((o) => o.baseToken),
      orders.map((o) => o.pools.join(",")),
      orders.map((o) => o.tokens.join(",")),
      orders.map((o) => o.amountIn.toString()),
      orders.map((o) => o.predictedProfit.toString()),
      orders.map((o) => o.minProfit.toString()),
      orders.map((o) => exposureWei[o.opportunityId]?.toString() ?? null),
      // NULL where every pool is Uniswap-V2, as trades.protocols.
      decided.map((d) => d.protocols?.join(",") ?? null),
      orders.map((o) => o.protocols?.join(",") ?? null),
    ],
  });
}
