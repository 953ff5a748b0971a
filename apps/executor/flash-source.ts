/**
 * Where a trade's capital comes from, chosen per order by what it costs: pure, no I/O. A Uniswap-V2 first hop can
 * flash-swap (the pool pays out before it is paid, for no fee beyond its swap fee); otherwise, or when cheaper, a
 * lender lends the base token for the length of the transaction: a Uniswap-V3 pool's `flash` (its pool fee), a
 * Balancer V2 vault (its flash-loan fee, 0 on most deployments) or an Aave V3 pool (its premium). The cost compared
 * is the lender's fee valued in wei plus the extra gas the source burns at the order's gas price.
 */
import type { FlashSource, PoolProtocol } from "../domain/index.ts";

/** How a lender charges, exactly as its contract computes the fee. */
export type FlashFee =
  /** Uniswap-V3 pool: fee in hundredths of a basis point, rounded up (FullMath.mulDivRoundingUp). */
  | { kind: "v3-pips"; pips: number }
  /** Aave V3: premium in basis points, rounded half up (PercentageMath.percentMul). */
  | { kind: "aave-bps"; bps: bigint }
  /** Balancer V2: fee as an 18-decimal fraction, rounded up (FixedPoint.mulUp). */
  | { kind: "balancer-wad"; wad: bigint };

export interface FlashLender {
  source: Exclude<FlashSource, "v2-flash-swap">;
  /** The V3 pool, the Balancer vault or the Aave pool (lowercase). */
  address: string;
  fee: FlashFee;
  /** What it can lend right now, by token (lowercase); a token it does not hold is absent. */
  available: ReadonlyMap<string, bigint>;
}

/**
 * Gas each source adds to the route's own swaps, measured on the devnet on the same 2-hop trade with eth_estimateGas
 * (apps/contracts/flash-sources.test.ts prints the figures: V2 flash swap 266,682; Balancer +31,611; V3 flash +54,565;
 * Aave +134,050), rounded up. The V2 flash swap is the route's first swap, so it adds nothing.
 */
export const FLASH_SOURCE_GAS: Readonly<Record<FlashSource, bigint>> = {
  "v2-flash-swap": 0n,
  "v3-flash": 55_000n,
  balancer: 32_000n,
  "aave-v3": 135_000n,
};

export interface FlashChoice {
  source: FlashSource;
  /** The lender's address; null for a V2 flash swap (the route's first pool lends). */
  lender: string | null;
  /** The fee in base-token units, paid out of the profit. */
  fee: bigint;
  /** fee in wei plus the source's extra gas at the order's gas price: what the choice minimised. */
  costWei: bigint;
}

export interface FlashRequest {
  baseToken: string;
  amountIn: bigint;
  pools: readonly string[];
  protocols: readonly PoolProtocol[];
  lenders: readonly FlashLender[];
  /** Per gas, as the trade will pay it (base fee plus tip). */
  gasPriceWei: bigint;
  /** Values an amount of the base token in wei (1:1 where the base token is wrapped native). */
  baseToWei: (amount: bigint) => bigint;
}

const PIPS = 1_000_000n;
const WAD = 10n ** 18n;

/** The fee a lender charges for lending `amount`, to the wei its contract charges. */
export function flashFee(fee: FlashFee, amount: bigint): bigint {
  switch (fee.kind) {
    case "v3-pips":
      return (amount * BigInt(fee.pips) + PIPS - 1n) / PIPS;
    case "aave-bps":
      return (amount * fee.bps + 5_000n) / 10_000n;
    case "balancer-wad": {
      const product = amount * fee.wad;
      return product === 0n ? 0n : (product - 1n) / WAD + 1n;
    }
  }
}

/**
 * The cheapest source able to fund the order, or null when none can: no V2 first hop and no lender holding enough
 * of the base token outside the route. Ties go to the earlier of V2 flash swap, V3 flash, Balancer, Aave, then the
 * lower address, so the same inputs always give the same choice.
 */
export function chooseFlashSource(r: FlashRequest): FlashChoice | null {
  const base = r.baseToken.toLowerCase();
  const inRoute = new Set(r.pools.map((p) => p.toLowerCase()));
  const options: FlashChoice[] = [];
  if (r.protocols[0] === "uniswap-v2") {
    options.push({ source: "v2-flash-swap", lender: null, fee: 0n, costWei: 0n });
  }
  for (const l of r.lenders) {
    const address = l.address.toLowerCase();
    // A V3 pool is locked while it lends: it cannot also be swapped on in the same route.
    if (inRoute.has(address)) continue;
    if ((l.available.get(base) ?? 0n) < r.amountIn) continue;
    const fee = flashFee(l.fee, r.amountIn);
    options.push({
      source: l.source,
      lender: address,
      fee,
      costWei: r.baseToWei(fee) + FLASH_SOURCE_GAS[l.source] * r.gasPriceWei,
    });
  }
  const rank: readonly FlashSource[] = ["v2-flash-swap", "v3-flash", "balancer", "aave-v3"];
  options.sort(
    (a, b) =>
      (a.costWei < b.costWei ? -1 : a.costWei > b.costWei ? 1 : 0) ||
      rank.indexOf(a.source) - rank.indexOf(b.source) ||
      ((a.lender ?? "") < (b.lender ?? "") ? -1 : 1),
  );
  return options[0] ?? null;
}
