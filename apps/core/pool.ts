import type { V3PoolState } from "./v3/pool.ts";

/**
 * A Uniswap-V2 style constant-product pool with its own fee. Reserves are base units of token0/token1;
 * addresses are lowercase. `feeBps` is in 0..9999 (30 = 0.30%).
 */
export interface Pool {
  address: string;
  dex: string;
  token0: string;
  token1: string;
  reserve0: bigint;
  reserve1: bigint;
  feeBps: number;
}

/** New reserves for one pool, as a block's Sync log reports them. */
export interface ReserveUpdate {
  address: string;
  reserve0: bigint;
  reserve1: bigint;
}

/**
 * A Uniswap-V3 pool as the scanner sees it: its tokens (token0 is the lower address, as the factory orders them) and
 * its swap state at the scanned block (apps/core/v3). Its fee is the state's `feePips`.
 */
export interface V3Pool {
  address: string;
  dex: string;
  token0: string;
  token1: string;
  state: V3PoolState;
}

/** A V3 pool's new swap state after a block (its Swap, Mint and Burn logs, or a re-read). */
export interface V3StateUpdate {
  address: string;
  state: V3PoolState;
}

/** One swap through one pool, in the direction the route takes it. */
export interface Hop {
  reserveIn: bigint;
  reserveOut: bigint;
  feeBps: number;
}

/** The hop through `pool` that sells `tokenIn`; throws if the pool does not hold that token. */
export function hopFrom(pool: Pool, tokenIn: string): Hop {
  if (tokenIn === pool.token0) return { reserveIn: pool.reserve0, reserveOut: pool.reserve1, feeBps: pool.feeBps };
  if (tokenIn === pool.token1) return { reserveIn: pool.reserve1, reserveOut: pool.reserve0, feeBps: pool.feeBps };
  throw new Error(`pool ${pool.address} does not hold token ${tokenIn}`);
}

/** The token a swap of `tokenIn` through `pool` yields. */
export function otherToken(pool: Pool, tokenIn: string): string {
  if (tokenIn === pool.token0) return pool.token1;
  if (tokenIn === pool.token1) return pool.token0;
  throw new Error(`pool ${pool.address} does not hold token ${tokenIn}`);
}
