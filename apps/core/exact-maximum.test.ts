import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { SplitObjective } from "./exact-maximum.ts";
import { maximiseExactly } from "./exact-maximum.ts";

const LIMIT = 4000n;

/**
 * A split objective that is not a V2 cycle: value(y) = floor(p*y / (q + y)) - ceil(m*y / n) for 1 <= y <= LIMIT, whose
 * relaxation p*y/(q + y) - m*y/n is concave. Its window is the exact set where the relaxation reaches the target,
 * found by brute force (the test's business; the search only needs a superset).
 */
function objective(
  p: bigint,
  q: bigint,
  m: bigint,
  n: bigint,
  seed: bigint,
  noise = 1n,
): SplitObjective & { calls: number } {
  const calls = { n: 0 };
  // relaxation(y) >= t  <=>  p*y*n - m*y*(q + y) >= t*n*(q + y), all denominators positive.
  const reaches = (y: bigint, t: bigint) => p * y * n - m * y * (q + y) >= t * n * (q + y);
  return {
    seed,
    get calls() {
      return calls.n;
    },
    value(y) {
      if (y < 1n || y > LIMIT) return null;
      calls.n++;
      // `noise` > 1 takes a pseudo-random 0..noise-1 off each value, as coarse floors do (the relaxation still holds).
      return (p * y) / (q + y) - (m * y + n - 1n) / n - ((y * 7919n) % noise);
    },
    window(target) {
      let lo: bigint | null = null;
      let hi: bigint | null = null;
      for (let y = 1n; y <= LIMIT; y++) {
        if (!reaches(y, target)) continue;
        lo ??= y;
        hi = y;
      }
      return lo === null || hi === null ? null : { lo, hi };
    },
  };
}

function bruteForce(o: SplitObjective): bigint {
  let best = 0n;
  for (let y = 1n; y <= LIMIT; y++) {
    const v = o.value(y)!;
    if (v > best) best = v;
  }
  return best;
}

/** Random objectives whose optimum sits inside 1..LIMIT, flat enough that windows hold many integers. */
const arbitraryObjective = fc
  .record({
    p: fc.bigInt({ min: 1000n, max: 10n ** 9n }),
    q: fc.bigInt({ min: 100n, max: 10n ** 6n }),
    m: fc.bigInt({ min: 1n, max: 1000n }),
    n: fc.bigInt({ min: 1n, max: 1000n }),
    seedShift: fc.bigInt({ min: -50n, max: 50n }),
  })
  .map(({ p, q, m, n, seedShift }) => {
    // The real maximiser of p*y/(q+y) - (m/n)*y is sqrt(p*q*n/m) - q; the search may start anywhere near it.
    const peak = BigInt(Math.round(Math.sqrt(Number((p * q * n) / m)))) - q;
    return { p, q, m, n, seed: peak + seedShift };
  });

/**
 * Objectives worth 1e7..1e12 at their peak (inside 1..LIMIT), so one part in a million is thousands of units: a round
 * of the walk goes on after an improvement that does not reach the target, on whichever side comes next.
 */
const largeObjective = fc
  .record({
    p: fc.bigInt({ min: 10n ** 9n, max: 10n ** 12n }),
    q: fc.bigInt({ min: 100n, max: 10n ** 5n }),
    peak: fc.bigInt({ min: 200n, max: LIMIT - 200n }),
    seedShift: fc.bigInt({ min: -50n, max: 50n }),
    noise: fc.bigInt({ min: 1n, max: 10n ** 6n }),
  })
  // The real maximiser of p*y/(q + y) - (m/n)*y is sqrt(p*q*n/m) - q: with m = p*q, n = (peak + q)^2 it is `peak`.
  .map(({ p, q, peak, seedShift, noise }) => ({ p, q, m: p * q, n: (peak + q) ** 2n, seed: peak + seedShift, noise }));

