/**
 * Sizing of a cycle whose hops have no closed form (any V3 hop): an exact search over the input, with the same proof
 * discipline as the V2 sizing. Only the hops' exact outputs are priced; their local bounds (exact-hop.ts) compose
 * into a bound on the cycle's profit over a whole interval of inputs,
 *   profit(x) <= profit(a) + (R(a) - 1) * (x - a) + C(a)   for every x >= a,
 * with R the product of the hops' rate bounds along the route at input a and C their slacks carried through the
 * later hops. Intervals whose bound stays under the target (the best profit found, raised by one part in a million)
 * are dropped; the rest are split, and priced point by point once small. What is left when the budget runs out is
 * reported as unproven, never guessed.
 */
import type { ExactHop, HopBound, Ratio } from "./exact-hop.ts";
import { RouteBound } from "./route-bound.ts";
import type { SizedTrade } from "./sized-trade.ts";

/** Relative tolerance of the contract: one part in a million of the optimum profit. */
const PPM = 1_000_000n;
/** Most exact route evaluations one proof may use (the search for the crest costs about 2*log2 of the size more). */
export const DEFAULT_SEARCH_BUDGET = 4096;
/** Intervals at most this wide are priced point by point rather than split. */
const LEAF = 8n;
/** The crest is bracketed by steps of this factor, below GROWTH^MAX_DOUBLINGS; far beyond any token supply. */
const GROWTH = 16n;
const MAX_DOUBLINGS = 50;
/** The crest's bracket stops narrowing once narrower than its position / 2^this. */
const CREST_PRECISION_BITS = 20n;

export interface Point {
  x: bigint;
  out: bigint;
  profit: bigint;
  /** The route's rate bound and slack at x (route-bound.ts). */
  bound: RouteBound;
}

/**
 * Where the hops' float curves (out ~ a*y/(b + c*y) each) put the crest of the cycle: they compose into one such
 * curve A*x/(B + C*x), whose profit peaks at x = B*(sqrt(A/B) - 1)/C. Null where a hop has no curve or the float
 * answer is not a usable input.
 */
function floatCrest(hops: readonly ExactHop[]): bigint | null {
  let rho = 1;
  let B = 1;
  let C = 0;
  for (const hop of hops) {
    const curve = hop.curve;
    if (curve === undefined || !(curve.b > 0)) return null;
    // Normalised by B as it goes (A = rho*B), so no product of reserves overflows.
    C = (C * curve.b + rho * B * curve.c) / (B * curve.b);
    rho *= curve.a / curve.b;
    B = 1;
  }
  const x = (Math.sqrt(rho) - 1) / C;
  return Number.isFinite(x) && x >= 2 && x < 2 ** 200 ? BigInt(Math.floor(x)) : null;
}

/** num/den in float64, for ratios of any size (both shifted to 64 bits first, so neither overflows). */
function ratioValue(r: Ratio): number {
  const bits = Math.max(r.num.toString(16).length, r.den.toString(16).length) * 4;
  const shift = BigInt(Math.max(0, bits - 64));
  return Number(r.num >> shift) / Number(r.den >> shift);
}

/** 1/sqrt(num/den) in float64, for ratios of any size. */
function sqrtInverse(r: Ratio): number {
  return 1 / Math.sqrt(ratioValue(r));
}

function quoteApart(hop: ExactHop, amount: bigint): { out: bigint; bound: HopBound } | null {
  const out = hop.out(amount);
  return out === null ? null : { out, bound: hop.bound(amount) };
}

/** The route at input x with its composed bound, or null where a hop cannot quote it. Exported for tests. */
export function evaluate(hops: readonly ExactHop[], x: bigint): Point | null {
  let amount = x;
  const bound = new RouteBound();
  for (const hop of hops) {
    const q = hop.quote ? hop.quote(amount) : quoteApart(hop, amount);
    if (q === null) return null;
    bound.add(q.bound);
    amount = q.out;
  }
  return { x, out: amount, profit: amount - x, bound };
}

/** Whether profit + slack stays under `target` at p (past the crest: whether no input from p on reaches it). */
const underTarget = (p: Point, target: bigint) => p.bound.slackBelow(target - p.profit);

/**
 * Whether the bound on profit over [p.x, hi], profit(a) + slack + climb, stays under `target` (RouteBound.climbBelow:
 * the slack and the climb are added as rationals and only their sum compared with the integers).
 */
