import type { Hop } from "./pool.ts";

/** Longest route a scanner's scratch holds (the cycle index's limit). */
const MAX_ROUTE = 4;

/**
 * A route's hops as float64s: each reserve converted once (Number(bigint) was a good share of a cycle's float work)
 * and held in typed arrays that a scanner fills for every cycle it sizes, so sizing allocates nothing for them.
 */
export class FloatHops {
  readonly reserveIn: Float64Array;
  readonly reserveOut: Float64Array;
  readonly feeBps: Float64Array;
  /** 10000 - feeBps. */
  readonly keep: Float64Array;
  length = 0;

  constructor(capacity = MAX_ROUTE) {
    this.reserveIn = new Float64Array(capacity);
    this.reserveOut = new Float64Array(capacity);
    this.feeBps = new Float64Array(capacity);
    this.keep = new Float64Array(capacity);
  }

  /** A new one holding `hops` (for callers that size one route; a scanner reuses one and calls `set`). */
  static of(hops: readonly Hop[]): FloatHops {
    const floats = new FloatHops(Math.max(MAX_ROUTE, hops.length));
    floats.length = hops.length;
    hops.forEach((hop, i) => floats.set(i, Number(hop.reserveIn), Number(hop.reserveOut), hop.feeBps));
    return floats;
  }

  /** Hop i: its reserves exactly as Number() converts the bigints (the proofs' error bounds assume that rounding). */
  set(i: number, reserveIn: number, reserveOut: number, feeBps: number): void {
    this.reserveIn[i] = reserveIn;
    this.reserveOut[i] = reserveOut;
    this.feeBps[i] = feeBps;
    this.keep[i] = 10_000 - feeBps;
  }
}
