import { FloatHops } from "./float-hops.ts";
import type { Hop } from "./pool.ts";

/**
 * A float64 upper bound on a split point's exact value tail(y) - headInverse(y) (sizing.ts), so the proof can pass
 * over the many integers of a window that certainly cannot beat the best found without any bigint work. The window
 * of a cycle through a token with coarse units is wide (its floors make the real-valued bound loose) and most of its
 * integers lose a good part of a coarse unit; each one costs a few float operations here instead of a dozen bigint
 * divisions. It only ever rules a candidate out, never in: anything it cannot bound is sized exactly.
 *
 * Rigour: each float operation rounds by at most 2^-53 relatively. A forward hop out = floor(x*k*Rout / (Rin*1e4 +
 * x*k)) takes at most 7 roundings (two reserve conversions, five operations), so its quotient is inflated by
 * FORWARD_MARGIN (far above 7 * 2^-53) before the floor: with an input at or above the true one, the output is at or
 * above the true one, because a hop is monotone. An inverse hop x = ceil(out*Rin*1e4 / ((Rout - out)*k)) also divides
 * by Rout - out, whose relative error grows as out nears Rout; the bound gives up (Infinity) unless Rout - out keeps at
 * least 2^-10 of Rout, which caps that error near 2^-43, and the quotient is deflated by INVERSE_MARGIN before the
 * ceiling, so the input found is at or below the true one.
 */
const FORWARD_MARGIN = 1 + 1e-14;
const INVERSE_MARGIN = 1 - 1e-12;
const INVERSE_HEADROOM = 2 ** -10;
/** Integers up to 2^53 are exact in a float64: the split point y must be one for the screen to apply. */
export const SCREEN_LIMIT = 2n ** 53n;

export class ValueScreen {
  /** Screens the cycle `hops` split after hop `split` (head: hops before it, tail: from it on); reads them as they are. */
  constructor(
    private readonly hops: FloatHops,
    private readonly split: number,
  ) {}

  static of(head: readonly Hop[], tail: readonly Hop[]): ValueScreen {
    return new ValueScreen(FloatHops.of([...head, ...tail]), head.length);
  }

  /**
   * Index k of the first of the `count` split points from, from + step, from + 2*step, ... that `cannotBeat` does not
   * rule out, or `count` when it rules them all out: the search screens a run of points in one call.
   */
  firstOpen(from: number, step: number, count: number, best: number): number {
    for (let k = 0; k < count; k++) if (!this.cannotBeat(from + k * step, best)) return k;
    return count;
  }

  /**
   * True only when the exact value at split point `y` (an integer below SCREEN_LIMIT) certainly does not exceed `best`.
   * `best` must be a float at or below the value to beat (see `lowerBound`).
   */
  cannotBeat(y: number, best: number): boolean {
    const { reserveIn, reserveOut, keep, length } = this.hops;
    // outputAbove and differenceAbove, written out: this runs for hundreds of thousands of points per scan, and two
    // calls per point cost a sixth of the screen in a process that compiles without inlining (`orion scan`).
    let out = y;
    for (let i = this.split; i < length; i++) {
      // The exact hop pays nothing for nothing, or from an empty pool; and nothing after that.
      if (!(out > 0) || !(reserveIn[i]! > 0) || !(reserveOut[i]! > 0)) {
        out = 0;
        break;
      }
      const withFee = out * keep[i]!;
      out = Math.floor(((withFee * reserveOut[i]!) / (reserveIn[i]! * 10_000 + withFee)) * FORWARD_MARGIN);
      if (!Number.isFinite(out)) return false;
    }
    let cost = y;
    for (let i = this.split - 1; i >= 0; i--) {
      const room = reserveOut[i]! - cost;
      if (!(room >= reserveOut[i]! * INVERSE_HEADROOM) || !(keep[i]! > 0)) return false;
      cost = Math.ceil(((cost * reserveIn[i]! * 10_000) / (room * keep[i]!)) * INVERSE_MARGIN);
    }
    if (!Number.isFinite(out) || !Number.isFinite(cost)) return false;
    // Both are integers; below 2^53 their difference is exact, above it the subtraction rounds: allow for that.
    const exact = out < EXACT && cost < EXACT;
    const bound = exact ? out - cost : out - cost + (Math.abs(out) + Math.abs(cost)) * 2 ** -51 + 1;
    return bound <= best;
  }
}

/**
 * A float at or above the exact output of hops from..to-1 for an input of `amount`, when `amount` (a float) is at or
 * above the true input; Infinity when floats cannot bound it. Float-first sizing also uses it, to skip pricing a route
 * whose profit certainly falls short of its proof.
 */
export function outputAbove(hops: FloatHops, from: number, to: number, amount: number): number {
  const { reserveIn, reserveOut, keep } = hops;
  let out = amount;
  for (let i = from; i < to; i++) {
    // The exact hop pays nothing for nothing, or from an empty pool; and nothing after that.
    if (!(out > 0) || !(reserveIn[i]! > 0) || !(reserveOut[i]! > 0)) return 0;
    const withFee = out * keep[i]!;
    out = Math.floor(((withFee * reserveOut[i]!) / (reserveIn[i]! * 10_000 + withFee)) * FORWARD_MARGIN);
    if (!Number.isFinite(out)) return Infinity;
  }
  return out;
}

/** A float at or above a - b for integer-valued floats a and b: exact below 2^53, above it the subtraction rounds. */
export function differenceAbove(a: number, b: number): number {
  return a < EXACT && b < EXACT ? a - b : a - b + (Math.abs(a) + Math.abs(b)) * 2 ** -51 + 1;
}

const EXACT = 2 ** 53;

/** A float at or below the bigint `v`: `v` itself below 2^53; above, one step down past the conversion's rounding. */
export function lowerBound(v: bigint): number {
  const f = Number(v);
  return Math.abs(f) < EXACT ? f : f - Math.abs(f) * 2 ** -52 - 1;
}

/** A float at or above the bigint `v` (the mirror of `lowerBound`). */
export function upperBound(v: bigint): number {
  const f = Number(v);
  return Math.abs(f) < EXACT ? f : f + Math.abs(f) * 2 ** -52 + 1;
}
