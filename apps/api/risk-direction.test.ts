import { describe, expect, it } from "vitest";
import fc from "fast-check";
import type { RiskLimits } from "../control/index.ts";
import { riskRaises } from "./risk-direction.ts";

const T = "0x" + "a".repeat(40);
const base: RiskLimits = {
  minProfitAfterGasWei: 100n,
  maxAmountInPerToken: { [T]: 50n },
  defaultMaxAmountIn: 1000n,
  maxOpenExposureWei: 5000n,
  dailyLossLimitWei: 700n,
  maxConsecutiveFailures: 3,
};

describe("riskRaises", () => {
  it.each<[string, Partial<RiskLimits>, string[]]>([
    ["an unchanged set", {}, []],
    ["a lower minimum profit", { minProfitAfterGasWei: 99n }, ["minProfitAfterGasWei"]],
    ["a higher minimum profit", { minProfitAfterGasWei: 101n }, []],
    ["a larger default size", { defaultMaxAmountIn: 1001n }, ["defaultMaxAmountIn"]],
    ["more exposure", { maxOpenExposureWei: 5001n }, ["maxOpenExposureWei"]],
    ["a larger daily loss", { dailyLossLimitWei: 701n }, ["dailyLossLimitWei"]],
    ["a looser breaker", { maxConsecutiveFailures: 4 }, ["maxConsecutiveFailures"]],
    ["a larger per-token size", { maxAmountInPerToken: { [T]: 51n } }, [`maxAmountInPerToken.${T}`]],
    ["dropping a per-token entry below the default", { maxAmountInPerToken: {} }, [`maxAmountInPerToken.${T}`]],
    ["every limit tightened", { minProfitAfterGasWei: 200n, defaultMaxAmountIn: 10n, maxOpenExposureWei: 1n }, []],
  ])("%s", (_name, patch, expected) => {
    expect(riskRaises(base, { ...base, ...patch })).toEqual(expected);
  });

  it("a change and its reverse never both count as safe unless nothing changed", () => {
    const limits = fc.record({
      minProfitAfterGasWei: fc.bigInt({ min: 0n, max: 10n ** 30n }),
      maxAmountInPerToken: fc.dictionary(fc.constantFrom(T, "0x" + "b".repeat(40)), fc.bigInt({ min: 0n, max: 99n })),
      defaultMaxAmountIn: fc.bigInt({ min: 0n, max: 99n }),
      maxOpenExposureWei: fc.bigInt({ min: 0n, max: 99n }),
      dailyLossLimitWei: fc.bigInt({ min: 0n, max: 99n }),
      maxConsecutiveFailures: fc.integer({ min: 1, max: 1000 }),
    });
    fc.assert(
      fc.property(limits, limits, (a, b) => {
        const effective = (l: RiskLimits) =>
          JSON.stringify(
            [
              l.minProfitAfterGasWei,
              l.defaultMaxAmountIn,
              l.maxOpenExposureWei,
              l.dailyLossLimitWei,
              l.maxConsecutiveFailures,
              [T, "0x" + "b".repeat(40)].map((t) => l.maxAmountInPerToken[t] ?? l.defaultMaxAmountIn),
            ].map(String),
          );
        const safeBoth = riskRaises(a, b).length === 0 && riskRaises(b, a).length === 0;
        return !safeBoth || effective(a) === effective(b);
      }),
      { seed: 13, numRuns: 300 },
    );
  });
});
