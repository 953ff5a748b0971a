/** Test support: orders recorded as the orchestrator records them, for trades the journal must accept. */
import type pg from "pg";
import type { Order, TradeBase } from "../../domain/index.ts";
import { recordDecisions } from "../decisions.ts";

/**
 * Records `orders` as the orchestrator does before it publishes them (recordDecisions: each with the opportunity it
 * came from): the journal refuses a trade whose order has no record. Recording one twice changes nothing.
 */
export async function recordOrders(pool: pg.Pool, orders: readonly Order[]): Promise<void> {
  await recordDecisions(
    pool,
    orders.map((o) => ({
      id: o.opportunityId,
      mode: o.mode,
      epoch: o.epoch,
      blockNumber: o.blockNumber,
      detectedAt: new Date(),
      decision: "order",
      baseToken: o.baseToken,
      pools: o.pools,
      tokens: o.tokens,
      amountIn: o.amountIn,
      amountOut: o.amountIn + o.predictedProfit,
      profit: o.predictedProfit,
      ...(o.protocols ? { protocols: o.protocols } : {}),
    })),
    [...orders],
  );
}

/** The order a trade row executes, as it would have been recorded. */
export function orderOf(t: TradeBase): Order {
  return {
    opportunityId: t.opportunityId,
    mode: t.mode,
    epoch: t.epoch,
    blockNumber: t.orderBlock,
    baseToken: t.baseToken,
    pools: t.pools,
    tokens: t.tokens,
    amountIn: t.amountIn,
    predictedProfit: t.predictedProfit,
    minProfit: t.minProfit,
    ...(t.protocols ? { protocols: t.protocols } : {}),
  };
}
