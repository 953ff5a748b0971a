// Public API of the domain core: pure, synchronous, no I/O. Everything else in apps/ imports from here only.
export type { Token } from "./tokens.ts";
export { normalizeAddress } from "./tokens.ts";
export { isqrt } from "./bigint-math.ts";
export type { Pool, ReserveUpdate, Hop, V3Pool, V3StateUpdate } from "./pool.ts";
export { hopFrom, otherToken } from "./pool.ts";
export type { Opportunity, PoolProtocol } from "./opportunity.ts";
export {
  FEE_DENOMINATOR,
  MAX_RESERVE,
  getAmountOut,
  getAmountIn,
  quoteRoute,
  routeAmountOut,
  routeAmountIn,
} from "./pool-math.ts";
export { routeHops, quoteOpportunity } from "./route.ts";
export type { VirtualPool, SizedTrade, Optimality } from "./sizing.ts";
export { optimalTrade, DEFAULT_SIZING_BUDGET, foldRoute, hopToVirtualPool, composeVirtualPools } from "./sizing.ts";
export type { SplitObjective, ExactMaximum } from "./exact-maximum.ts";
export { maximiseExactly } from "./exact-maximum.ts";
export { CycleIndex, MIN_HOPS, MAX_SUPPORTED_HOPS } from "./cycle-index.ts";
export type { PoolGraph } from "./cycle-index.ts";
export { ArbitrageScanner } from "./scanner.ts";
export type { ScannerOptions, ScanStats } from "./scanner.ts";
export type { KernelHelpers, KernelMemory } from "./exact-kernel/kernel.ts";
export { helperModuleBytes, SHARE_WORDS } from "./exact-kernel/kernel.ts";
export type { ExactHop, HopBound, Ratio } from "./exact-hop.ts";
export { v2ExactHop } from "./exact-hop.ts";
export { searchTrade, DEFAULT_SEARCH_BUDGET } from "./exact-search.ts";
