import { describe, expect, it } from "vitest";
import { bumpFees, gasLimitFor, txFees } from "./fee-policy.ts";

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

describe("fee bump for a stuck transaction", () => {
  it("raises every field by at least 12.5%, and to today's price when the base fee outran the old maximum", () => {
    const stuck = { type: 2 as const, maxFeePerGas: 100n, maxPriorityFeePerGas: 8n };
    // The base fee barely moved: the bump decides.
    expect(bumpFees(stuck, txFees({ type: "eip1559", minPriorityFeeWei: 0n }, 40n, 8n))).toEqual({
      type: 2,
      maxFeePerGas: 113n,
      maxPriorityFeePerGas: 9n,
    });
    // The base fee tripled past the stuck maximum: the fresh price decides, with the bumped tip on top.
    expect(bumpFees(stuck, txFees({ type: "eip1559", minPriorityFeeWei: 0n }, 300n, 8n))).toEqual({
      type: 2,
      maxFeePerGas: 609n,
      maxPriorityFeePerGas: 9n,
    });
    expect(bumpFees({ type: 0, gasPrice: 1_000n }, { type: 0, gasPrice: 900n })).toEqual({ type: 0, gasPrice: 1_125n });
  });
});
