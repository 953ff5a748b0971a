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
}
