/**
 * The integer maximum of a cycle's exact profit, with its proof: the part of sizing that does not depend on the pool
 * type. A cycle is handed over as a split objective (below): its exact integer value at any split point, a real-valued
 * relaxation that says where a value could still reach a target, and where that relaxation peaks. Uniswap-V2 cycles
 * build one in sizing.ts; any pool whose exact output is monotone and has such a relaxation can build its own.
 */
import type { Optimality } from "./sized-trade.ts";
import { lowerBound, SCREEN_LIMIT } from "./value-screen.ts";

export interface SplitObjective {
  /** Exact value at split point y (what the cycle earns when it routes y through the split token), null if none. */
  value(y: bigint): bigint | null;
  /**
   * The integers y (a superset is fine) whose exact value could reach `target`, or null when none can. A higher
   * target must give a window inside the real-valued set of a lower one (any relaxation that only ever over-estimates
   * the exact value does).
   */
  window(target: bigint): { lo: bigint; hi: bigint } | null;
  /** Where the relaxation peaks: the search starts here and works outwards. */
  seed: bigint;
  /**
   * Optional float64 pre-check over a run of split points y = from + k*step (k = 0..count-1, step 1 or -1, every y
   * in 0..2^53): the first k whose value(y) might exceed `best` (a float at or below the value to beat), or `count`
   * when none can. Lets the search pass over hopeless points without bigint work, a run at a time.
   */
  screen?(from: number, step: number, count: number, best: number): number;
}

export interface ExactMaximum {
  /** The split point found (0 when nothing is profitable) and its exact value. */
  y: bigint;
  value: bigint;
  optimality: Optimality;
  /** Split points looked at (priced exactly or screened out). */
  examined: number;
}

/** Relative tolerance of the contract: one part in a million of the optimum profit. */
const PPM = 1_000_000n;
/** Offsets from the seed are floats: the search never walks further than its budget, far below 2^53. */
const FAR = 2 ** 53;

/**
 * The best split point of `objective` and the proof that nothing beats it by more than one part in a million.
 *
 * Search and proof are one outward walk from the seed. The walk keeps one interval around the seed in which every
 * point is known to be worth at most the best found; each round asks the relaxation for the window where a point
 * could still be worth the target t (the smallest value that would show the best is more than 1e-6 short, or best + 1
 * for dust), and extends the interval alternately right and left within that window. The first point that reaches t
 * ends the round: t rises, the window shrinks, and the points already passed stay passed. When the interval covers
 * the window without reaching t, the optimum is below t, which is the proof.
 *
 * Why outward: the relaxation is concave and peaks at the seed, so the points that can reach t cluster there; a
 * window of a million integers (a cycle through a token whose base unit is worth about one unit of the start token,
 * with a flat profit curve) usually holds a better point within a few dozen steps of its peak, after which the next
 * window is empty. A left-to-right sweep paid for the whole window every round. Cost: the rounds' windows are nested,
 * so no point is looked at twice; `budget` caps the points looked at, and running out leaves the best found labelled
 * "unproven".
 */
export function maximiseExactly(objective: SplitObjective, budget: number): ExactMaximum {
  const walk = new Walk(objective);
  for (let d = -1; d <= 1; d++) walk.price(d, 0n);
  // Points seed+left .. seed+right (offsets) are known to be worth at most the best.
  let left = -1;
  let right = 1;
  let examined = 3;
  for (;;) {
    const target = (walk.bestValue * PPM) / (PPM - 1n) + 1n;
    const proven = () => walk.result(target === walk.bestValue + 1n ? "exact" : "ppm", examined);
    const window = objective.window(target);
    if (window === null) return proven();
    const lo = offset(window.lo - walk.seed);
    const hi = offset(window.hi - walk.seed);
    // Points between the known interval and the window cannot reach this target, nor any later (higher) one.
    if (right < lo - 1) right = lo - 1;
    if (left > hi + 1) left = hi + 1;
    const screened = walk.useScreen(window.lo >= 0n && window.hi < SCREEN_LIMIT);
    let reached = false;
    let leftFirst = false;
    while (!reached) {
      const goRight = right < hi;
      const goLeft = left > lo;
      if (!goRight && !goLeft) return proven();
      if (screened) {
        // The same walk, a run of screened points at a time (see `nextOpen`): only the points the screen cannot rule
        // out are priced, in the order the walk below would reach them, and the count is what it would be.
        const next = walk.nextOpen(right, left, hi, lo, budget - examined, leftFirst);
        if (next === null) return walk.result("unproven", budget + 1);
        examined += next.steps;
        if (next.offset !== null) {
          reached = walk.price(next.offset, target);
          // After a right point the walk goes on with the left one of the same pair.
          leftFirst = next.offset > right;
        }
        right = next.right;
        left = next.left;
        continue;
      }
      if (goRight) {
        if (++examined > budget) return walk.result("unproven", examined);
        reached = walk.price(++right, target);
      }
      if (goLeft && !reached) {
        if (++examined > budget) return walk.result("unproven", examined);
        reached = walk.price(--left, target);
      }
    }
  }
}

