import type { CycleIndex } from "./cycle-index.ts";
import { FloatHops } from "./float-hops.ts";
import type { MarketState } from "./market-state.ts";
import type { Hop } from "./pool.ts";
import type { SizedTrade } from "./sized-trade.ts";
import { optimalTrade } from "./sizing.ts";

/**
 * Sizes all-V2 cycles of a scanner's index straight from its market state. A scan sizes thousands of cycles: each
 * used to get new hop objects and to convert every reserve from bigint to float again (twice for the float
 * bounds); here the reserves' float copies that the market state keeps anyway are read, and the hop objects and float
 * arrays are scratch, reused for every cycle. Sizing itself is `optimalTrade`'s (sizing.ts), so results are the same.
 */
export class V2CycleSizer {
  private readonly floats = new FloatHops();
  /** Scratch routes by length (2..4 hops): the hop objects are overwritten for every cycle, never handed out. */
  private readonly routes: Hop[][] = [];

  constructor(
    private readonly state: MarketState,
    private readonly index: CycleIndex,
    private readonly budget: bigint,
  ) {
    for (let n = 0; n <= index.stride; n++) {
      this.routes.push(Array.from({ length: n }, () => ({ reserveIn: 0n, reserveOut: 0n, feeBps: 0 })));
    }
  }

  /** The best exact trade on all-V2 cycle `c` (or null when none profits), as `optimalTrade` finds it. */
  size(c: number): SizedTrade | null {
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
    return optimalTrade(route, this.budget, floats);
  }
}
