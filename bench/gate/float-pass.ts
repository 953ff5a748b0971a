import type { CycleIndex, Pool } from "../../apps/core/index.ts";

/**
 * The yardstick of the scan gate: the cheapest possible look at every cycle, one float64 product of marginal rates
 * per cycle and nothing else (no prefilter bookkeeping, no bigint work). The scanner's time per cycle over this one's
 * stays put across machines; a change that makes the scan slower moves it.
 */
export class FloatPass {
  private readonly rate: Float64Array;

  constructor(
    private readonly index: CycleIndex,
    pools: readonly Pool[],
  ) {
    this.rate = new Float64Array(2 * pools.length);
    pools.forEach((p, i) => this.update(i, p.reserve0, p.reserve1, p.feeBps));
  }

  /** Re-prices pool `i` (the index of its edges 2i and 2i+1). */
  update(i: number, reserve0: bigint, reserve1: bigint, feeBps: number): void {
    const r0 = Number(reserve0);
    const r1 = Number(reserve1);
    const keep = (10_000 - feeBps) / 10_000;
    this.rate[2 * i] = r0 > 0 && r1 > 0 ? (keep * r1) / r0 : 0;
    this.rate[2 * i + 1] = r0 > 0 && r1 > 0 ? (keep * r0) / r1 : 0;
  }

  /** Cycles whose rate product is at least 1 (returned so the loop cannot be optimised away). */
  run(): number {
    const { edges, stride, hops, cycleCount } = this.index;
    const rate = this.rate;
    let above = 0;
    for (let c = 0; c < cycleCount; c++) {
      const at = c * stride;
      let rho = rate[edges[at]!]! * rate[edges[at + 1]!]!;
      for (let h = 2; h < hops[c]!; h++) rho *= rate[edges[at + h]!]!;
      if (rho >= 1) above++;
    }
    return above;
  }
}
