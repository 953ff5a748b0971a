import type { ExecutionRouteKind, FlashSource, Order, TradeBase } from "../../domain/index.ts";

/**
 * The columns every trade row of an order carries, whichever way it went (or did not go) to the chain; flashSource
 * null: no source could fund it.
 */
export function tradeBase(id: string, o: Order, route: ExecutionRouteKind, flashSource: FlashSource | null): TradeBase {
  return {
    id,
    opportunityId: o.opportunityId,
    mode: o.mode,
    epoch: o.epoch,
    orderBlock: o.blockNumber,
    baseToken: o.baseToken,
    pools: o.pools,
    tokens: o.tokens,
    amountIn: o.amountIn,
    predictedProfit: o.predictedProfit,
    minProfit: o.minProfit,
    route,
    flashSource,
    ...(o.protocols ? { protocols: o.protocols } : {}),
  };
}
