/**
 * The 256-bit arithmetic the Uniswap-V3 pool relies on, in bigint. The pool reverts where a uint256 result would
 * overflow; so do these (V3MathError), so a quote never succeeds where the contract would fail.
 */
export const Q96 = 1n << 96n;
export const MAX_UINT256 = (1n << 256n) - 1n;
export const MAX_UINT160 = (1n << 160n) - 1n;
export const MAX_UINT128 = (1n << 128n) - 1n;

/**
 * A V3 computation the pool contract would revert on (overflow, empty liquidity, price out of range). Made without a
 * stack trace: the exact search meets hundreds in some blocks (a trial size past the known ticks or the price limit)
 * and catches each, and capturing the stack was most of a throw's cost (6.7 against 2.9 us here).
 */
export class V3MathError extends Error {
  constructor(message: string) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
}
V3MathError.prototype.name = "V3MathError";

function checked(result: bigint, what: string): bigint {
  if (result > MAX_UINT256) throw new V3MathError(`${what} overflows uint256`);
  return result;
}

/** floor(a*b/denominator), as FullMath.mulDiv (reverts on a zero denominator or a result above uint256). */
export function mulDiv(a: bigint, b: bigint, denominator: bigint): bigint {
  if (denominator === 0n) throw new V3MathError("mulDiv by zero");
  return checked((a * b) / denominator, "mulDiv");
}

/**
 * ceil(a*b/denominator), as FullMath.mulDivRoundingUp. Its operands are uint256, so the ceiling is one division of
 * a*b + denominator - 1: a bigint remainder beside the quotient cost as much again (565 against 334 ns here), and the
 * exact search runs this for every V3 step of every route it prices.
 */
export function mulDivRoundingUp(a: bigint, b: bigint, denominator: bigint): bigint {
  if (denominator === 0n) throw new V3MathError("mulDivRoundingUp by zero");
  return checked((a * b + denominator - 1n) / denominator, "mulDivRoundingUp");
}

/** ceil(x/y) for x >= 0 and y > 0 (uint256, as UnsafeMath.divRoundingUp), in one division as above. */
export function divRoundingUp(x: bigint, y: bigint): bigint {
  return (x + y - 1n) / y;
}

/** The pool's cast to uint160, which reverts when the value does not fit. */
export function toUint160(x: bigint): bigint {
  if (x > MAX_UINT160) throw new V3MathError("value does not fit uint160");
  return x;
}
