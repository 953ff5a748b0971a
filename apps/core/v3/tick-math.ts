/**
 * Tick <-> sqrt price, exactly as the pool's TickMath: sqrtPriceX96 = sqrt(1.0001^tick) * 2^96 in Q64.96, computed by
 * the same products of 128-bit constants so every tick maps to the same integer the contract stores.
 */
import { V3MathError } from "./full-math.ts";

export const MIN_TICK = -887272;
export const MAX_TICK = 887272;
export const MIN_SQRT_RATIO = 4295128739n;
export const MAX_SQRT_RATIO = 1461446703485210103287273052203988822378723970342n;

// sqrt(1.0001)^-(2^i) in Q128.128, for bit i of |tick| (i = 1..19); bit 0 has its own starting value.
const FACTORS: readonly bigint[] = [
  0xfff97272373d413259a46990580e213an,
  0xfff2e50f5f656932ef12357cf3c7fdccn,
  0xffe5caca7e10e4e61c3624eaa0941cd0n,
  0xffcb9843d60f6159c9db58835c926644n,
  0xff973b41fa98c081472e6896dfb254c0n,
  0xff2ea16466c96a3843ec78b326b52861n,
  0xfe5dee046a99a2a811c461f1969c3053n,
  0xfcbe86c7900a88aedcffc83b479aa3a4n,
  0xf987a7253ac413176f2b074cf7815e54n,
  0xf3392b0822b70005940c7a398e4b70f3n,
  0xe7159475a2c29b7443b29c7fa6e889d9n,
  0xd097f3bdfd2022b8845ad8f792aa5825n,
  0xa9f746462d870fdf8a65dc1f90e061e5n,
  0x70d869a156d2a1b890bb3df62baf32f7n,
  0x31be135f97d08fd981231505542fcfa6n,
  0x9aa508b5b7a84e1c677de54f3e99bc9n,
  0x5d6af8dedb81196699c329225ee604n,
  0x2216e584f5fa1ea926041bedfe98n,
  0x48a170391f7dc42444e8fa2n,
];
const BIT0 = 0xfffcb933bd6fad37aa2d162d1a594001n;
const ONE_Q128 = 1n << 128n;
const MAX_UINT256 = (1n << 256n) - 1n;
const LOG_SQRT_1_0001 = Math.log(1.0001) / 2;

/**
 * Ratios already computed, by tick: a scan walks the same few ticks of each pool thousands of times, and this product
 * of up to twenty 128-bit multiplications was a fifth of the time sizing cycles through V3 pools. Bounded: emptied
 * when full (a pool's ticks near its price come back at once).
 */
const RATIO_CACHE = new Map<number, bigint>();
const RATIO_CACHE_LIMIT = 1 << 16;

/** sqrt(1.0001^tick) * 2^96, rounded up from Q128.128 exactly as TickMath.getSqrtRatioAtTick. */
export function getSqrtRatioAtTick(tick: number): bigint {
  const cached = RATIO_CACHE.get(tick);
  if (cached !== undefined) return cached;
  if (!Number.isInteger(tick) || tick < MIN_TICK || tick > MAX_TICK) {
    throw new V3MathError(`tick ${tick} is outside ${MIN_TICK}..${MAX_TICK}`);
  }
  if (RATIO_CACHE.size >= RATIO_CACHE_LIMIT) RATIO_CACHE.clear();
  const ratio = sqrtRatioOf(tick);
  RATIO_CACHE.set(tick, ratio);
  return ratio;
}

function sqrtRatioOf(tick: number): bigint {
  const abs = Math.abs(tick);
  let ratio = (abs & 1) !== 0 ? BIT0 : ONE_Q128;
  for (let i = 0; i < FACTORS.length; i++) {
    if ((abs & (2 << i)) !== 0) ratio = (ratio * FACTORS[i]!) >> 128n;
  }
  if (tick > 0) ratio = MAX_UINT256 / ratio;
  return (ratio >> 32n) + ((ratio & 0xffffffffn) === 0n ? 0n : 1n);
}

/**
 * The greatest tick whose sqrt ratio is <= sqrtPriceX96 (TickMath.getTickAtSqrtRatio's definition). A float logarithm
 * lands within a tick of it; the exact sqrt ratios of the neighbours then decide, so the answer is exact.
 */
export function getTickAtSqrtRatio(sqrtPriceX96: bigint): number {
  if (sqrtPriceX96 < MIN_SQRT_RATIO || sqrtPriceX96 >= MAX_SQRT_RATIO) {
    throw new V3MathError(`sqrt price ${sqrtPriceX96} is outside the pool's range`);
  }
  const estimate = Math.floor(Math.log(Number(sqrtPriceX96) / 2 ** 96) / LOG_SQRT_1_0001);
  let tick = Math.min(MAX_TICK, Math.max(MIN_TICK, estimate));
  while (tick > MIN_TICK && getSqrtRatioAtTick(tick) > sqrtPriceX96) tick--;
  while (tick < MAX_TICK && getSqrtRatioAtTick(tick + 1) <= sqrtPriceX96) tick++;
  return tick;
}
