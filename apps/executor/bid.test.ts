import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { profitShareTip, type BidInput } from "./bid.ts";

const base: BidInput = {
  profitWei: 10n ** 16n,
  minProfitWei: 10n ** 15n,
  gasLimit: 200_000n,
  baseFee: 10n ** 9n,
  shareBps: 5_000,
  floorWei: 0n,
};

describe("profitShareTip", () => {
  it("spreads the profit share over the gas limit", () => {
    // 50% of 0.01 ETH over 200k gas: 25 gwei per gas.
    expect(profitShareTip(base)).toBe(25_000_000_000n);
  });

  it("never bids away the minimum profit: the cap is profit - minProfit - base fee * gas", () => {
    const tip = profitShareTip({ ...base, shareBps: 10_000 });
    const spare = base.profitWei - base.minProfitWei - base.baseFee * base.gasLimit;
    expect(tip).toBe(spare / base.gasLimit);
  });

  it("pays the chain's floor when the share comes to less, and nothing more when no profit is spare", () => {
    expect(profitShareTip({ ...base, shareBps: 0, floorWei: 30_000_000_000n })).toBe(30_000_000_000n);
    expect(profitShareTip({ ...base, minProfitWei: base.profitWei, floorWei: 7n })).toBe(7n);
  });

  it("refuses a share outside 0..10000 bps", () => {
    expect(() => profitShareTip({ ...base, shareBps: 10_001 })).toThrow(/0\.\.10000/);
    expect(() => profitShareTip({ ...base, shareBps: 12.5 })).toThrow(/integer/);
  });

  it("for any trade, the bid plus the base fee never eats into the minimum profit unless the floor forces it", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 21n }),
        fc.bigInt({ min: 0n, max: 10n ** 21n }),
        fc.bigInt({ min: 21_000n, max: 3_000_000n }),
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        fc.integer({ min: 0, max: 10_000 }),
        (profitWei, minProfitWei, gasLimit, baseFee, shareBps) => {
          const tip = profitShareTip({ profitWei, minProfitWei, gasLimit, baseFee, shareBps, floorWei: 0n });
          expect(tip).toBeGreaterThanOrEqual(0n);
          expect(tip * gasLimit).toBeLessThanOrEqual((profitWei * BigInt(shareBps)) / 10_000n);
          if (tip > 0n) expect(profitWei - (baseFee + tip) * gasLimit).toBeGreaterThanOrEqual(minProfitWei);
        },
      ),
    );
  });

  it("a larger share never bids less", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9_999 }), (s) => {
        expect(profitShareTip({ ...base, shareBps: s + 1 })).toBeGreaterThanOrEqual(
          profitShareTip({ ...base, shareBps: s }),
        );
      }),
    );
  });
});
