/**
 * The generic search against brute force: small pools, so every input up to the point where no profit is possible
 * can be priced. A mixed cycle (a V3 hop and a V2 hop) and an all-V2 one; the hops' local bounds are checked too,
 * since the proof stands on them.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ExactHop } from "./exact-hop.ts";
import { v2ExactHop } from "./exact-hop.ts";
import { evaluate, leftCut, searchTrade } from "./exact-search.ts";
import { optimalTrade } from "./sizing.ts";
import { TickTable, compress, getSqrtRatioAtTick, wordOf } from "./v3/index.ts";
import type { V3PoolState } from "./v3/index.ts";
import { v3ExactHop } from "./v3/v3-hop.ts";

/**
 * A V3 pool with positions of random liquidity over random ranges within 3000 ticks of a price near 1.0001^centre:
 * centre 0 is a price near 1, +-276,000 a pair like WETH/USDC in base units (one unit of one side is worth about
 * 10^12 of the other).
 */
const v3PoolAround = (centre: number) =>
  fc
    .record({
      spacing: fc.constantFrom(1, 10, 60),
      tick: fc.integer({ min: centre - 500, max: centre + 500 }),
      fraction: fc.integer({ min: 0, max: 999 }),
      feePips: fc.constantFrom(100, 500, 3000, 10000),
      positions: fc.array(
        fc.record({
          a: fc.integer({ min: centre - 3000, max: centre + 3000 }),
          b: fc.integer({ min: centre - 3000, max: centre + 3000 }),
          liquidity: fc.bigInt({ min: 1_000n, max: 3_000_000n }),
        }),
        { minLength: 1, maxLength: 12 },
      ),
    })
    .map(({ spacing, tick, fraction, feePips, positions }): V3PoolState => {
      const from = wordOf(compress(centre - 3100, spacing));
      const table = new TickTable(spacing, [], from, wordOf(compress(centre + 3100, spacing)));
      let liquidity = 0n;
      for (const p of positions) {
        const lower = Math.floor(Math.min(p.a, p.b) / spacing) * spacing;
        const upper = Math.max(lower + spacing, Math.floor(Math.max(p.a, p.b) / spacing) * spacing);
        // Far from 1 the coarse side's virtual reserve is L/10^6: deeper positions keep it a few million units.
        const amount = centre === 0 ? p.liquidity : p.liquidity * 10n ** 6n;
        table.applyPosition(lower, upper, amount);
        if (tick >= lower && tick < upper) liquidity += amount;
      }
      const low = getSqrtRatioAtTick(tick);
      const sqrtPriceX96 = low + ((getSqrtRatioAtTick(tick + 1) - low) * BigInt(fraction)) / 1000n;
      return { sqrtPriceX96, tick, liquidity, feePips, ticks: table };
    });
const v3Pool = v3PoolAround(0);

/** Every input 1..limit priced: the best profit (0 if none) and whether the route stopped quoting before limit. */
function bruteForce(hops: readonly ExactHop[], limit: bigint): { best: bigint; at: bigint } {
  let best = 0n;
  let at = 0n;
  for (let x = 1n; x <= limit; x++) {
    let amount: bigint | null = x;
    for (const hop of hops) amount = amount === null ? null : hop.out(amount);
    if (amount === null) break;
    if (amount - x > best) {
      best = amount - x;
      at = x;
    }
  }
  return { best, at };
}

function expectSound(hops: readonly ExactHop[], limit: bigint) {
  const trade = searchTrade(hops);
  const brute = bruteForce(hops, limit);
  if (trade === null) {
    expect(brute.best).toBe(0n);
    return trade;
  }
  // Undecided claims nothing: there is nothing to check.
  if (trade === "undecided") return trade;
  let amount: bigint | null = trade.amountIn;
  for (const hop of hops) amount = hop.out(amount!);
  expect(amount).toBe(trade.amountOut);
  expect(trade.profit).toBe(trade.amountOut - trade.amountIn);
  expect(trade.profit).toBeLessThanOrEqual(brute.best);
  if (trade.optimality === "exact") expect(trade.profit).toBe(brute.best);
  if (trade.optimality === "ppm") expect(trade.profit * 1_000_000n).toBeGreaterThanOrEqual(brute.best * 999_999n);
  return trade;
}

describe("hop bounds", () => {
  it.each([
    ["near 1", 0],
    ["token1 far finer than token0", 276_000],
    ["token0 far finer than token1", -276_000],
  ])("V3 at a price %s: out(y + d) <= out(y) + rate(y)*d + slack(y), and out is nondecreasing", (_name, centre) => {
    const scale = centre === 0 ? 1n : 10n ** 6n;
    let checked = 0;
    fc.assert(
      fc.property(
        v3PoolAround(centre),
        fc.boolean(),
        fc.bigInt({ min: 0n, max: 400_000n }),
        fc.bigInt({ min: 0n, max: 400_000n }),
        (pool, zeroForOne, y0, d0) => {
          // Far from price 1 the fine side sells in amounts a million times larger.
          const fine = zeroForOne === centre < 0;
          const [y, d] = fine ? [y0 * scale, d0 * scale] : [y0, d0];
          const hop = v3ExactHop(pool, zeroForOne);
          const base = hop.out(y);
          const further = hop.out(y + d);
          if (base === null || further === null) return;
          checked++;
          expect(further).toBeGreaterThanOrEqual(base);
          const { rate, slack } = hop.bound(y);
          expect(further * rate.den).toBeLessThanOrEqual((base + slack) * rate.den + rate.num * d);
        },
      ),
      { numRuns: 2000 },
    );
    expect(checked).toBeGreaterThan(1000);
  });
});

