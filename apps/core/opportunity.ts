/** The AMM protocol of a pool in a route (the domain's PoolProtocol names the same values). */
export type PoolProtocol = "uniswap-v2" | "uniswap-v3";

/**
 * A profitable cycle, sized exactly: sell `amountIn` of `baseToken` through `pools` in order, visiting `tokens`
 * (which starts and ends with `baseToken`), and receive exactly `amountOut`. Addresses are lowercase.
 * The scanner shares these objects and their arrays between calls: treat them as immutable.
 */
export interface Opportunity {
  baseToken: string;
  pools: string[];
  tokens: string[];
  amountIn: bigint;
  amountOut: bigint;
  profit: bigint;
  /**
   * Each pool's protocol in route order; absent when every pool is Uniswap-V2. A Uniswap-V3 hop sells tokens[i] for
   * tokens[i+1] with the pool's own fee and no price limit (the widest the pool accepts, as the executor contract
   * swaps): zeroForOne exactly when tokens[i] is the pool's token0, i.e. the lower address.
   */
  protocols?: PoolProtocol[];
}
