/**
 * How a live transaction is priced on a given chain: pure. The chain profile's fee policy says whether the chain
 * takes EIP-1559 transactions and the smallest tip it accepts (Polygon PoS refuses tips under its floor); the gas
 * limit comes from eth_estimateGas plus a margin, not a constant that is too low for some routes and wasteful for
 * most.
 */

export interface FeePolicy {
  type: "eip1559" | "legacy";
  /** The chain's floor for the tip; the executor never bids under it. */
  minPriorityFeeWei: bigint;
}

export type TxFees = { type: 2; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | { type: 0; gasPrice: bigint };

/** Added to eth_estimateGas: the state can move between the estimate and the block (a pool's storage warms or not). */
export const DEFAULT_GAS_MARGIN_BPS = 2_000;

export function txFees(policy: FeePolicy, baseFee: bigint, wantedTip: bigint): TxFees {
  const tip = wantedTip < policy.minPriorityFeeWei ? policy.minPriorityFeeWei : wantedTip;
  if (policy.type === "eip1559") {
    // Twice the base fee survives several full blocks of base-fee increases before the trade stalls; only the
    // base fee actually charged and the tip are paid.
    return { type: 2, maxFeePerGas: 2n * baseFee + tip, maxPriorityFeePerGas: tip };
  }
  // A legacy price is paid in full, so it carries one block's worth of base-fee growth (1/8), not a doubling.
  return { type: 0, gasPrice: baseFee + baseFee / 8n + tip };
}

export function gasLimitFor(estimate: bigint, marginBps = DEFAULT_GAS_MARGIN_BPS): bigint {
  return (estimate * BigInt(10_000 + marginBps) + 9_999n) / 10_000n;
}
