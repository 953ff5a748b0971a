import { readFile } from "node:fs/promises";
import type { PoolMeta, V3PoolMeta } from "../chain/index.ts";
import type { Token } from "../core/index.ts";
import { parseSnapshot } from "../scan/index.ts";

/** The markets a scanner watches and an executor trades: what it must know about a chain before its first block. */
export interface Market {
  chainId: number;
  tokens: Token[];
  baseTokens: string[];
  pools: PoolMeta[];
  /** Uniswap-V3 pools (their swap state is read from the chain); absent or empty: V2 pools only. Also lenders. */
  v3Pools?: V3PoolMeta[];
  /** The chain's wrapped native token: a base token it names is valued 1:1 against gas. */
  wrappedNative: string;
}

/** Reads a market from a pool snapshot v1 (`orion discover` writes one); reserves are re-read from the chain. */
export async function loadMarket(file: string, wrappedNative: string): Promise<Market> {
  const snapshot = parseSnapshot(await readFile(file, "utf8"));
  return {
    chainId: snapshot.chainId,
    tokens: snapshot.tokens,
    baseTokens: snapshot.baseTokens,
    pools: snapshot.pools.map(({ reserve0: _r0, reserve1: _r1, ...meta }) => meta),
    v3Pools: snapshot.v3Pools.map(({ address, dex, token0, token1, tickSpacing, state }) => ({
      address,
      dex,
      token0,
      token1,
      feePips: state.feePips,
      tickSpacing,
    })),
    wrappedNative: wrappedNative.toLowerCase(),
  };
}

/** Base-token units per native wei, for the base tokens that can be priced against gas. */
export function basePerNative(m: Market): Record<string, { num: bigint; den: bigint }> {
  return Object.fromEntries(m.baseTokens.filter((t) => t === m.wrappedNative).map((t) => [t, { num: 1n, den: 1n }]));
}

/** V3 pools offered to the executor as lenders, per base token: a flash loan's cost is mostly the pool's fee. */
export const V3_LENDERS_PER_BASE_TOKEN = 4;

/**
 * The market's V3 pools that may lend its base tokens: for each base token the few of lowest fee tier holding it.
 * Each one offered costs a balance read in every block with a V3-first order, so on a chain of thousands of pools
 * only the cheapest few are worth asking; a Balancer vault (no fee) or Aave usually beats the rest anyway.
 */
export function v3Lenders(m: Market, perBaseToken = V3_LENDERS_PER_BASE_TOKEN): V3PoolMeta[] {
  const chosen = new Set<V3PoolMeta>();
  for (const base of m.baseTokens) {
    const holding = (m.v3Pools ?? []).filter((p) => p.token0 === base || p.token1 === base);
    holding.sort((a, b) => a.feePips - b.feePips || (a.address < b.address ? -1 : 1));
    for (const p of holding.slice(0, perBaseToken)) chosen.add(p);
  }
  return [...chosen];
}
