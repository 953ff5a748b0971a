import type { CycleIndex } from "./cycle-index.ts";
import type { ExactHop } from "./exact-hop.ts";
import { v2ExactHop } from "./exact-hop.ts";
import type { SearchResult } from "./exact-search.ts";
import { DEFAULT_SEARCH_BUDGET, searchTrade } from "./exact-search.ts";
import type { MarketState } from "./market-state.ts";
import type { ScanAnswers } from "./scan-answers.ts";
import type { Hop } from "./pool.ts";
import { DEFAULT_SIZING_BUDGET } from "./sizing.ts";
import { V2CycleSizer } from "./v2-cycle-sizer.ts";
import type { V3PoolState } from "./v3/pool.ts";
import { v3ExactHop } from "./v3/v3-hop.ts";

/**
 * Float rates carry a relative error of a few ulps per hop; below this product a cycle's exact marginal rate is
 * certainly under 1, so no input can be profitable. Anything at or above goes to the exact integer check.
 */
export const RATE_FLOOR = 1 - 1e-12;
/** Headroom on the float profit bound, far above its rounding error, so the float test only rejects, never decides. */
const BOUND_SLACK = 1 + 1e-9;

/**
 * Sizes one cycle of the index against the current market state: an all-V2 cycle by the closed-form sizing
 * (sizing.ts), a cycle with a V3 hop by the exact branch-and-bound search (exact-search.ts). Both prove their size
 * optimal or within 1e-6, or say unproven.
 */
export class CycleEvaluator {
  private readonly minProfitFloat: number;
  private readonly v2: V2CycleSizer;
  /**
   * The V3 hop of each V3 pool and direction (at 2i + 1 for pool v2Count + i selling its token1), with the state it
   * was made for: a hop keeps the swap steps it has walked (swap-prefix.ts), so every cycle through the pool, in this
   * block and the next ones until the pool's state changes, reuses them.
   */
  private readonly v3Hops: ({ state: V3PoolState; hop: ExactHop } | undefined)[] = [];

  constructor(
    private readonly state: MarketState,
    private readonly index: CycleIndex,
    readonly minProfit: bigint,
    private readonly sizingBudget = DEFAULT_SIZING_BUDGET,
    private readonly searchBudget = DEFAULT_SEARCH_BUDGET,
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
    // The profit bound folds V2 hops in closed form; a V3 hop has none, so such a cycle passes on its rates alone.
    if (this.minProfit === 0n || this.hasV3(c)) return true;
    return this.profitBound(c, rho) * BOUND_SLACK >= this.minProfitFloat;
  }

  /**
   * The best exact trade on cycle `c` if its profit exceeds minProfit, null when none can, "undecided" when the search
   * could not tell within its budget (no profitable input found, or only ones at or below minProfit with no proof).
   */
  size(c: number): SearchResult {
    return this.cleared(this.hasV3(c) ? searchTrade(this.exactHops(c), this.searchBudget) : this.v2.size(c));
  }

  /**
   * A full scan from cycle `from` on (V2CycleSizer.scan; the tables must hold the index): `mayProfit` and the kernel's
   * `size` of every cycle in one pass, the answers for the cycles that may profit appended to `answers` (a trade is
   * what `size` returns once `cleared`; for any other answer, `size` itself); returns the cycle to go on from
   * (cycleCount when done). `scanned()`: how many cycles it sized.
   */
  scan(from: number, answers: ScanAnswers): number {
    return this.v2.scan(from, this.minProfit > 0n, this.minProfitFloat, answers);
  }

  /** The same full scan of every cycle, shared with the kernel's helper threads (V2CycleSizer.share). */
  share(answers: ScanAnswers): number {
    return this.v2.share(this.minProfit > 0n, this.minProfitFloat, answers);
  }

  scanned(): number {
    return this.v2.scanned();
  }

  /** Puts a full scan's `answers` in list order (V2CycleSizer.sort). */
  sort(answers: ScanAnswers): void {
    this.v2.sort(answers);
  }

  /** A sized trade, or what it means when it does not clear minProfit (what `size` returns for it). */
  cleared(trade: SearchResult): SearchResult {
    if (trade === null || trade === "undecided") return trade;
    const verdict = this.clears(trade.profit, trade.optimality === "unproven");
    return verdict === "listed" ? trade : verdict;
  }

  /**
   * What a sized trade's `profit` means against minProfit: listed when it clears it; else, when the trade is not
   * proven optimal, undecided (a better input might clear it); else nothing. The full scan asks it of the kernel's
   * answers without making a trade of each.
   */
  clears(profit: bigint, unproven: boolean): "listed" | "undecided" | null {
    if (profit > this.minProfit) return "listed";
    return unproven ? "undecided" : null;
  }

  /** Whether cycle `c` goes through a Uniswap-V3 pool. */
  hasV3(c: number): boolean {
    const { edges, stride, hops } = this.index;
    const v2Count = this.state.v2Count;
    for (let at = c * stride, end = at + hops[c]!; at < end; at++) if (edges[at]! >> 1 >= v2Count) return true;
    return false;
  }

  /** The hops of cycle `c` in route order as the exact search prices them (any pool type). */
  exactHops(c: number): ExactHop[] {
    const { v2Count } = this.state;
    const { edges, stride, hops } = this.index;
    const result: ExactHop[] = [];
    for (let at = c * stride, end = at + hops[c]!; at < end; at++) {
      const e = edges[at]!;
      const p = e >> 1;
      result.push(p >= v2Count ? this.v3Hop(e - 2 * v2Count) : v2ExactHop(this.v2Hop(e)));
    }
    return result;
  }

  /** The hop of V3 edge `k` (edge 2*v2Count + k; even edges sell token0: zeroForOne), made anew when its state changed. */
  private v3Hop(k: number): ExactHop {
    const state = this.state.v3State[k >> 1]!;
    let held = this.v3Hops[k];
    if (held?.state !== state) {
      held = { state, hop: v3ExactHop(state, (k & 1) === 0) };
      this.v3Hops[k] = held;
    }
    return held.hop;
  }

  /** The V2 hop of directed edge `e`. */
  private v2Hop(e: number): Hop {
    const { reserve0, reserve1, feeBps } = this.state;
    const p = e >> 1;
    const sellsToken0 = (e & 1) === 0;
    return {
      reserveIn: sellsToken0 ? reserve0[p]! : reserve1[p]!,
      reserveOut: sellsToken0 ? reserve1[p]! : reserve0[p]!,
      feeBps: feeBps[p]!,
    };
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
