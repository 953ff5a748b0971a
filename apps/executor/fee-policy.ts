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

/**
 * Nodes accept a transaction on an occupied nonce only if it pays clearly more than the one it replaces (geth and
 * Hardhat: at least 10% more on every fee field); 12.5% clears that rule after rounding.
 */
export const DEFAULT_FEE_BUMP_BPS = 1_250;

/**
 * The fees of a replacement for a stuck transaction: every field at least `bumpBps` above the stuck one's, and never
 * under what the chain asks now (`fresh`, priced on the current base fee), which is what unsticks it when the base
 * fee rose past the old maximum.
 */
export function bumpFees(stuck: TxFees, fresh: TxFees, bumpBps = DEFAULT_FEE_BUMP_BPS): TxFees {
  const up = (v: bigint) => (v * BigInt(10_000 + bumpBps) + 9_999n) / 10_000n;
  const max = (a: bigint, b: bigint) => (a > b ? a : b);
  if (stuck.type === 2 && fresh.type === 2) {
    const tip = max(up(stuck.maxPriorityFeePerGas), fresh.maxPriorityFeePerGas);
    // The fresh maximum carries the fresh tip; lift it by the difference so the bumped tip still fits under it.
    const maxFee = max(up(stuck.maxFeePerGas), fresh.maxFeePerGas + (tip - fresh.maxPriorityFeePerGas));
    return { type: 2, maxFeePerGas: maxFee, maxPriorityFeePerGas: tip };
  }
  if (stuck.type === 0 && fresh.type === 0) return { type: 0, gasPrice: max(up(stuck.gasPrice), fresh.gasPrice) };
  throw new Error("a replacement keeps its transaction's type");
}
