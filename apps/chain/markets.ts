/**
 * The seeded markets of the devnet, decided as plain data: which tokens, which DEXes, which pairs on each, and how
 * deep. deploy.ts turns the plan into contracts.
 */
import { Rng } from "./rng.ts";

export interface TokenSpec {
  symbol: string;
  decimals: number;
  /** Reference price in micro-dollars; only used to size liquidity. */
  priceMicroUsd: bigint;
}

export interface DexSpec {
  name: string;
  /** Uniswap-V2 pairs from @uniswap/v2-core charge 30 bps, fixed in their bytecode; every DEX here is such a fork. */
  feeBps: number;
  /** Dollar depth of each side of this DEX's pools, before the pair's own weight. */
  depthUsd: bigint;
}

export interface PairSpec {
  a: string;
  b: string;
  /** Depth multiplier in percent (100 = the DEX's depth). */
  weightPct: bigint;
  /** The DEXes listing the pair. */
  dexes: string[];
}

export interface V3PoolSpec {
  a: string;
  b: string;
  /** Fee in hundredths of a bp: 100, 500, 3000 or 10000 (v3/plan-v3.ts V3_FEE_TIERS). */
  feePips: number;
  /** Dollar value of each side of the full-range position; concentrated positions add depth near the price. */
  depthUsd: bigint;
}

export interface MarketSpec {
  baseToken: string;
  tokens: TokenSpec[];
  dexes: DexSpec[];
  pairs: PairSpec[];
  /** Each pool's initial price is off the reference by up to this many parts per million, so DEXes differ. */
  priceJitterPpm: number;
  /** Uniswap-V3 pools (real v3-core bytecode, one factory) beside the V2 DEXes; none when absent. */
  v3Pools?: V3PoolSpec[];
  /**
   * An Aave V3 market (@aave/core-v3 bytecode) lending the base token by flash loan: the dollar value supplied to
   * its reserve. None when absent.
   */
  aaveV3?: { supplyUsd: bigint };
  /** A Balancer V2 Vault (compiled from @balancer-labs/v2-vault) holding this many dollars of the base token. */
  balancerV2?: { fundUsd: bigint };
}

export const DEFAULT_MARKETS: MarketSpec = {
  baseToken: "WETH",
  tokens: [
    { symbol: "WETH", decimals: 18, priceMicroUsd: 3_000_000_000n },
    { symbol: "USDC", decimals: 6, priceMicroUsd: 1_000_000n },
    { symbol: "DAI", decimals: 18, priceMicroUsd: 1_000_000n },
    { symbol: "WBTC", decimals: 8, priceMicroUsd: 60_000_000_000n },
    { symbol: "LINK", decimals: 18, priceMicroUsd: 15_000_000n },
    { symbol: "UNI", decimals: 18, priceMicroUsd: 8_000_000n },
  ],
  dexes: [
    { name: "uniswap", feeBps: 30, depthUsd: 4_000_000n },
    { name: "sushiswap", feeBps: 30, depthUsd: 1_500_000n },
    { name: "quickswap", feeBps: 30, depthUsd: 800_000n },
  ],
  pairs: [
    { a: "WETH", b: "USDC", weightPct: 100n, dexes: ["uniswap", "sushiswap", "quickswap"] },
    { a: "WETH", b: "DAI", weightPct: 60n, dexes: ["uniswap", "sushiswap", "quickswap"] },
    { a: "WETH", b: "WBTC", weightPct: 50n, dexes: ["uniswap", "sushiswap"] },
    { a: "WETH", b: "LINK", weightPct: 30n, dexes: ["uniswap", "sushiswap", "quickswap"] },
    { a: "WETH", b: "UNI", weightPct: 20n, dexes: ["uniswap", "quickswap"] },
    { a: "USDC", b: "DAI", weightPct: 50n, dexes: ["uniswap", "sushiswap", "quickswap"] },
    { a: "WBTC", b: "USDC", weightPct: 40n, dexes: ["uniswap", "quickswap"] },
    { a: "LINK", b: "USDC", weightPct: 20n, dexes: ["sushiswap", "quickswap"] },
  ],
  priceJitterPpm: 1500,
  // Several fee tiers, on pairs the V2 DEXes list too, so cycles mix V2 and V3 pools as on a real chain.
  v3Pools: [
    { a: "WETH", b: "USDC", feePips: 500, depthUsd: 1_500_000n },
    { a: "WETH", b: "USDC", feePips: 3000, depthUsd: 600_000n },
    { a: "WETH", b: "DAI", feePips: 3000, depthUsd: 500_000n },
    { a: "WETH", b: "WBTC", feePips: 3000, depthUsd: 400_000n },
    { a: "USDC", b: "DAI", feePips: 100, depthUsd: 800_000n },
    { a: "WETH", b: "LINK", feePips: 10000, depthUsd: 150_000n },
  ],
  // Deeper than any pool, so a loan is never short of liquidity: Aave's WETH reserve on mainnet holds billions.
  aaveV3: { supplyUsd: 50_000_000n },
  balancerV2: { fundUsd: 20_000_000n },
};

export interface PoolPlan {
  dex: string;
  tokenA: string;
  tokenB: string;
  amountA: bigint;
  amountB: bigint;
}

/** `usd` dollars of the token in its base units, at its reference price. */
export function tokenAmount(token: TokenSpec, usd: bigint): bigint {
  return (usd * 1_000_000n * 10n ** BigInt(token.decimals)) / token.priceMicroUsd;
}

/** The initial liquidity of every pool; the same seed gives the same plan. */
export function planPools(spec: MarketSpec, seed: number): PoolPlan[] {
  const rng = new Rng(seed);
  const tokens = new Map(spec.tokens.map((t) => [t.symbol, t]));
  const dexes = new Map(spec.dexes.map((d) => [d.name, d]));
  if (!tokens.has(spec.baseToken)) throw new Error(`base token ${spec.baseToken} is not among the tokens`);
  const plans: PoolPlan[] = [];
  for (const pair of spec.pairs) {
    const a = tokens.get(pair.a);
    const b = tokens.get(pair.b);
    if (!a || !b) throw new Error(`pair ${pair.a}/${pair.b} names an unknown token`);
    for (const dexName of pair.dexes) {
      const dex = dexes.get(dexName);
      if (!dex) throw new Error(`pair ${pair.a}/${pair.b} names an unknown DEX ${dexName}`);
      const usd = (dex.depthUsd * pair.weightPct) / 100n;
      const jitter = BigInt(Math.round((rng.next() * 2 - 1) * spec.priceJitterPpm));
      plans.push({
        dex: dexName,
        tokenA: pair.a,
        tokenB: pair.b,
        amountA: tokenAmount(a, usd),
        amountB: (tokenAmount(b, usd) * (1_000_000n + jitter)) / 1_000_000n,
      });
    }
  }
  return plans;
}
