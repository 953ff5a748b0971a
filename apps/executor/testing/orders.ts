/** Test support: the order the orchestrator would place for an opportunity found on the devnet, recorded as it is. */
import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { FailoverProvider } from "../../chain/index.ts";
import type { Opportunity } from "../../core/index.ts";
import type { Mode, Order } from "../../domain/index.ts";
import { recordOrders } from "../../store/testing/orders.ts";

/**
 * An order for `o` at the current head, with a fresh opportunity id, recorded in `pool`; minProfit defaults to the
 * predicted profit.
 */
export async function orderFor(
  pool: pg.Pool,
  provider: FailoverProvider,
  mode: Mode,
  o: Opportunity,
  minProfit = o.profit,
): Promise<Order> {
  const order: Order = {
    opportunityId: `opp-${randomUUID()}`,
    mode,
    epoch: 1,
    blockNumber: await provider.getBlockNumber(),
    baseToken: o.baseToken,
    pools: o.pools,
    tokens: o.tokens,
    amountIn: o.amountIn,
    predictedProfit: o.profit,
    minProfit,
  };
  await recordOrders(pool, [order]);
  return order;
}
