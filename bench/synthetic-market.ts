/**
 * Seeded synthetic AMM markets shaped like a real chain's V2 pools: a handful of base tokens (WETH, stables, WBTC)
 * paired with a long tail of tokens whose popularity follows a power law, several DEXes with their own fees
 * (5, 25, 30, 100 bps), and deep base/base pools. Arbitrageurs keep each pool's price within its fee band around one
 * true price, except for a few pools that the last trades pushed further (`shocked`), so only a small share of cycles
 * clears the fees, as on a real chain.
 * Used by the benchmarks and by tests; the same seed always gives the same market.
 */
import type { Pool, ReserveUpdate, Token } from "../apps/core/index.ts";
import { getAmountOut } from "../apps/core/index.ts";

export interface MarketShape {
  pools: number;
  seed: number;
  /** Share of pools whose price was pushed outside their fee band (default 0.01). */
  shocked?: number;
  /** Standard deviation of a shocked pool's log-price (default 0.01 = 1%). */
  shock?: number;
  /** How many of WETH, USDC, USDT, WBTC, DAI to use as base tokens (default 5). */
  bases?: number;
  /** How many DEXes (fees 30, 30, 25, 5, 100 bps, in that order) list pools (default 5). */
  dexes?: number;
}

export interface SyntheticMarket {
  tokens: Token[];
  pools: Pool[];
  baseTokens: string[];
}

const BASES = [
  { symbol: "WETH", decimals: 18, usd: 3000, weight: 0.55 },
  { symbol: "USDC", decimals: 6, usd: 1, weight: 0.2 },
  { symbol: "USDT", decimals: 6, usd: 1, weight: 0.12 },
  { symbol: "WBTC", decimals: 8, usd: 60000, weight: 0.08 },
  { symbol: "DAI", decimals: 18, usd: 1, weight: 0.05 },
];
const DEXES = [
  { name: "uniswap-v2", feeBps: 30 },
  { name: "sushiswap", feeBps: 30 },
  { name: "pancakeswap", feeBps: 25 },
  { name: "fraxswap", feeBps: 5 },
  { name: "meshswap", feeBps: 100 },
];
const TAIL_SYMBOLS = "LINK UNI AAVE MATIC CRV SNX COMP MKR SUSHI YFI BAL GRT LDO APE QUICK GHST SAND MANA AXS FXS";

/** Deterministic 32-bit PRNG (mulberry32): fast, and good enough for market shapes. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

function address(random: () => number): string {
  let hex = "0x";
  for (let i = 0; i < 5; i++)
    hex += Math.floor(random() * 0x100000000)
      .toString(16)
      .padStart(8, "0");
  return hex;
}

function pick<T extends { weight: number }>(items: readonly T[], random: () => number): T {
  let r = random() * items.reduce((sum, item) => sum + item.weight, 0);
  for (const item of items) if ((r -= item.weight) <= 0) return item;
  return items[items.length - 1]!;
}

/** Base units for `usd` worth of a token. */
function units(usd: number, token: { usd: number; decimals: number }): bigint {
  return BigInt(Math.max(1, Math.floor((usd / token.usd) * 10 ** token.decimals)));
}

