/**
 * The profit-share bid: the builder is paid through the priority fee, a share of the trade's expected profit spread
 * over its gas, so the block producer orders the trade by what it pays. Pure integer arithmetic in native wei.
 *
 * The bid never takes more than leaves the order's minimum profit: what the trade may give away is its profit less
 * the minimum and less the base fee its gas burns (counted at the gas limit, so the bound holds whatever the
 * transaction ends up using). The chain's tip floor is still paid when the share comes to less.
 */
export interface BidInput {
  /** The simulated profit, valued in native wei. */
  profitWei: bigint;
  /** The order's minimum profit, valued in native wei. */
  minProfitWei: bigint;
  gasLimit: bigint;
  baseFee: bigint;
  /** The share of the profit bid, in basis points (0..10000). */
  shareBps: number;
  /** The chain's smallest accepted tip. */
  floorWei: bigint;
}

export function profitShareTip(b: BidInput): bigint {
  if (!Number.isInteger(b.shareBps) || b.shareBps < 0 || b.shareBps > 10_000) {
    throw new RangeError(`bid share ${b.shareBps} bps: must be an integer 0..10000`);
  }
  if (b.gasLimit <= 0n) throw new RangeError("gas limit must be positive");
  const wanted = (b.profitWei * BigInt(b.shareBps)) / 10_000n;
  const spare = b.profitWei - b.minProfitWei - b.baseFee * b.gasLimit;
  const give = spare <= 0n ? 0n : wanted < spare ? wanted : spare;
  const tip = give / b.gasLimit;
  return tip > b.floorWei ? tip : b.floorWei;
}