describe("searchTrade", () => {
  it("finds the brute-force optimum of mixed V3/V2 cycles, or a size within 1e-6 it proves, or says unproven", () => {
    const seen = { exact: 0, ppm: 0, unproven: 0, none: 0, undecided: 0 };
    fc.assert(
      fc.property(
        v3Pool,
        fc.boolean(),
        fc.integer({ min: -400, max: 400 }),
        fc.bigInt({ min: 2_000n, max: 20_000n }),
        (pool, zeroForOne, gapBps, depth) => {
          // A V2 pair priced near the pool's price, off by gapBps: sometimes a gap to close, sometimes none.
          const price = Number(pool.sqrtPriceX96) ** 2 / 2 ** 192;
          const back = zeroForOne ? 1 / price : price;
          const reserveIn = depth;
          const reserveOut = BigInt(Math.max(1, Math.round(Number(depth) * back * (1 + gapBps / 10_000))));
          const hops = [v3ExactHop(pool, zeroForOne), v2ExactHop({ reserveIn, reserveOut, feeBps: 30 })];
          const trade = expectSound(hops, 4n * depth + 10n);
          if (trade === null) seen.none++;
          else if (trade === "undecided") seen.undecided++;
          else seen[trade.optimality]++;
        },
      ),
      { numRuns: 100, seed: 4242 },
    );
    expect(seen.exact + seen.ppm).toBeGreaterThan(3);
    expect(seen.none).toBeGreaterThan(5);
    // About 9 s of CPU: on two cores shared with a dozen other processes it took over the 60 s default.
  }, 240_000);

  it("proves a profit whose slack is within its allowance without first asking whether a proof fits", () => {
    // A V3 pool and a deep V2 pair 1% apart: a profit of about 10^14 units, rounding slack of a few units. Each route
    // quotes the first hop once: its calls count the search's routes.
    const ticks = new TickTable(10, [], wordOf(compress(-4000, 10)), wordOf(compress(4000, 10)));
    ticks.applyPosition(-3000, 3000, 10n ** 21n);
    const pool = { sqrtPriceX96: getSqrtRatioAtTick(0), tick: 0, liquidity: 10n ** 21n, feePips: 500, ticks };
    const first = v3ExactHop(pool, true);
    let routes = 0;
    const counted: ExactHop = {
      ...first,
      out: (y) => first.out(y),
      quote: (y) => {
        routes++;
        return first.quote!(y);
      },
    };
    const pair = v2ExactHop({ reserveIn: 10n ** 21n, reserveOut: (10n ** 21n * 101n) / 100n, feeBps: 30 });
    const trade = searchTrade([counted, pair]);
    if (trade === null || trade === "undecided") throw new Error(`no trade sized: ${String(trade)}`);
    expect(trade.optimality).not.toBe("unproven");
    expect(trade.profit > 10n ** 12n).toBe(true);
    // Five routes (the crest and its proof); asking first whether a proof fits took four more.
    expect(routes).toBeLessThanOrEqual(6);
  });

  it("agrees with the V2 closed-form sizing on all-V2 cycles", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            reserveIn: fc.bigInt({ min: 10n ** 15n, max: 10n ** 22n }),
            reserveOut: fc.bigInt({ min: 10n ** 15n, max: 10n ** 22n }),
            feeBps: fc.constantFrom(5, 30),
          }),
          { minLength: 2, maxLength: 3 },
        ),
        (hops) => {
          const closed = optimalTrade(hops, 1n << 20n);
          const searched = searchTrade(hops.map(v2ExactHop));
          if (searched === "undecided") return;
          expect(searched === null).toBe(closed === null);
          if (closed === null || searched === null) return;
          if (searched.optimality !== "unproven" && closed.optimality !== "unproven") {
            expect(searched.profit * 1_000_000n).toBeGreaterThanOrEqual(closed.profit * 999_999n);
            expect(closed.profit * 1_000_000n).toBeGreaterThanOrEqual(searched.profit * 999_999n);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("cuts off the inputs left of a point only where none of them earns more than the crest point", () => {
    // The cut is a proof for all of [1, y]. Two V2 pairs, deep enough for the cut to be worth making, whose proven
    // optimum (the closed-form sizing) is the best input: wherever the cut leaves it behind, the crest point must
    // earn at least as much. Crest points on both sides of the best input (right of it, where a loose rate bound
    // puts the search's crest, a cut that went by the rate alone would hide the best).
    let cuts = 0;
    fc.assert(
      fc.property(
        fc.bigInt({ min: 10n ** 9n, max: 10n ** 15n }),
        fc.integer({ min: 70, max: 600 }),
        fc.integer({ min: -50, max: 80 }),
        (depth, gapBps, shiftPercent) => {
          const route = [
            { reserveIn: depth, reserveOut: depth, feeBps: 30 },
            { reserveIn: depth, reserveOut: (depth * BigInt(10_000 + gapBps)) / 10_000n, feeBps: 30 },
          ];
          const best = optimalTrade(route, 1n << 20n);
          if (best === null || best.optimality === "unproven") return;
          const hops = route.map(v2ExactHop);
          const topX = best.amountIn + (best.amountIn * BigInt(shiftPercent)) / 100n;
          const first = evaluate(hops, 1n);
          const top = evaluate(hops, topX);
          const cut = first && top ? leftCut(hops, first, top)?.point : null;
          if (!cut) return;
          cuts++;
          if (cut.x >= best.amountIn) expect(top!.profit).toBeGreaterThanOrEqual(best.profit);
        },
      ),
      { numRuns: 300, seed: 99 },
    );
    expect(cuts).toBeGreaterThan(50);
  });
});
