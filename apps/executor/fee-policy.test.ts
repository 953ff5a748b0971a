import { describe, expect, it } from "vitest";
import { gasLimitFor, txFees } from "./fee-policy.ts";

const GWEI = 1_000_000_000n;

describe("fee policy", () => {
  it("never bids a tip under the chain's floor (Polygon PoS: 25 gwei)", () => {
    expect(txFees({ type: "eip1559", minPriorityFeeWei: 25n * GWEI }, 30n * GWEI, 2n * GWEI)).toEqual({
      type: 2,
      maxPriorityFeePerGas: 25n * GWEI,
      maxFeePerGas: 85n * GWEI,
    });
  });

  it("keeps a wanted tip above the floor", () => {
    expect(txFees({ type: "eip1559", minPriorityFeeWei: 1_000_000n }, 10n, 2n * GWEI)).toMatchObject({
      maxPriorityFeePerGas: 2n * GWEI,
    });
  });

  it("prices a legacy chain with one gas price: base fee, one block of growth, and the tip", () => {
    expect(txFees({ type: "legacy", minPriorityFeeWei: 30n * GWEI }, 80n * GWEI, GWEI)).toEqual({
      type: 0,
      gasPrice: 120n * GWEI,
    });
  });

  it("adds the margin to the estimate, rounding up", () => {
    expect(gasLimitFor(180_000n)).toBe(216_000n);
    expect(gasLimitFor(100_001n, 2_000)).toBe(120_002n);
    expect(gasLimitFor(100_000n, 0)).toBe(100_000n);
  });
});
