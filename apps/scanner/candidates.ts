import type { Opportunity } from "../core/index.ts";
import type { Candidate } from "../orchestrator/index.ts";

/**
 * The id of an opportunity: block, base token and ordered pools. Deterministic, so a redelivered or re-published
 * block maps to the same ids, and the executor's journal (one trade per opportunity id) refuses a second trade.
 */
export function opportunityId(blockNumber: number, o: Pick<Opportunity, "baseToken" | "pools">): string {
  return `${blockNumber}:${o.baseToken}:${o.pools.join(",")}`;
}

export function toCandidates(blockNumber: number, opportunities: readonly Opportunity[]): Candidate[] {
  return opportunities.map((o) => ({
    id: opportunityId(blockNumber, o),
    blockNumber,
    baseToken: o.baseToken,
    pools: o.pools,
    tokens: o.tokens,
    amountIn: o.amountIn,
    amountOut: o.amountOut,
    profit: o.profit,
  }));
}