const intervalUnder = (p: Point, hi: bigint, target: bigint) => p.bound.climbBelow(hi - p.x, target - p.profit);

/**
 * Whether no proof fits the budget: an interval is dropped only where profit + slack stays under the target, so
 * the inputs around which it does not are priced one by one. The slack of a hop out of a coarse token, or into one,
 * can be worth far more than a millionth of a small profit (or than the one unit a first profit needs); when such
 * inputs reach further from the crest than a quarter of the budget left (the proof prices them and splits the
 * intervals around them on top), the proof would run out, or take most of a block's time for a dust profit: better
 * to say unproven at once than to spend it. Two looks:
 * - far out: the inputs `limit` away either side, each judged by its exact profit and by the profit the route's
 *   real-valued curve keeps there (estimated from the best found and the rate bound's distance from 1, which is
 *   smooth where the exact profit saws: a coarse token's floor leaves the same coarse amount, so a falling profit,
 *   over a run of inputs, then jumps back up);
 * - the run about the crest that reaches the target, found by doubling and halving.
 * A few dozen routes at most. Only whether to try depends on this, never what a proof proves.
 */
function hopeless(hops: readonly ExactHop[], crest: bigint, remaining: number, best: Point | null): boolean {
  const target = targetFor(best === null ? 0n : best.profit);
  // A profit whose slack is within the target's allowance: the proof drops the intervals about it at their first look.
  // (On the devnet's blocks, half the searches, none of them hopeless, each look four routes: a sixth of all routes.)
  if (best !== null && best.profit > 0n && underTarget(best, target)) return false;
  const limit = BigInt(Math.max(0, remaining) >> 2);
  const level = best === null ? 0 : Number(best.profit);
  for (const x of [crest + limit + 1n, crest - limit]) {
    const p = x < 1n ? null : evaluate(hops, x);
    if (p === null) continue;
    if (!underTarget(p, target)) return true;
    // Concave: the real profit falls by at most |rate - 1| per input between the crest and x.
    const kept = level - Math.abs(ratioValue(p.bound.rate) - 1) * Number(limit);
    if (kept + Number(p.bound.slack) >= Number(target)) return true;
  }
  const reaches = (x: bigint) => {
    if (x < 1n) return false;
    const p = evaluate(hops, x);
    return p !== null && !underTarget(p, target);
  };
  /** How far from `from` (up to the limit) the inputs keep reaching the target, stepping by `sign`. */
  const extent = (from: bigint, sign: bigint): bigint => {
    let inside = 0n;
    let outside = 1n;
    while (outside <= limit && reaches(from + sign * outside)) {
      inside = outside;
      outside *= 2n;
    }
    if (outside > limit) return limit + 1n;
    while (outside - inside > 1n) {
      const mid = (inside + outside) / 2n;
      if (reaches(from + sign * mid)) inside = mid;
      else outside = mid;
    }
    return inside;
  };
  const right = extent(crest + 1n, 1n);
  return right > limit || right + extent(crest, -1n) > limit;
}

/**
 * A point y left of the crest below which no input earns more than the crest point `top` does, or null. The real
 * profit G (concave, at least the exact profit, at most exact + slack: what each hop's bound stands on) rises from y
 * when G(top) >= G(y), since its slope at y is at least the chord's to `top`; then G(x) <= G(y) for every x <= y,
 * and G(y) <= profit(y) + slack(y) <= profit(top) <= the best found. So one route at y settles all of [0, y]; the
 * tangents of the branch and bound need only cover y..crest, instead of halving their way from 0 (a dozen routes).
 * y is placed where a parabola through the rate bound at the route's start (`start`, its input 0 or 1) falls by a
 * few slacks below the crest. Exported for tests.
 */
export function leftCut(
  hops: readonly ExactHop[],
  start: Point,
  top: Point,
): { point: Point | null; evaluations: number } | null {
  const gain = ratioValue(start.bound.rate) - 1;
  if (!(gain > 0) || top.x < 4n) return null;
  const distance = Math.ceil(Math.sqrt((8 * (Number(top.bound.slack) + 1) * Number(top.x)) / gain));
  if (!Number.isFinite(distance)) return null;
  let d = BigInt(distance);
  let evaluations = 0;
  for (let k = 0; k < 3 && d < top.x - 1n; k++, d *= 4n) {
    const p = evaluate(hops, top.x - d);
    evaluations++;
    if (p === null) break;
    if (p.bound.slackAtMost(top.profit - p.profit)) return { point: p, evaluations };
  }
  return { point: null, evaluations };
}

