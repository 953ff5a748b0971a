import type { CycleIndex } from "./cycle-index.ts";
import { ELSEWHERE, ExactKernel, NONE, SEARCH, TRADE } from "./exact-kernel/kernel.ts";
import { FloatHops } from "./float-hops.ts";
import type { MarketState } from "./market-state.ts";
import type { ScanAnswers } from "./scan-answers.ts";
import type { Hop } from "./pool.ts";
import type { SizedTrade } from "./sized-trade.ts";
import { exactTrade, optimalTrade, searchBudget } from "./sizing.ts";

/**
 * Sizes all-V2 cycles of a scanner's index straight from its market state, as `optimalTrade` (sizing.ts) does: the
 * exact kernel (exact-kernel/) runs its float-first sizing, split proof and exact search on the market state's own
 * pool tables, and only a cycle it cannot size in its ranges gets hop objects and float arrays (scratch, reused for
 * every cycle) for the TypeScript to finish. Results are `optimalTrade`'s.
 */
export class V2CycleSizer {
  private readonly floats = new FloatHops();
  /** Scratch routes by length (2..4 hops): the hop objects are overwritten for every cycle, never handed out. */
  private readonly routes: Hop[][] = [];
  private readonly kernel: ExactKernel;
  /** The budget as the exact search counts it. */
  private readonly searchBudget: number;

  constructor(
    private readonly state: MarketState,
    private readonly index: CycleIndex,
    private readonly budget: bigint,
  ) {
    this.kernel = new ExactKernel(state.tables);
    this.searchBudget = searchBudget(budget);
    for (let n = 0; n <= index.stride; n++) {
      this.routes.push(Array.from({ length: n }, () => ({ reserveIn: 0n, reserveOut: 0n, feeBps: 0 })));
    }
  }

  /** The best exact trade on all-V2 cycle `c` (or null when none profits), as `optimalTrade` finds it. */
  size(c: number): SizedTrade | null {
    const { edges, stride, hops } = this.index;
    const at = c * stride;
    const n = hops[c]!;
    const status = this.kernel.size(
      n,
      edges[at]!,
      edges[at + 1]!,
      n > 2 ? edges[at + 2]! : 0,
      n > 3 ? edges[at + 3]! : 0,
    );
    if (status === NONE) return null;
    if (status === TRADE) return this.kernel.trade();
    if (status === SEARCH) {
      const searched = this.kernel.search(this.searchBudget);
      if (searched === NONE) return null;
      if (searched === TRADE) return this.kernel.trade();
      const route = this.route(c);
      return exactTrade(route, this.budget, this.kernel.split(), this.floats, this.kernel);
    }
    const route = this.route(c);
    if (status !== ELSEWHERE) throw new Error(`exact kernel: unknown answer ${status}`);
    return optimalTrade(route, this.budget, this.floats);
  }

  /**
   * A full scan's pass over the index from cycle `from` on, in the kernel (ExactKernel.scan: the rate test, the
   * profit bound when `bounded`, and each survivor's sizing as `size` would), its answers appended to `answers`
   * (written there by the kernel, up to the room it has): returns the cycle to go on from. The loop over half a million cycles runs compiled in the kernel, where a fresh
   * process would run it, and a call chain per survivor, before the optimising compiler has caught up.
   */
  scan(from: number, bounded: boolean, minProfit: number, answers: ScanAnswers): number {
    const room = answers.room();
    const next = this.kernel.scan(from, bounded, minProfit, this.state.v2Count, this.searchBudget, room);
    answers.added(this.kernel.answers(), this.kernel.wides());
    return next;
  }

  /**
   * The whole of that pass shared with the kernel's helper instances (ExactKernel.share), into `answers`; returns how
   * many chunks the helpers took.
   */
  share(bounded: boolean, minProfit: number, answers: ScanAnswers): number {
    const space = answers.shareSpace(this.index.cycleCount);
    const helped = this.kernel.share(bounded, minProfit, this.state.v2Count, this.searchBudget, space);
    answers.shared(this.kernel.answers());
    return helped;
  }

  /** Puts a full scan's `answers` in list order (ScanAnswers.sort, with the kernel's sort). */
  sort(answers: ScanAnswers): void {
    answers.sort(this.kernel);
  }

  /** How many cycles the last `scan` sized. */
  scanned(): number {
    return this.kernel.scanned();
  }

  /** Cycle c's hops in the scratch route and float arrays. */
  private route(c: number): Hop[] {
    const { reserve0, reserve1, floatReserve0, floatReserve1, feeBps } = this.state;
    const { edges, stride, hops } = this.index;
    const n = hops[c]!;
    const route = this.routes[n]!;
    const floats = this.floats;
    floats.length = n;
    for (let h = 0, at = c * stride; h < n; h++, at++) {
      const e = edges[at]!;
      const p = e >> 1;
      const hop = route[h]!;
      const fee = feeBps[p]!;
      hop.feeBps = fee;
      if ((e & 1) === 0) {
        hop.reserveIn = reserve0[p]!;
        hop.reserveOut = reserve1[p]!;
        floats.set(h, floatReserve0[p]!, floatReserve1[p]!, fee);
      } else {
        hop.reserveIn = reserve1[p]!;
        hop.reserveOut = reserve0[p]!;
        floats.set(h, floatReserve1[p]!, floatReserve0[p]!, fee);
      }
    }
    return route;
  }
}