/** Longest run one screen call covers at first; runs double while nothing passes, up to MAX_RUN. */
const FIRST_RUN = 16;
const MAX_RUN = 4096;

/** The best point of one search (a class, not closures: the walk's inner loop runs millions of times per scan). */
class Walk {
  readonly seed: bigint;
  bestY = 0n;
  bestValue = 0n;
  private readonly seedFloat: number;
  private screening = false;
  private floor = 0;
  private run = FIRST_RUN;

  constructor(private readonly objective: SplitObjective) {
    this.seed = objective.seed;
    this.seedFloat = Number(this.seed);
  }

  /** The screen needs every point and the seed exact in a float64. True when it is used this round. */
  useScreen(windowFits: boolean): boolean {
    this.screening =
      windowFits && this.objective.screen !== undefined && this.seed > -SCREEN_LIMIT && this.seed < SCREEN_LIMIT;
    this.floor = lowerBound(this.bestValue);
    this.run = FIRST_RUN;
    return this.screening;
  }

  /** Prices the point at offset d exactly; true when it reaches `target`. */
  price(d: number, target: bigint): boolean {
    const y = this.seed + BigInt(d);
    const v = this.objective.value(y);
    if (v === null || v <= this.bestValue) return false;
    this.bestY = y;
    this.bestValue = v;
    this.floor = lowerBound(v);
    return v >= target;
  }

  /**
   * Where the outward walk goes next. From the known interval left..right it visits right+1, left-1, right+2,
   * left-2, ... (a side stops at its window edge hi / lo; after a right point was priced the order resumes on the
   * left: `leftFirst`), one examined point each. This finds, by screening runs of points on each side with the
   * current best, the first of that order the screen does not rule out: `offset`, with `steps` (the points the walk
   * examines up to and including it) and where right and left then stand. With no such point within a run, `offset`
   * is null and the interval has moved past the run. Null when the walk would run out of its `remaining` budget
   * first. The best does not change between priced points, so the screen decides each point as the one-at-a-time
   * walk would, and the walk prices the same points in the same order.
   */
  nextOpen(
    right: number,
    left: number,
    hi: number,
    lo: number,
    remaining: number,
    leftFirst: boolean,
  ): { offset: number | null; steps: number; right: number; left: number } | null {
    // Side A is visited first of each pair (its j-th point before side B's j-th), B second.
    const aStep = leftFirst ? -1 : 1;
    const aFrom = leftFirst ? left : right;
    const bFrom = leftFirst ? right : left;
    const onA = Math.max(0, leftFirst ? left - lo : hi - right);
    const onB = Math.max(0, leftFirst ? hi - right : left - lo);
    const run = this.run;
    const aRun = Math.min(run, onA);
    const ja = aRun > 0 ? this.firstOpen(aFrom + aStep, aStep, aRun) + 1 : Infinity;
    const foundA = ja <= aRun;
    // Side B's points at or after A's candidate come later in the order: no need to screen them now.
    const bRun = Math.min(foundA ? ja - 1 : run, onB);
    const jb = bRun > 0 ? this.firstOpen(bFrom - aStep, -aStep, bRun) + 1 : Infinity;
    const foundB = jb <= bRun;
    let aSteps: number;
    let bSteps: number;
    let offset: number | null = null;
    if (foundB) {
      aSteps = Math.min(jb, onA);
      bSteps = jb;
      offset = bFrom - aStep * jb;
    } else if (foundA) {
      aSteps = ja;
      bSteps = Math.min(ja - 1, onB);
      offset = aFrom + aStep * ja;
    } else {
      // Nothing open within the run on either side: both move past it (whole pairs, so the order stays).
      const j = Math.max(aRun, bRun);
      aSteps = Math.min(j, onA);
      bSteps = Math.min(j, onB);
    }
    const steps = aSteps + bSteps;
    if (steps > remaining) return null;
    this.run = offset === null ? Math.min(2 * run, MAX_RUN) : FIRST_RUN;
    const rightSteps = leftFirst ? bSteps : aSteps;
    const leftSteps = leftFirst ? aSteps : bSteps;
    return { offset, steps, right: right + rightSteps, left: left - leftSteps };
  }

  /** The first k < count for which the point at offset from + k*step may beat the best, else count. */
  private firstOpen(from: number, step: number, count: number): number {
    return this.objective.screen!(this.seedFloat + from, step, count, this.floor);
  }

  result(optimality: Optimality, examined: number): ExactMaximum {
    return { y: this.bestY, value: this.bestValue, optimality, examined };
  }
}

/** A window edge as an offset from the seed, clamped where the walk can never get to. */
function offset(d: bigint): number {
  if (d > BigInt(FAR)) return FAR;
  if (d < -BigInt(FAR)) return -FAR;
  return Number(d);
}
