/** Test support: the order the orchestrator would place for an opportunity found on the devnet. */
import { randomUUID } from "node:crypto";
import type { FailoverProvider } from "../../chain/index.ts";
import type { Opportunity } from "../../core/index.ts";
import type { Mode, Order } from "../../domain/index.ts";

/** An order for `o` at the current head, with a fresh opportunity id; minProfit defaults to the predicted profit. */
export async function orderFor(
  provider: FailoverProvider,
  mode: Mode,
  o: Opportunity,
  minProfit = o.profit,
): Promise<Order> {
  return {
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
}
