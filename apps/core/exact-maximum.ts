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
   * Optional float64 pre-check, for y below 2^53: true only when value(y) certainly does not exceed `best` (a float at
   * or below the value to beat). Lets the search pass over hopeless points without bigint work.
   */
  cannotBeat?(y: number, best: number): boolean;
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
  for (let d = -1; d <= 1; d++) walk.visit(d, 0n);
  // Points seed+left .. seed+right (offsets) are known to be worth at most the best.
  let left = -1;
  let right = 1;
  let examined = 3;
  for (;;) {
    const target = (walk.bestValue * PPM) / (PPM - 1n) + 1n;
    const window = objective.window(target);
    if (window === null) return walk.result(target === walk.bestValue + 1n ? "exact" : "ppm", examined);
    const lo = offset(window.lo - walk.seed);
    const hi = offset(window.hi - walk.seed);
    // Points between the known interval and the window cannot reach this target, nor any later (higher) one.
    if (right < lo - 1) right = lo - 1;
    if (left > hi + 1) left = hi + 1;
    walk.useScreen(window.lo >= 0n && window.hi < SCREEN_LIMIT);
    let reached = false;
    while (!reached) {
      const goRight = right < hi;
      const goLeft = left > lo;
      if (!goRight && !goLeft) return walk.result(target === walk.bestValue + 1n ? "exact" : "ppm", examined);
      if (goRight) {
        if (++examined > budget) return walk.result("unproven", examined);
        reached = walk.visit(++right, target);
      }
      if (goLeft && !reached) {
        if (++examined > budget) return walk.result("unproven", examined);
        reached = walk.visit(--left, target);
      }
    }
  }
}

/** The best point of one search (a class, not closures: the walk's inner loop runs millions of times per scan). */
class Walk {
  readonly seed: bigint;
  bestY = 0n;
  bestValue = 0n;
  private readonly seedFloat: number;
  private screen = false;
  private floor = 0;

  constructor(private readonly objective: SplitObjective) {
    this.seed = objective.seed;
    this.seedFloat = Number(this.seed);
  }

  /** The screen needs every point and the seed exact in a float64. */
  useScreen(windowFits: boolean): void {
    this.screen =
      windowFits && this.objective.cannotBeat !== undefined && this.seed > -SCREEN_LIMIT && this.seed < SCREEN_LIMIT;
    this.floor = lowerBound(this.bestValue);
  }

  /** Prices the point at offset d from the seed; true when it reaches `target`. */
  visit(d: number, target: bigint): boolean {
    if (this.screen && this.objective.cannotBeat!(this.seedFloat + d, this.floor)) return false;
    const y = this.seed + BigInt(d);
    const v = this.objective.value(y);
    if (v === null || v <= this.bestValue) return false;
    this.bestY = y;
    this.bestValue = v;
    this.floor = lowerBound(v);
    return v >= target;
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