const targetFor = (best: bigint) => (best <= 0n ? 1n : (best * PPM) / (PPM - 1n) + 1n);

/**
 * What one search settles: the best trade (proven optimal, within 1e-6, or unproven), null when it proved that no
 * input profits, or "undecided" when it found no profitable input but could not prove there is none within its budget
 * (the scanner counts such cycles, as it counts unproven sizes: nothing is reported for them, and nothing is known).
 */
export type SearchResult = SizedTrade | null | "undecided";

/** The best input of a cycle through `hops` (starting and ending in the same token); see SearchResult. */
export function searchTrade(hops: readonly ExactHop[], budget = DEFAULT_SEARCH_BUDGET): SearchResult {
  const zero = evaluate(hops, 0n);
  // The real-valued route is concave with F(0) = 0: a marginal rate at most 1 at zero means F(x) <= x for all x,
  // and the exact route never exceeds F.
  if (zero === null || !zero.bound.rising()) return null;
  let evaluations = 0;
  let best: Point | null = null;
  const consider = (p: Point | null) => {
    if (p !== null && (best === null || p.profit > best.profit)) best = p;
    return p;
  };
  const at = (x: bigint) => {
    evaluations++;
    return consider(evaluate(hops, x));
  };
  const rising = (p: Point | null) => p !== null && p.bound.rising();

  // 1. The crest: where the route's rate bound falls to 1, bracketed (from the float guess, or by steps of 16x from
  // 1 without one), then narrowed by the secant
  // of 1/sqrt(rate), which is linear in the input for a V2 pair and for a V3 pool within one range (so one or two
  // steps land next to it), halving instead when a step gains too little. The bracket is narrowed to one input, or
  // to a millionth of its position when its right end quotes: the proof covers what lies between.
  let lo = 0n;
  let loPoint: Point = zero;
  let hi = 1n;
  let hiPoint: Point | null;
  const guess = floatCrest(hops);
  if (guess !== null) {
    // The hops' float curves put the crest near `guess` (exactly, for a V2 cycle; for a V3 pool while the trade
    // stays in its current range): bracket it by a step of the bracket's final width on the side the rate bound
    // points to, four times longer each time it still points on, so a good guess costs two routes. Only where to
    // look depends on it, never what is found or proven.
    const start = at(guess);
    let step = guess >> CREST_PRECISION_BITS > 0n ? guess >> CREST_PRECISION_BITS : 1n;
    // Where the guess is off (a V3 trade crossing ticks), the first step goes about as far as the secant of
    // 1/sqrt(rate) between 0 and the guess puts the crest from it, a quarter beyond: one step instead of many.
    if (start !== null) {
      const u0 = sqrtInverse(zero.bound.rate) - 1;
      const t = u0 / (u0 - (sqrtInverse(start.bound.rate) - 1));
      const far = Math.abs(1 - t) * Number(guess) * 1.25;
      if (Number.isFinite(far) && far > Number(step) && far < Number(guess) * 4) step = BigInt(Math.ceil(far));
    }
    if (rising(start)) {
      lo = guess;
      loPoint = start!;
      hi = lo + step;
      hiPoint = at(hi);
      for (let k = 0; k < MAX_DOUBLINGS && rising(hiPoint); k++) {
        lo = hi;
        loPoint = hiPoint!;
        step *= 4n;
        hi = lo + step;
        hiPoint = at(hi);
      }
    } else {
      hi = guess;
      hiPoint = start;
      for (let k = 0; k < MAX_DOUBLINGS && hi - step > 0n; k++, step *= 4n) {
        const p = at(hi - step);
        if (rising(p)) {
          lo = hi - step;
          loPoint = p!;
          break;
        }
        hi -= step;
        hiPoint = p;
      }
    }
  } else {
    hiPoint = at(hi);
    for (let k = 0; k < MAX_DOUBLINGS && rising(hiPoint); k++) {
      lo = hi;
      loPoint = hiPoint!;
      hi *= GROWTH;
      hiPoint = at(hi);
    }
  }
  /** Places x (priced as p) at the bracket's end on its side of the crest; true when it rises (the low end). */
  const place = (x: bigint, p: Point | null): boolean => {
    if (rising(p)) {
      lo = x;
      loPoint = p!;
      return true;
    }
    hi = x;
    hiPoint = p;
    return false;
  };
  let halve = false;
  while (hi - lo > 1n && (hiPoint === null || hi - lo > lo >> CREST_PRECISION_BITS)) {
    const width = hi - lo;
    const secant = !halve && hiPoint !== null;
    let mid = lo + width / 2n;
    if (secant) {
      const ul = sqrtInverse(loPoint.bound.rate) - 1;
      const uh = sqrtInverse(hiPoint!.bound.rate) - 1;
      const t = ul / (ul - uh);
      if (t > 0 && t < 1) mid = lo + BigInt(Math.floor(t * Number(width)));
      if (mid <= lo) mid = lo + 1n;
      if (mid >= hi) mid = hi - 1n;
    }
    const landedLow = place(mid, at(mid));
    // The secant is exact where the route is linear in 1/sqrt(rate) (a V2 pair; a V3 pool within one range), so its
    // point is often next to the crest, but it moves one end of the bracket only: one route just across the point,
    // inside the width the bracket stops at, closes it then (the devnet's blocks: 4.0 routes a search to narrow the
    // bracket instead of 7.2).
    if (secant) {
      const reach = mid >> (CREST_PRECISION_BITS + 1n) || 1n;
      const across = landedLow ? mid + reach : mid - reach;
      if (across > lo && across < hi) place(across, at(across));
    }
    // A secant step that did not halve the bracket is followed by a halving, so it always shrinks geometrically.
    halve = !halve && hi - lo > width / 2n;
  }
  const crest = lo;
  // Past the crest: its rate bound is at most 1. Between crest and it (when the bracket stopped wider than one
  // input) the route may still climb: that interval goes to the proof with its own bound.
  const after = hiPoint;
  const climbing: [Point, bigint] | null = hi - lo > 1n ? [loPoint, hi - 1n] : null;

  // 2. The proof. Past the crest the rate bound is at most 1, so profit(x) <= profit(a) + slack(a) for all x >= a.
  let unproven = hopeless(hops, crest, budget - evaluations, best);
  const stack: [Point, bigint][] = [];
  if (unproven) {
    // No proof within the budget: the best input found on the way to the crest stands, unproven.
  } else if (after === null) {
    // The walk left the known state while the route still gained: a better input may lie beyond what can be quoted.
    unproven = true;
  } else {
    let tail = after;
    let step = crest > 0n ? crest : 1n;
    while (!underTarget(tail, targetFor(best!.profit))) {
      const next = evaluate(hops, tail.x + step);
      evaluations++;
      consider(next);
      if (next === null || evaluations > budget) {
        unproven = true;
        break;
      }
      stack.push([tail, next.x - 1n]);
      tail = next;
      step *= 2n;
    }
  }
  if (crest > 0n) {
    const cut = unproven ? null : leftCut(hops, zero, loPoint);
    evaluations += cut?.evaluations ?? 0;
    if (cut?.point) consider(cut.point);
    // Below the cut nothing reaches the crest's profit (see leftCut): the proof covers the cut to the crest only.
    // Without one it covers all from no input at all, where the route is known exactly (no route priced at 1).
    stack.push([cut?.point ?? zero, crest]);
  }
  if (climbing !== null) stack.push(climbing);

  while (!unproven && stack.length > 0) {
    const [p, end] = stack.pop()!;
    consider(p);
    const target = targetFor(best!.profit);
    if (intervalUnder(p, end, target)) continue;
    if (end - p.x <= LEAF) {
      for (let x = p.x + 1n; x <= end; x++) at(x);
    } else {
      const mid = (p.x + end) / 2n;
      const right = at(mid + 1n);
      if (right === null) {
        unproven = true;
        break;
      }
      stack.push([p, mid], [right, end]);
    }
    if (evaluations > budget) unproven = true;
  }

  const found = best as Point | null;
  if (found === null || found.profit <= 0n) return unproven ? "undecided" : null;
  const target = targetFor(found.profit);
  return {
    amountIn: found.x,
    amountOut: found.out,
    profit: found.profit,
    optimality: unproven ? "unproven" : target === found.profit + 1n ? "exact" : "ppm",
  };
}
