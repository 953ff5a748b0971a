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

function initialGuess(n: bigint): bigint {
  const f = Number(n);
  // 53-bit accurate, nudged up so it is an upper bound; quadratic convergence then needs only a few steps.
  if (Number.isFinite(f)) return BigInt(Math.ceil(Math.sqrt(f) * (1 + 2 ** -40))) + 1n;
  // Beyond float range: 2^(2*hexDigits) >= sqrt(n).
  return 1n << BigInt(n.toString(16).length * 2);
}
