/** Floor square root of a non-negative bigint (Newton's method from a float guess that is never too small). */
export function isqrt(n: bigint): bigint {
  if (n < 0n) throw new RangeError("isqrt of a negative number");
  if (n < 2n) return n;
  let x = initialGuess(n);
  // From any start >= floor(sqrt(n)) the integer Newton step decreases monotonically to floor(sqrt(n)).
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/** Ceiling of num/den for den > 0. */
export function ceilDiv(num: bigint, den: bigint): bigint {
  return num >= 0n ? (num + den - 1n) / den : num / den;
}

/** Floor of num/den for den > 0. */
export function floorDiv(num: bigint, den: bigint): bigint {
  return num >= 0n ? num / den : -((-num + den - 1n) / den);
}

// 53-bit accurate and nudged up so it is an upper bound: quadratic convergence then needs only a few steps.
function initialGuess(n: bigint): bigint {
  const f = Number(n);
  if (Number.isFinite(f)) return BigInt(Math.ceil(Math.sqrt(f) * (1 + 2 ** -40))) + 1n;
  // Beyond float range: scale down by an even power of two, take the root, scale back up.
  const shift = BigInt(Math.max(0, n.toString(16).length * 2 - 480));
  const top = Number(n >> (2n * shift)) + 1;
  return (BigInt(Math.ceil(Math.sqrt(top) * (1 + 2 ** -40))) + 1n) << shift;
}
