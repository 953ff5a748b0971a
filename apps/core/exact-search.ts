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
import type { SizedTrade } from "./sized-trade.ts";

/** Relative tolerance of the contract: one part in a million of the optimum profit. */
const PPM = 1_000_000n;
/** Most exact route evaluations one proof may use (the search for the crest costs about 2*log2 of the size more). */
export const DEFAULT_SEARCH_BUDGET = 4096;
/** Intervals at most this wide are priced point by point rather than split. */
const LEAF = 8n;
/** Inputs are searched below 2^MAX_DOUBLINGS; far beyond any token supply. */
const MAX_DOUBLINGS = 200;

interface Point {
  x: bigint;
  out: bigint;
  profit: bigint;
  /** Rate bound of the route at x. */
  rate: Ratio;
  /** Slack of the route at x, already rounded up to an integer. */
  slack: bigint;
}

function ceilDiv(num: bigint, den: bigint): bigint {
  return num >= 0n ? (num + den - 1n) / den : -(-num / den);
}

function quoteApart(hop: ExactHop, amount: bigint): { out: bigint; bound: HopBound } | null {
  const out = hop.out(amount);
  return out === null ? null : { out, bound: hop.bound(amount) };
}

/** The route at input x with its composed bound, or null where a hop cannot quote it. */
function evaluate(hops: readonly ExactHop[], x: bigint): Point | null {
  let amount = x;
  let rate: Ratio = { num: 1n, den: 1n };
  let slack: Ratio = { num: 0n, den: 1n };
  for (const hop of hops) {
    const q = hop.quote ? hop.quote(amount) : quoteApart(hop, amount);
    if (q === null) return null;
    const { out: next, bound: b } = q;
    // A later hop multiplies what an earlier one may add: C' = C*r + s, R' = R*r.
    slack = { num: slack.num * b.rate.num + b.slack * slack.den * b.rate.den, den: slack.den * b.rate.den };
    rate = { num: rate.num * b.rate.num, den: rate.den * b.rate.den };
    amount = next;
  }
  return { x, out: amount, profit: amount - x, rate, slack: ceilDiv(slack.num, slack.den) };
}

/** The bound on profit over [p.x, hi]. */
function intervalBound(p: Point, hi: bigint): bigint {
  const excess = p.rate.num - p.rate.den;
  const climb = excess > 0n ? ceilDiv(excess * (hi - p.x), p.rate.den) : 0n;
  return p.profit + climb + p.slack;
}

/**
 * Whether no proof fits the budget: an interval is dropped only where profit + slack stays under the target, so
 * every input where it does not must be priced one by one. When that holds `budget` inputs to one side of the crest
 * (the slack of a hop out of a coarse token, or into one, can be worth far more than a millionth of a small profit),
 * the proof would price more than the budget: better to say unproven at once than to spend the budget.
 */
function hopeless(hops: readonly ExactHop[], crest: bigint, budget: number, best: Point | null): boolean {
  // Without a profit found yet a proof is the only way to say whether any input profits: never give up on it.
  if (best === null || best.profit <= 0n) return false;
  const target = targetFor(best.profit);
  const reaches = (x: bigint) => {
    const p = evaluate(hops, x);
    return p !== null && p.profit + p.slack >= target;
  };
  // Either side alone: the route's real-valued profit is concave about the crest and the exact one stays within
  // the slack of it, so reaching the target `span` inputs away means (all but) reaching it everywhere between.
  const span = BigInt(budget);
  return reaches(crest + 1n + span) || (crest > span && reaches(crest - span));
}

const targetFor = (best: bigint) => (best <= 0n ? 1n : (best * PPM) / (PPM - 1n) + 1n);

/** The best input of a cycle through `hops` (starting and ending in the same token), or null if none profits. */
export function searchTrade(hops: readonly ExactHop[], budget = DEFAULT_SEARCH_BUDGET): SizedTrade | null {
  const zero = evaluate(hops, 0n);
  // The real-valued route is concave with F(0) = 0: a marginal rate at most 1 at zero means F(x) <= x for all x,
  // and the exact route never exceeds F.
  if (zero === null || zero.rate.num <= zero.rate.den) return null;
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
  const rising = (p: Point | null) => p !== null && p.rate.num > p.rate.den;

  // 1. The crest: the last input at which the route's rate bound is still above 1 (doubling, then bisection).
  let lo = 0n;
  let hi = 1n;
  for (let k = 0; k < MAX_DOUBLINGS && rising(at(hi)); k++) {
    lo = hi;
    hi *= 2n;
  }
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    if (rising(at(mid))) lo = mid;
    else hi = mid;
  }
  const crest = lo;
  if (crest > 0n) at(crest);
  const after = at(crest + 1n);

  // 2. The proof. Past the crest the rate bound is at most 1, so profit(x) <= profit(a) + slack(a) for all x >= a.
  let unproven = hopeless(hops, crest, budget, best);
  const stack: [Point, bigint][] = [];
  if (unproven) {
    // No proof within the budget: the best input found on the way to the crest stands, unproven.
  } else if (after === null) {
    // The walk left the known state while the route still gained: a better input may lie beyond what can be quoted.
    unproven = true;
  } else {
    let tail = after;
    let step = crest > 0n ? crest : 1n;
    while (tail.profit + tail.slack >= targetFor(best!.profit)) {
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
  const first = crest > 0n ? evaluate(hops, 1n) : null;
  if (first !== null) stack.push([first, crest]);

  while (!unproven && stack.length > 0) {
    const [p, end] = stack.pop()!;
    consider(p);
    const target = targetFor(best!.profit);
    if (intervalBound(p, end) < target) continue;
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
  if (found === null || found.profit <= 0n) return null;
  const target = targetFor(found.profit);
  return {
    amountIn: found.x,
    amountOut: found.out,
    profit: found.profit,
    optimality: unproven ? "unproven" : target === found.profit + 1n ? "exact" : "ppm",
  };
}