describe("maximiseExactly: generic search and proof", () => {
  it("finds the brute-force optimum of any objective with a concave relaxation, from a seed near or off its peak", () => {
    fc.assert(
      fc.property(arbitraryObjective, ({ p, q, m, n, seed }) => {
        const truth = bruteForce(objective(p, q, m, n, seed));
        const found = maximiseExactly(objective(p, q, m, n, seed), 2 ** 30);
        expect(found.optimality).not.toBe("unproven");
        if (found.optimality === "exact") expect(found.value).toBe(truth);
        else expect(found.value * 1_000_000n >= truth * 999_999n).toBe(true);
        if (found.value > 0n) expect(objective(p, q, m, n, seed).value(found.y)).toBe(found.value);
        else expect(truth).toBe(0n);
      }),
      { numRuns: 150, seed: 11 },
    );
  });

  // Flat: p*y/(q + y) - y peaks near y = 2000 with curvature 2e-6 per unit^2, so the window where it reaches its
  // integer best + 1 spans about two thousand integers.
  const flat = (seed: bigint) => objective(1_004_004n, 10n ** 6n, 1n, 1n, seed);

  it("looks at each point at most once, and near the peak first: far fewer points than the windows hold", () => {
    const o = flat(2000n);
    const first = o.window(1n)!;
    expect(first.hi - first.lo).toBeGreaterThan(1000n);
    const found = maximiseExactly(o, 2 ** 30);
    expect(found.value).toBe(bruteForce(flat(2000n)));
    expect(found.optimality).toBe("exact");
    expect(found.examined).toBeLessThan(100);
    expect(o.calls).toBeLessThanOrEqual(found.examined);
  });

  it("proves from a seed far off the peak too, walking into the window from its edge", () => {
    const found = maximiseExactly(flat(1n), 2 ** 30);
    expect(found.value).toBe(bruteForce(flat(1n)));
    expect(found.optimality).toBe("exact");
  });

  it("stops at its budget with the best found, labelled unproven", () => {
    const o = flat(1n);
    const found = maximiseExactly(o, 5);
    expect(found.optimality).toBe("unproven");
    expect(found.examined).toBe(6);
    expect(found.value < bruteForce(o)).toBe(true);
  });

  /** `o` with an honest screen: the exact value itself (of `oracle`, `o`'s twin), in floats (small numbers here). */
  const screenedTwin = (o: SplitObjective, oracle = o): SplitObjective => ({
    seed: o.seed,
    value: (y) => o.value(y),
    window: (t) => o.window(t),
    screen: (from, step, count, best) => {
      for (let k = 0; k < count; k++) {
        const y = from + k * step;
        if (!(y >= 1 && y <= Number(LIMIT) && Number(oracle.value(BigInt(y))) <= best)) return k;
      }
      return count;
    },
  });

  it("walks the same way with and without a screen: same point, proof and count, within any budget", () => {
    fc.assert(
      fc.property(fc.oneof(arbitraryObjective, largeObjective), fc.integer({ min: 3, max: 3000 }), (o, budget) => {
        const make = () => objective(o.p, o.q, o.m, o.n, o.seed, "noise" in o ? o.noise : 1n);
        const plain = maximiseExactly(make(), budget);
        const screened = maximiseExactly(screenedTwin(make()), budget);
        expect(screened).toEqual(plain);
      }),
      { numRuns: 300, seed: 12 },
    );
  });

  it("prices only the points the screen cannot rule out", () => {
    let plainCalls = 0;
    let screenedCalls = 0;
    fc.assert(
      fc.property(arbitraryObjective, ({ p, q, m, n, seed }) => {
        const plain = objective(p, q, m, n, seed);
        const screened = objective(p, q, m, n, seed);
        maximiseExactly(plain, 2 ** 30);
        maximiseExactly(screenedTwin(screened, objective(p, q, m, n, seed)), 2 ** 30);
        expect(screened.calls).toBeLessThanOrEqual(plain.calls);
        plainCalls += plain.calls;
        screenedCalls += screened.calls;
      }),
      { numRuns: 100, seed: 13 },
    );
    expect(screenedCalls).toBeLessThan(plainCalls / 2);
  });
});
