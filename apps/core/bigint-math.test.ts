import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ceilDiv, floorDiv, isqrt } from "./bigint-math.ts";

describe("isqrt", () => {
  it("is the floor square root, from tiny to far beyond float range", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 1n << 3000n }), fc.integer({ min: 0, max: 3000 }), (n, bits) => {
        const x = n >> BigInt(bits);
        const r = isqrt(x);
        expect(r * r <= x).toBe(true);
        expect((r + 1n) * (r + 1n) > x).toBe(true);
      }),
      { numRuns: 500, seed: 1 },
    );
  });

  it("is exact on perfect squares and their neighbours", () => {
    for (const root of [1n, 3n, 2n ** 52n + 1n, 2n ** 112n - 1n, 10n ** 200n + 7n, 2n ** 1100n + 3n]) {
      expect(isqrt(root * root)).toBe(root);
      expect(isqrt(root * root - 1n)).toBe(root - 1n);
      expect(isqrt(root * root + 1n)).toBe(root);
    }
  });
});

describe("rounded division", () => {
  it.each([
    [7n, 2n, 3n, 4n],
    [-7n, 2n, -4n, -3n],
    [6n, 3n, 2n, 2n],
    [-6n, 3n, -2n, -2n],
  ])("%i / %i floors to %i and ceils to %i", (num, den, floor, ceil) => {
    expect(floorDiv(num, den)).toBe(floor);
    expect(ceilDiv(num, den)).toBe(ceil);
  });
});
