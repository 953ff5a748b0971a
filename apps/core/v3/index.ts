// Uniswap-V3 pool math, exact to the wei against the pool contract: pure, synchronous, no I/O.
export { Q96, V3MathError, mulDiv, mulDivRoundingUp } from "./full-math.ts";
export {
  MIN_TICK,
  MAX_TICK,
  MIN_SQRT_RATIO,
  MAX_SQRT_RATIO,
  getSqrtRatioAtTick,
  getTickAtSqrtRatio,
} from "./tick-math.ts";
export {
  getAmount0Delta,
  getAmount1Delta,
  getNextSqrtPriceFromInput,
  getNextSqrtPriceFromOutput,
} from "./sqrt-price-math.ts";
export { computeSwapStep, FEE_PIPS_DENOMINATOR } from "./swap-math.ts";
export type { SwapStep } from "./swap-math.ts";
export { TickTable, TickRangeError, compress, wordOf } from "./tick-table.ts";
export type { InitializedTick } from "./tick-table.ts";
export { swapV3, v3AmountOut, defaultPriceLimit } from "./pool.ts";
export { v3ExactHop } from "./v3-hop.ts";
export type { V3PoolState, V3SwapResult } from "./pool.ts";
