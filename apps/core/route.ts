import type { Opportunity } from "./opportunity.ts";
import type { Hop, Pool } from "./pool.ts";
import { hopFrom, otherToken } from "./pool.ts";
import { quoteRoute } from "./pool-math.ts";

/** The hops of a route that sells `tokenIn` through `pools` in order (each hop sells what the previous one bought). */
export function routeHops(pools: readonly Pool[], tokenIn: string): Hop[] {
  const hops: Hop[] = [];
  let token = tokenIn;
  for (const pool of pools) {
    hops.push(hopFrom(pool, token));
    token = otherToken(pool, token);
  }
  return hops;
}

/**
 * Exact amounts of an opportunity against the given pool states (e.g. re-quoting at execution time):
 * element 0 is amountIn, the last element the amount returned to the base token.
 */
export function quoteOpportunity(
  opportunity: Pick<Opportunity, "baseToken" | "pools" | "amountIn">,
  poolsByAddress: ReadonlyMap<string, Pool>,
): bigint[] {
  const pools = opportunity.pools.map((address) => {
    const pool = poolsByAddress.get(address);
    if (pool === undefined) throw new Error(`unknown pool ${address}`);
    return pool;
  });
  return quoteRoute(opportunity.amountIn, routeHops(pools, opportunity.baseToken));
}
