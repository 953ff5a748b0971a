import type { CycleIndex } from "./cycle-index.ts";
import type { MarketState } from "./market-state.ts";
import type { Hop } from "./pool.ts";
import type { SizedTrade } from "./sizing.ts";
import { DEFAULT_SIZING_BUDGET } from "./sizing.ts";
import { V2CycleSizer } from "./v2-cycle-sizer.ts";

/**
 * Float rates carry a relative error of a few ulps per hop; below this product a cycle's exact marginal rate is
 * certainly under 1, so no input can be profitable. Anything at or above goes to the exact integer check.
 */
export const RATE_FLOOR = 1 - 1e-12;
/** Headroom on the float profit bound, far above its rounding error, so the float test only rejects, never decides. */
const BOUND_SLACK = 1 + 1e-9;

/** Sizes one cycle of the index against the current market state. */
export class CycleEvaluator {
  private readonly minProfitFloat: number;
  private readonly v2: V2CycleSizer;

  constructor(
    private readonly state: MarketState,
    private readonly index: CycleIndex,
    readonly minProfit: bigint,
    private readonly sizingBudget = DEFAULT_SIZING_BUDGET,
  ) {
    this.minProfitFloat = Number(minProfit);
    this.v2 = new V2CycleSizer(state, index, sizingBudget);
  }

  /**
   * The float prefilter: false only when cycle `c` certainly cannot clear minProfit. Costs two or three
   * multiplications for most cycles (product of marginal rates = A/B of the folded pool), never any bigint work.
   */
  mayProfit(c: number): boolean {
    const { edges, stride, hops } = this.index;
    const rate = this.state.rate;
    const at = c * stride;
    const n = hops[c]!;
    let rho = rate[edges[at]!]! * rate[edges[at + 1]!]!;
    for (let h = 2; h < n; h++) rho *= rate[edges[at + h]!]!;
    if (!(rho >= RATE_FLOOR)) return false;
    return this.minProfit === 0n || this.profitBound(c, rho) * BOUND_SLACK >= this.minProfitFloat;
  }

  /** The best exact trade on cycle `c` if its profit exceeds minProfit, else null. */
  size(c: number): SizedTrade | null {
    const trade = this.v2.size(c);
    return trade !== null && trade.profit > this.minProfit ? trade : null;
  }

  /** Exact hops of cycle `c` in route order. */
  hops(c: number): Hop[] {
    const { reserve0, reserve1, feeBps } = this.state;
    const { edges, stride, hops } = this.index;
    const result: Hop[] = [];
    // Indexing the edge rows directly: a subarray view per call was a measurable share of a block's garbage.
    for (let at = c * stride, end = at + hops[c]!; at < end; at++) {
      const e = edges[at]!;
      const p = e >> 1;
      const sellsToken0 = (e & 1) === 0;
      result.push({
        reserveIn: sellsToken0 ? reserve0[p]! : reserve1[p]!,
        reserveOut: sellsToken0 ? reserve1[p]! : reserve0[p]!,
        feeBps: feeBps[p]!,
      });
    }
    return result;
  }

  /**
   * Float upper bound of the real-valued optimum profit B*(sqrt(A/B) - 1)^2 / C, with A/B taken from the rate product
   * (accurate to ulps) rather than from A - B (which cancels).
   */
  private profitBound(c: number, rho: number): number {
    const { floatReserve0, floatReserve1, feeBps } = this.state;
    let B = 1;
    let C = 0;
    let A = 1;
    const { edges, stride, hops } = this.index;
    for (let at = c * stride, end = at + hops[c]!; at < end; at++) {
      const e = edges[at]!;
      const p = e >> 1;
      const rin = (e & 1) === 0 ? floatReserve0[p]! : floatReserve1[p]!;
      const rout = (e & 1) === 0 ? floatReserve1[p]! : floatReserve0[p]!;
      const g = 10_000 - feeBps[p]!;
      // compose (A, B, C) with (g*rout, 1e4*rin, g)
      C = 1e4 * rin * C + A * g;
      A *= g * rout;
      B *= 1e4 * rin;
    }
    const gap = Math.sqrt(rho * (1 + 1e-12)) - 1;
    return (B * gap * gap) / C;
  }
}
