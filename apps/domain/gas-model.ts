import type { PoolProtocol } from "./order.ts";

/**
 * Gas a route costs the executor contract: the fixed part (flash swap, checks), one swap per hop, and, when the first
 * pool cannot flash-swap (a Uniswap-V3 pool), a flash loan, whose lender the executor picks later. The orchestrator
 * costs every order with it; the executor holds a route's first trade to the same figure (its gas budget).
 */
export interface GasModel {
  fixed: bigint;
  /** A Uniswap-V2 hop. */
  perHop: bigint;
  /** A Uniswap-V3 hop (a swap with its callback and tick crossings); absent: perHop. */
  perV3Hop?: bigint;
  /** The most gas any lender adds to a route that must borrow (a V3 first hop); absent: 0. */
  flashLoan?: bigint;
}

/** Gas of a route: a number of V2 hops, or each pool's protocol in route order (a V3 first pool borrows). */
export function routeGas(route: number | readonly PoolProtocol[], gas: GasModel): bigint {
  if (typeof route === "number") return gas.fixed + gas.perHop * BigInt(route);
  let total = gas.fixed + (route[0] === "uniswap-v3" ? (gas.flashLoan ?? 0n) : 0n);
  for (const p of route) total += p === "uniswap-v3" ? (gas.perV3Hop ?? gas.perHop) : gas.perHop;
  return total;
}
