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
  /** Uniswap-V3 pools (their swap state is read from the chain); absent or empty: V2 pools only. */
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
    v3Pools: snapshot.v3Pools.map(({ state, ...meta }) => ({ ...meta, feePips: state.feePips })),
    wrappedNative: wrappedNative.toLowerCase(),
  };
}

/** Base-token units per native wei, for the base tokens that can be priced against gas. */
export function basePerNative(m: Market): Record<string, { num: bigint; den: bigint }> {
  return Object.fromEntries(m.baseTokens.filter((t) => t === m.wrappedNative).map((t) => [t, { num: 1n, den: 1n }]));
}
