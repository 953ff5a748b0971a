/**
 * The sizing most open-source bots use, kept as a yardstick: two-pool cycles out of WETH only, trying a fixed grid of
 * nine input sizes and keeping the best exact profit. The benchmark reports how much of the optimum it captures.
 */
import type { Hop } from "../apps/core/index.ts";
import { routeAmountOut } from "../apps/core/index.ts";

const E18 = 10n ** 18n;
/** Nine fixed sizes from 0.01 to 20 WETH. */
export const GRID_SIZES: readonly bigint[] = [
  E18 / 100n,
  E18 / 20n,
  E18 / 10n,
  E18 / 2n,
  E18,
  2n * E18,
  5n * E18,
  10n * E18,
  20n * E18,
];

/** Best exact profit over the grid (0 when no grid size is profitable). */
export function gridSearchProfit(hops: readonly Hop[], sizes: readonly bigint[] = GRID_SIZES): bigint {
  let best = 0n;
  for (const amountIn of sizes) {
    const profit = routeAmountOut(amountIn, hops) - amountIn;
    if (profit > best) best = profit;
  }
  return best;
}
