/**
 * RouteBound answers from float enclosures where they are clear of the threshold, and from rationals otherwise: every
 * answer must be the rationals' own. The thresholds are put at the bound's exact values and a unit either side, where
 * an enclosure rounded the wrong way, or too narrow, would answer wrongly.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { HopBound, Ratio } from "./exact-hop.ts";
import { RouteBound } from "./route-bound.ts";

/** The rationals composed directly: R = product of rates, C' = C*r + s. */
function exact(hops: HopBound[]): { rate: Ratio; slack: Ratio } {
  let rate: Ratio = { num: 1n, den: 1n };
  let slack: Ratio = { num: 0n, den: 1n };
  for (const b of hops) {
    slack = { num: slack.num * b.rate.num + b.slack * slack.den * b.rate.den, den: slack.den * b.rate.den };
    rate = { num: rate.num * b.rate.num, den: rate.den * b.rate.den };
  }
  return { rate, slack };
}

const boundOf = (hops: HopBound[]) => {
  const b = new RouteBound();
  for (const h of hops) b.add(h);
  return b;
};

/** Rates of every size a route meets (a V3 hop's is keep*s^2 over 1e6*2^192), and rates a unit away from 1. */
const rate: fc.Arbitrary<Ratio> = fc.oneof(
  fc.record({ num: fc.bigInt({ min: 1n, max: 1n << 340n }), den: fc.bigInt({ min: 1n, max: 1n << 340n }) }),
  fc
    .tuple(fc.bigInt({ min: 1n, max: 1n << 200n }), fc.constantFrom(-1n, 0n, 1n))
    .map(([den, d]) => ({ num: den + d, den })),
  fc.record({ num: fc.bigInt({ min: 1n, max: 1n << 60n }), den: fc.constant(1n << 70n) }),
);
const hop: fc.Arbitrary<HopBound> = fc.record({
  rate,
  slack: fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 1n << 90n })),
});
const route = fc.array(hop, { minLength: 1, maxLength: 4 });
/** A unit either side of an integer, and the integer. */
const near = (n: bigint) => [n - 1n, n, n + 1n];

describe("RouteBound", () => {
  it("says whether the rate bound is above 1 as the rationals do, a unit either side of 1 included", () => {
    fc.assert(
      fc.property(route, (hops) => {
        const { rate: r } = exact(hops);
        const b = boundOf(hops);
        expect(b.rising()).toBe(r.num > r.den);
        expect(b.rate).toEqual(r);
      }),
      { numRuns: 2000, seed: 41 },
    );
  });

  it("compares the slack with integers at, and a unit either side of, its floor and its ceiling", () => {
    fc.assert(
      fc.property(route, (hops) => {
        const { slack: c } = exact(hops);
        const b = boundOf(hops);
        const floor = c.num / c.den;
        expect(b.slack).toBe(floor);
        for (const n of [...near(floor), ...near(floor + 1n), 0n]) {
          expect(b.slackBelow(n)).toBe(c.num < n * c.den);
          expect(b.slackAtMost(n)).toBe(n >= 0n && c.num <= n * c.den);
        }
      }),
      { numRuns: 2000, seed: 42 },
    );
  });

  it("bounds the climb over d inputs as the rationals do, with the threshold at the bound's own floor", () => {
    fc.assert(
      fc.property(route, fc.bigInt({ min: 0n, max: 1n << 100n }), (hops, d) => {
        const { rate: r, slack: c } = exact(hops);
        const b = boundOf(hops);
        const excess = r.num - r.den;
        // C + max(0, R - 1) * d as num/den.
        const num = excess > 0n ? c.num * r.den + excess * d * c.den : c.num;
        const den = excess > 0n ? c.den * r.den : c.den;
        const floor = num / den;
        for (const n of [...near(floor), ...near(floor + 1n), 0n]) {
          expect(b.climbBelow(d, n)).toBe(num < n * den);
        }
      }),
      { numRuns: 2000, seed: 43 },
    );
  });

  it("answers from the rationals where a figure is beyond what a float holds", () => {
    const huge: HopBound = { rate: { num: (1n << 1100n) + 1n, den: 1n << 1100n }, slack: 1n << 1000n };
    const b = boundOf([huge, { rate: { num: 1n, den: 1n }, slack: 3n }]);
    // R = 1 + 2^-1100: above 1 by less than any float could tell.
    expect(b.rising()).toBe(true);
    const slack = (1n << 1000n) + 3n; // the first hop's slack, times the second's rate 1, plus 3
    expect(b.slack).toBe(slack);
    expect(b.slackBelow(slack)).toBe(false);
    expect(b.slackBelow(slack + 1n)).toBe(true);
  });
});
