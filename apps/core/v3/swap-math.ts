/** One step of a V3 swap inside a single liquidity range, as the pool's SwapMath.computeSwapStep. */
import { mulDiv, mulDivRoundingUp } from "./full-math.ts";
import {
  getAmount0Delta,
  getAmount1Delta,
  getNextSqrtPriceFromInput,
  getNextSqrtPriceFromOutput,
} from "./sqrt-price-math.ts";

/** Fees are in hundredths of a basis point: 3000 = 0.30%. */
export const FEE_PIPS_DENOMINATOR = 1_000_000n;

export interface SwapStep {
  sqrtRatioNextX96: bigint;
  amountIn: bigint;
  amountOut: bigint;
  feeAmount: bigint;
}

/**
 * Moves the price from `current` toward `target` with `liquidity`, spending (amountRemaining > 0, exact input) or
 * buying (amountRemaining < 0, exact output) at most |amountRemaining|. The direction is implied by the two prices.
 */
export function computeSwapStep(
  current: bigint,
  target: bigint,
  liquidity: bigint,
  amountRemaining: bigint,
  feePips: number,
): SwapStep {
  const zeroForOne = current >= target;
  const exactIn = amountRemaining >= 0n;
  const fee = BigInt(feePips);
  let next: bigint;
  let amountIn = 0n;
  let amountOut = 0n;
  if (exactIn) {
    const remainingLessFee = mulDiv(amountRemaining, FEE_PIPS_DENOMINATOR - fee, FEE_PIPS_DENOMINATOR);
    amountIn = zeroForOne
      ? getAmount0Delta(target, current, liquidity, true)
      : getAmount1Delta(current, target, liquidity, true);
    next =
      remainingLessFee >= amountIn
        ? target
        : getNextSqrtPriceFromInput(current, liquidity, remainingLessFee, zeroForOne);
  } else {
    amountOut = zeroForOne
      ? getAmount1Delta(target, current, liquidity, false)
      : getAmount0Delta(current, target, liquidity, false);
    next =
      -amountRemaining >= amountOut
        ? target
        : getNextSqrtPriceFromOutput(current, liquidity, -amountRemaining, zeroForOne);
  }
  const max = next === target;
  if (zeroForOne) {
    if (!(max && exactIn)) amountIn = getAmount0Delta(next, current, liquidity, true);
    if (!(max && !exactIn)) amountOut = getAmount1Delta(next, current, liquidity, false);
  } else {
    if (!(max && exactIn)) amountIn = getAmount1Delta(current, next, liquidity, true);
    if (!(max && !exactIn)) amountOut = getAmount0Delta(current, next, liquidity, false);
  }
  if (!exactIn && amountOut > -amountRemaining) amountOut = -amountRemaining;
  // Short of the target, the whole remaining input is spent: what the price move did not use is fee.
  const feeAmount =
    exactIn && next !== target
      ? amountRemaining - amountIn
      : mulDivRoundingUp(amountIn, fee, FEE_PIPS_DENOMINATOR - fee);
  return { sqrtRatioNextX96: next, amountIn, amountOut, feeAmount };
}