export function syntheticMarket(shape: MarketShape): SyntheticMarket {
  const random = rng(shape.seed);
  const shocked = shape.shocked ?? 0.01;
  const shock = shape.shock ?? 0.01;
  type Meta = Token & { usd: number; weight: number };
  const bases: Meta[] = BASES.slice(0, shape.bases ?? BASES.length).map((b) => ({ ...b, address: address(random) }));
  const dexes = DEXES.slice(0, shape.dexes ?? DEXES.length);
  const tailSymbols = TAIL_SYMBOLS.split(" ");
  const tailCount = Math.max(10, Math.round(shape.pools / 4));
  const tail: Meta[] = Array.from({ length: tailCount }, (_, i) => ({
    address: address(random),
    symbol: tailSymbols[i] ?? `TKN${i}`,
    decimals: [18, 18, 18, 9, 6][Math.floor(random() * 5)]!,
    usd: 10 ** (random() * 7 - 4),
    // Power-law popularity: a few tokens trade everywhere, most have one or two pools.
    weight: 1 / (i + 1) ** 0.9,
  }));

  const pools: Pool[] = [];
  const seen = new Set<string>();
  const addPool = (x: Meta, y: Meta, dex: (typeof DEXES)[number], tvlUsd: number, canShock: boolean): void => {
    const key = `${x.address}/${y.address}/${dex.name}`;
    const reverse = `${y.address}/${x.address}/${dex.name}`;
    if (seen.has(key) || seen.has(reverse) || x === y) return;
    seen.add(key);
    const drift = canShock && random() < shocked ? gaussian(random) * shock : (random() - 0.5) * (dex.feeBps / 10_000);
    const skew = Math.exp(drift);
    pools.push({
      address: address(random),
      dex: dex.name,
      token0: x.address,
      token1: y.address,
      reserve0: units((tvlUsd / 2) * Math.sqrt(skew), x),
      reserve1: units(tvlUsd / 2 / Math.sqrt(skew), y),
      feeBps: dex.feeBps,
    });
  };

  // Deep base/base pools on every DEX: they carry the most cycles, and arbitrageurs keep them tightest.
  for (let i = 0; i < bases.length; i++) {
    for (let j = i + 1; j < bases.length; j++) {
      for (const dex of dexes)
        if (pools.length < shape.pools) addPool(bases[i]!, bases[j]!, dex, 10 ** (6 + 2 * random()), false);
    }
  }
  let attempts = 0;
  while (pools.length < shape.pools && attempts++ < shape.pools * 50) {
    const x = pick(tail, random);
    const y = random() < 0.85 ? pick(bases, random) : pick(tail, random);
    const dex = dexes[Math.floor(random() * dexes.length)]!;
    addPool(x, y, dex, 10 ** (3 + 3 * random() + 2 * x.weight), true);
  }
  return {
    tokens: [...bases, ...tail].map(({ address, symbol, decimals }) => ({ address, symbol, decimals })),
    pools,
    baseTokens: bases.map((b) => b.address),
  };
}

/**
 * One block of trading: `count` distinct pools each take a swap of up to 0.03% of a reserve in a random direction,
 * computed with the exact pool math. Mutates `pools` so that successive blocks build on each other.
 */
export function tradeBlock(pools: Pool[], count: number, random: () => number): ReserveUpdate[] {
  const chosen = new Set<number>();
  while (chosen.size < Math.min(count, pools.length)) chosen.add(Math.floor(random() * pools.length));
  const updates: ReserveUpdate[] = [];
  for (const p of chosen) {
    const pool = pools[p]!;
    const sell0 = random() < 0.5;
    const reserveIn = sell0 ? pool.reserve0 : pool.reserve1;
    const reserveOut = sell0 ? pool.reserve1 : pool.reserve0;
    const amountIn = (reserveIn * BigInt(Math.floor(random() * 300))) / 1_000_000n + 1n;
    const amountOut = getAmountOut(amountIn, reserveIn, reserveOut, pool.feeBps);
    const next = sell0
      ? { ...pool, reserve0: reserveIn + amountIn, reserve1: reserveOut - amountOut }
      : { ...pool, reserve0: reserveOut - amountOut, reserve1: reserveIn + amountIn };
    pools[p] = next;
    updates.push({ address: next.address, reserve0: next.reserve0, reserve1: next.reserve1 });
  }
  return updates;
}

/** The market as a pool snapshot (schema v1), the input of `orion scan`. */
export function toSnapshot(market: SyntheticMarket): string {
  return JSON.stringify({
    chainId: 1,
    blockNumber: 1,
    tokens: market.tokens,
    baseTokens: market.baseTokens,
    pools: market.pools.map((p) => ({
      ...p,
      protocol: "uniswap-v2",
      reserve0: p.reserve0.toString(),
      reserve1: p.reserve1.toString(),
    })),
  });
}
