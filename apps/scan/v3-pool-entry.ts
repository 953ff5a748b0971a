/**
 * A snapshot's Uniswap-V3 pool entry -> the core's V3 pool state, with the checks the schema cannot express: the
 * price inside the pool's range and consistent with the tick, liquidity within uint128, ticks on the spacing, inside
 * the words read, listed once, each with |net| <= gross.
 */
import type { V3Pool as CoreV3Pool } from "../core/index.ts";
import { MAX_SQRT_RATIO, MIN_SQRT_RATIO, TickTable, compress, getTickAtSqrtRatio, wordOf } from "../core/v3/index.ts";
import { SnapshotError } from "./snapshot-error.ts";
import type { V3PoolEntry } from "./snapshot-schema.ts";

const MAX_UINT128 = (1n << 128n) - 1n;

/** A snapshot's V3 pool: what the scanner takes, and the tick spacing a writer needs to put it back. */
export interface V3Pool extends CoreV3Pool {
  tickSpacing: number;
}

export function v3PoolFromEntry(
  p: V3PoolEntry,
  normalized: { address: string; token0: string; token1: string },
  where: string,
): V3Pool {
  const fail = (field: string, why: string) => new SnapshotError(`${where}.${field}: ${why}`);
  const sqrtPriceX96 = BigInt(p.sqrtPriceX96);
  if (sqrtPriceX96 < MIN_SQRT_RATIO || sqrtPriceX96 >= MAX_SQRT_RATIO) {
    throw fail(
      "sqrtPriceX96",
      `${sqrtPriceX96} is outside the V3 price range ${MIN_SQRT_RATIO}..${MAX_SQRT_RATIO - 1n}`,
    );
  }
  // After a downward tick crossing the pool sits exactly on a tick's price with its tick one below.
  const priceTick = getTickAtSqrtRatio(sqrtPriceX96);
  if (p.tick !== priceTick && p.tick !== priceTick - 1) {
    throw fail("tick", `${p.tick} does not match sqrtPriceX96 (its tick is ${priceTick})`);
  }
  const liquidity = BigInt(p.liquidity);
  if (liquidity > MAX_UINT128) throw fail("liquidity", `${liquidity} exceeds 2^128 - 1`);
  const { from, to } = p.tickWords;
  if (from > to) throw fail("tickWords", `from ${from} is after to ${to}`);
  const word = wordOf(compress(p.tick, p.tickSpacing));
  if (word < from || word > to) throw fail("tickWords", `do not include the word of the current tick (${word})`);
  const seen = new Set<number>();
  const ticks = p.ticks.map((t, k) => {
    const at = `ticks[${k}]`;
    if (t.tick % p.tickSpacing !== 0)
      throw fail(`${at}.tick`, `${t.tick} is not a multiple of tickSpacing ${p.tickSpacing}`);
    const w = wordOf(compress(t.tick, p.tickSpacing));
    if (w < from || w > to) throw fail(`${at}.tick`, `${t.tick} lies outside tickWords ${from}..${to}`);
    if (seen.has(t.tick)) throw fail(`${at}.tick`, `tick ${t.tick} is listed twice`);
    seen.add(t.tick);
    const liquidityGross = BigInt(t.liquidityGross);
    const liquidityNet = BigInt(t.liquidityNet);
    if (liquidityGross === 0n || liquidityGross > MAX_UINT128) throw fail(`${at}.liquidityGross`, "must be 1..2^128-1");
    if (liquidityNet > liquidityGross || -liquidityNet > liquidityGross) {
      throw fail(`${at}.liquidityNet`, `|${liquidityNet}| exceeds liquidityGross ${liquidityGross}`);
    }
    return { tick: t.tick, liquidityGross, liquidityNet };
  });
  return {
    ...normalized,
    dex: p.dex,
    tickSpacing: p.tickSpacing,
    state: {
      sqrtPriceX96,
      tick: p.tick,
      liquidity,
      feePips: p.feePips,
      ticks: new TickTable(p.tickSpacing, ticks, from, to),
    },
  };
}

/** The snapshot entry of a V3 pool's state (the inverse of v3PoolFromEntry), for writers such as `orion discover`. */
export function v3PoolToEntry(pool: V3Pool): V3PoolEntry {
  const { state } = pool;
  return {
    address: pool.address,
    dex: pool.dex,
    protocol: "uniswap-v3",
    token0: pool.token0,
    token1: pool.token1,
    feePips: state.feePips,
    tickSpacing: pool.tickSpacing,
    sqrtPriceX96: state.sqrtPriceX96.toString(),
    tick: state.tick,
    liquidity: state.liquidity.toString(),
    tickWords: { from: state.ticks.fromWord, to: state.ticks.toWord },
    ticks: state.ticks.list().map((t) => ({
      tick: t.tick,
      liquidityNet: t.liquidityNet.toString(),
      liquidityGross: t.liquidityGross.toString(),
    })),
  };
}
