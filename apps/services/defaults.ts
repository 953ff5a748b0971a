import { FLASH_SOURCE_GAS } from "../executor/index.ts";
import type { GasModel } from "../domain/index.ts";

/**
 * Gas of the executor contract per route: flash swap and checks, plus one pool swap per hop. Measured on the devnet:
 * 2 hops 168k-182k, 3 hops 220k-255k; the model (200k, 265k) stays above, so gas cost is never understated. A V3
 * hop (its callback, and a few tick crossings): V2 -> V3 cycles 177k-295k (model 300k); V3 -> V2 cycles borrowing
 * from Balancer 198k-303k (model 435k, priced with Aave's loan).
 */
export const DEFAULT_GAS_MODEL: GasModel = {
  fixed: 70_000n,
  perHop: 65_000n,
  perV3Hop: 165_000n,
  // A V3 first pool cannot flash-swap: the order is costed with the dearest lender's gas, whichever is chosen.
  flashLoan: Object.values(FLASH_SOURCE_GAS).reduce((a, b) => (a > b ? a : b)),
};
/** The executor's priority fee; the scanner adds it to the gas price so orders are costed at what they will pay. */
export const EXECUTOR_TIP_WEI = 2_000_000_000n;
export const EXECUTOR_CONSUMERS = 4;
/**
 * The trade must land in the block right after the one it was priced on, or revert: so a mined trade that no
 * transaction preceded in its block runs on exactly the predicted state.
 */
export const DEADLINE_BLOCKS = 1;
/**
 * A user operation waits for the bundler's next bundle after its gas estimation, so it cannot count on the very next
 * block; it may land a few later. The report's precededBy then counts what touched its pools in between.
 */
export const USER_OPERATION_DEADLINE_BLOCKS = 3;
/**
 * Through a relay, a bundle whose target block was built before it arrived goes for the next block instead (re-
 * simulated there first): its deadline has this many blocks more. precededBy counts what touched its pools meanwhile.
 */
export const BUNDLE_RETARGET_BLOCKS = 1;
