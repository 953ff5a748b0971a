/**
 * AssemblyScript source of the exact kernel (../kernel.ts loads it; `npm run build:kernel` compiles it into
 * ../kernel-wasm.ts). It sizes a Uniswap-V2 cycle as `optimalTrade` (../../sizing.ts) does: float-first sizing, then
 * the split proof (../../float-first.ts), then (`search`) the exact search of the dust cycles (exactTrade and
 * ../../exact-maximum.ts), with the same float operations in the same order, the bigint prices of ../../pool-math.ts
 * in 32-bit limbs and the search's folded pools and profit window (300-700-bit signed numbers) in registers of up to
 * 62 digits. What it cannot size within its ranges (amounts from 2^113, quotients from 2^128, a reserve from 2^112,
 * a split point from 2^63, a window the floats cannot place), it hands back to the TypeScript, which then sizes the cycle
 * itself: the kernel only ever decides what the TypeScript would decide. WebAssembly because a fresh process runs it
 * compiled from the start (V8's baseline compiler compiles a module when it loads), where the TypeScript waits for its
 * optimising compiler and allocates a bigint per operation.
 */

// Memory: scratch below TABLES; from TABLES on the pool tables, laid out by `init` for the pool count (see ../kernel.ts).
// The memory is shared: a full scan may be shared with helper instances in other threads (`share`). Each instance
// keeps its scratch (24 KiB) from SCRATCH on, a constant of the build (bin/build-kernel.mjs: 0 for the scanner's own
// instance, HELPER_SCRATCH for a helper's), and all meet at the shared scan's PLAN.
const TABLES: usize = 65536;
const PLAN: usize = 61440;
/** Digits (u32) of a dividend, 9 with the normalisation's extra one. */
const UN: usize = SCRATCH + 1024;
/** Digits of a divisor. */
const VN: usize = SCRATCH + 1088;
/** Digits of a quotient. */
const QN: usize = SCRATCH + 1152;
/** Digits of the factors of a product. */
const AD: usize = SCRATCH + 1216;
const BD: usize = SCRATCH + 1232;
/**
 * Results: amountIn, amountOut, profit (u64 low, high each), then the split (i32) and optimality (i32); `scan`'s
 * counts at OUT+56 and OUT+60.
 */
const OUT: usize = SCRATCH + 1280;
/** Test arguments and results (the property tests' window on the arithmetic). */
const TEST: usize = SCRATCH + 1344;

let floatReserve0: usize = 0;
let floatReserve1: usize = 0;
let feeBps: usize = 0;
let limbs: usize = 0;
let exactOk: usize = 0;
/** The float marginal rate of each directed edge (2 per pool, as the market state computes it). */
let rates: usize = 0;
/** Bytes of one of `scan`'s answers (see `scan`). */
const ANSWER_BYTES: usize = 24;
/** Bytes of an entry of `scan`'s wide table: amountIn and profit, two words each, low first. */
const WIDE_BYTES: usize = 32;
/** Where the scan's wide table is (`scan`, `sortKeys`), and how many entries it has this scan. */
let wideTable: usize = 0;
let wideCount: i32 = 0;
/** An answer's flags word: its kind in the low two bits, the optimality in the next two, then WIDE, and the group. */
const WIDE: i32 = 16;
const GROUP_SHIFT: i32 = 8;
let poolCount: usize = 0;
/**
 * When `initCycles` has placed them: the group (base token) of each directed edge's source token (i32), the cycle
 * index's hop counts (u8) and its edge rows (`stride` i32 each).
 */
let edgeGroupsAt: usize = 0;
let hopsAt: usize = 0;
let edgesAt: usize = 0;
let stride: i32 = 0;
/** Pools from this index on are Uniswap-V3 pools (the kernel sizes none of them). */
let v2Pools: i32 = 0;
/** Bits of a sort key taken by the group (at the top) and by the answer's index (at the bottom). */
let groupBits: u64 = 0;
let indexBits: u64 = 0;

/** Where the pool tables start, for `pools` pools (the layout ../kernel.ts mirrors). */
export function init(pools: i32): void {
  const n = <usize>pools;
  floatReserve0 = TABLES;
  floatReserve1 = floatReserve0 + 8 * n;
  limbs = floatReserve1 + 8 * n;
  feeBps = limbs + 32 * n;
  exactOk = feeBps + 4 * n;
  rates = (exactOk + n + 7) & ~(<usize>7);
  poolCount = n;
}

/**
 * The edges' groups and the cycle index after the rates: `count` cycles of at most `rowStride` edges (the layout
 * ../kernel.ts mirrors); sort keys with `groups` bits of group and `indices` bits of answer index.
 */
export function initCycles(count: i32, rowStride: i32, v2Count: i32, groups: i32, indices: i32): void {
  stride = rowStride;
  v2Pools = v2Count;
  groupBits = <u64>groups;
  indexBits = <u64>indices;
  edgeGroupsAt = rates + 16 * poolCount;
  hopsAt = edgeGroupsAt + 8 * poolCount;
  edgesAt = (hopsAt + <usize>count + 3) & ~(<usize>3);
}

// --- 128-bit unsigned arithmetic in (hi, lo) pairs; products and quotients in 32-bit digits -----------------------

const M32: u64 = 0xffffffff;
/** The result of the last operation that yields a u128, and whether it was in range. */
let rhi: u64 = 0;
let rlo: u64 = 0;
let inRange = true;
/** Whether the last division left a remainder. */
let remainder = false;

function digits(at: usize, hi: u64, lo: u64): void {
  store<u32>(at, <u32>(lo & M32));
  store<u32>(at + 4, <u32>(lo >> 32));
  store<u32>(at + 8, <u32>(hi & M32));
  store<u32>(at + 12, <u32>(hi >> 32));
}

/** a * b into the 8 digits at UN (and a ninth, 0). */
function multiply(ahi: u64, alo: u64, bhi: u64, blo: u64): void {
  digits(AD, ahi, alo);
  digits(BD, bhi, blo);
  for (let i: usize = 0; i < 9; i++) store<u32>(UN + 4 * i, 0);
  for (let i: usize = 0; i < 4; i++) {
    const a = <u64>load<u32>(AD + 4 * i);
    if (a == 0) continue;
    let carry: u64 = 0;
    for (let j: usize = 0; j < 4; j++) {
      const at = UN + 4 * (i + j);
      const t = a * <u64>load<u32>(BD + 4 * j) + <u64>load<u32>(at) + carry;
      store<u32>(at, <u32>(t & M32));
      carry = t >> 32;
    }
    store<u32>(UN + 4 * (i + 4), <u32>carry);
  }
}

/** a * k for k < 2^32, into (rhi, rlo); inRange false when it reaches 2^128. */
function multiplySmall(hi: u64, lo: u64, k: u64): void {
  const p0 = (lo & M32) * k;
  const p1 = (lo >> 32) * k + (p0 >> 32);
  const p2 = (hi & M32) * k + (p1 >> 32);
  const p3 = (hi >> 32) * k + (p2 >> 32);
  rlo = (p0 & M32) | (p1 << 32);
  rhi = (p2 & M32) | (p3 << 32);
  inRange = p3 >> 32 == 0;
}

/**
 * The 8-digit number at UN divided by (dhi, dlo) > 0: the quotient in (rhi, rlo), inRange false when it reaches 2^128
 * (its digits are at QN all the same), `remainder` whether the division left one. Destroys UN.
 */
function divide(dhi: u64, dlo: u64): void {
  digits(VN, dhi, dlo);
  let m: i32 = 8;
  while (m > 0 && load<u32>(UN + 4 * <usize>(m - 1)) == 0) m--;
  let n: i32 = 4;
  while (load<u32>(VN + 4 * <usize>(n - 1)) == 0) n--;
  for (let i: usize = 0; i < 8; i++) store<u32>(QN + 4 * i, 0);
  if (m < n) {
    // The quotient is 0 and the dividend the remainder.
    rhi = 0;
    rlo = 0;
    inRange = true;
    remainder = m > 0;
    return;
  }
  remainder = divideDigits(UN, m, VN, n, QN);
  rlo = (<u64>load<u32>(QN)) | ((<u64>load<u32>(QN + 4)) << 32);
  rhi = (<u64>load<u32>(QN + 8)) | ((<u64>load<u32>(QN + 12)) << 32);
  inRange = (load<u32>(QN + 16) | load<u32>(QN + 20) | load<u32>(QN + 24) | load<u32>(QN + 28)) == 0;
}

/**
 * Knuth's algorithm D, in Hacker's Delight's form: the m-digit number at u divided by the n-digit one at v (top digit
 * not 0, m >= n), the quotient's m - n + 1 digits at q; true when a remainder is left. Destroys u (which has room for
 * one more digit) and v.
 */
function divideDigits(u: usize, m: i32, v: usize, n: i32, q: usize): bool {
  if (n == 1) {
    const d = <u64>load<u32>(v);
    let k: u64 = 0;
    for (let j = m - 1; j >= 0; j--) {
      const t = (k << 32) | (<u64>load<u32>(u + 4 * <usize>j));
      const digit = t / d;
      store<u32>(q + 4 * <usize>j, <u32>digit);
      k = t - digit * d;
    }
    return k != 0;
  }
  const s = <u64>clz<u32>(load<u32>(v + 4 * <usize>(n - 1)));
  // Normalise: shift both left by s so the divisor's top digit has its high bit set (64-bit shifts: s may be 0).
  for (let i = n - 1; i > 0; i--) {
    const hiDigit = <u64>load<u32>(v + 4 * <usize>i);
    const loDigit = <u64>load<u32>(v + 4 * <usize>(i - 1));
    store<u32>(v + 4 * <usize>i, <u32>(((hiDigit << s) | (loDigit >> (32 - s))) & M32));
  }
  store<u32>(v, <u32>(((<u64>load<u32>(v)) << s) & M32));
  store<u32>(u + 4 * <usize>m, <u32>((<u64>load<u32>(u + 4 * <usize>(m - 1))) >> (32 - s)));
  for (let i = m - 1; i > 0; i--) {
    const hiDigit = <u64>load<u32>(u + 4 * <usize>i);
    const loDigit = <u64>load<u32>(u + 4 * <usize>(i - 1));
    store<u32>(u + 4 * <usize>i, <u32>(((hiDigit << s) | (loDigit >> (32 - s))) & M32));
  }
  store<u32>(u, <u32>(((<u64>load<u32>(u)) << s) & M32));
  const vTop = <u64>load<u32>(v + 4 * <usize>(n - 1));
  const vNext = <u64>load<u32>(v + 4 * <usize>(n - 2));
  for (let j = m - n; j >= 0; j--) {
    const top = ((<u64>load<u32>(u + 4 * <usize>(j + n))) << 32) | (<u64>load<u32>(u + 4 * <usize>(j + n - 1)));
    let qhat = top / vTop;
    let rhat = top - qhat * vTop;
    while (qhat > M32 || qhat * vNext > ((rhat << 32) | (<u64>load<u32>(u + 4 * <usize>(j + n - 2))))) {
      qhat--;
      rhat += vTop;
      if (rhat > M32) break;
    }
    // Multiply and subtract.
    let k: i64 = 0;
    let t: i64 = 0;
    for (let i = 0; i < n; i++) {
      const p = qhat * <u64>load<u32>(v + 4 * <usize>i);
      const at = u + 4 * <usize>(i + j);
      t = <i64>load<u32>(at) - k - <i64>(p & M32);
      store<u32>(at, <u32>t);
      k = <i64>(p >> 32) - (t >> 32);
    }
    const topAt = u + 4 * <usize>(j + n);
    t = <i64>load<u32>(topAt) - k;
    store<u32>(topAt, <u32>t);
    if (t < 0) {
      // Subtracted once too often: add the divisor back.
      qhat--;
      k = 0;
      for (let i = 0; i < n; i++) {
        const at = u + 4 * <usize>(i + j);
        t = <i64>load<u32>(at) + <i64>load<u32>(v + 4 * <usize>i) + k;
        store<u32>(at, <u32>t);
        k = t >> 32;
      }
      store<u32>(topAt, <u32>(<i64>load<u32>(topAt) + k));
    }
    store<u32>(q + 4 * <usize>j, <u32>qhat);
  }
  let rest: u32 = 0;
  for (let i = 0; i < n; i++) rest |= load<u32>(u + 4 * <usize>i);
  return rest != 0;
}

/** The high word of the last `mul64`. */
let mulHi: u64 = 0;

/** The 128-bit product of two words: its low word, the high one in mulHi (binaryen inlines it). */
function mul64(a: u64, b: u64): u64 {
  const a0 = a & M32;
  const a1 = a >> 32;
  const b0 = b & M32;
  const b1 = b >> 32;
  const low = a0 * b0;
  const cross0 = a0 * b1;
  const cross1 = a1 * b0;
  const middle = (low >> 32) + (cross0 & M32) + (cross1 & M32);
  mulHi = a1 * b1 + (cross0 >> 32) + (cross1 >> 32) + (middle >> 32);
  return (middle << 32) | (low & M32);
}

/**
 * floor(x * y / d) for x, y < 2^128 and 0 < d < 2^128, as `multiply` then `divide` give it: into (rhi, rlo), with
 * inRange and `remainder`. A hop's price is such a quotient, and mostly below 2^63 (an amount of a token, not a
 * reserve): then the float quotient of the factors, within 2^-50 of it, is an estimate q0 a few thousand off at most;
 * the remainder x*y - q0*d, a few thousand d, is exact in its low 192 bits (x*y's and q0*d's, modulo 2^192); the float
 * quotient of that remainder and d corrects q0 to within one, and the remainder's sign and size to the unit. A dozen
 * 64-bit products and two float divisions instead of Knuth's digit loops (four hardware divisions of 64 bits among
 * them). Larger quotients are divided digit by digit.
 */
function mulDiv(xhi: u64, xlo: u64, yhi: u64, ylo: u64, dhi: u64, dlo: u64): void {
  const dFloat = toFloat(dhi, dlo);
  const estimate = (toFloat(xhi, xlo) * toFloat(yhi, ylo)) / dFloat;
  // From 2^63 the long way: q0 stays a word, and q within a word of it.
  if (!(estimate < TWO_63)) {
    multiply(xhi, xlo, yhi, ylo);
    divide(dhi, dlo);
    return;
  }
  let q = <u64>estimate;
  // x * y modulo 2^192: n0, n1, n2.
  const n0 = mul64(xlo, ylo);
  const h00 = mulHi;
  const l01 = mul64(xlo, yhi);
  const h01 = mulHi;
  const l10 = mul64(xhi, ylo);
  const h10 = mulHi;
  const l11 = xhi * yhi;
  let n1 = h00 + l01;
  let carry: u64 = n1 < l01 ? 1 : 0;
  n1 += l10;
  carry += n1 < l10 ? 1 : 0;
  const n2 = h01 + h10 + l11 + carry;
  // q * d (below 2^192): m0, m1, m2; the remainder r = x*y - q*d modulo 2^192, a signed number far inside that.
  const m0 = mul64(q, dlo);
  const hA = mulHi;
  const lB = mul64(q, dhi);
  const m1 = hA + lB;
  const m2 = mulHi + (m1 < lB ? 1 : 0);
  rem0 = n0;
  rem1 = n1;
  rem2 = n2;
  subtractFromRemainder(m2, m1, m0);
  // The correction: floor(r / d) from floats (r and d are accurate to 2^-52, r / d is within a few thousand).
  const negative = <i64>rem2 < 0;
  let a0 = rem0;
  let a1 = rem1;
  let a2 = rem2;
  if (negative) {
    a0 = ~rem0 + 1;
    a1 = ~rem1 + (a0 == 0 ? 1 : 0);
    a2 = ~rem2 + (a0 == 0 && a1 == 0 ? 1 : 0);
  }
  const magnitude = (<f64>a2 * TWO_64 + <f64>a1) * TWO_64 + <f64>a0;
  const ratio = Math.floor((negative ? -magnitude : magnitude) / dFloat);
  if (!(Math.abs(ratio) < 4294967296.0)) {
    multiply(xhi, xlo, yhi, ylo);
    divide(dhi, dlo);
    return;
  }
  // r -= ratio * d, q += ratio (|ratio| < 2^32: its product with d is below 2^160).
  const k = <u64>Math.abs(ratio);
  const t0 = mul64(k, dlo);
  const tHi = mulHi;
  const t1l = mul64(k, dhi);
  const t1 = tHi + t1l;
  const t2 = mulHi + (t1 < t1l ? 1 : 0);
  if (ratio >= 0) {
    subtractFromRemainder(t2, t1, t0);
    q += k;
  } else {
    addToRemainder(t2, t1, t0);
    q -= k;
  }
  // Within one d of the remainder now: step to 0 <= r < d.
  while (<i64>rem2 < 0) {
    addToRemainder(0, dhi, dlo);
    q--;
  }
  while (rem2 != 0 || rem1 > dhi || (rem1 == dhi && rem0 >= dlo)) {
    subtractFromRemainder(0, dhi, dlo);
    q++;
  }
  rhi = 0;
  rlo = q;
  inRange = true;
  remainder = (rem0 | rem1) != 0;
}

/** mulDiv's remainder, three words modulo 2^192 (rem2 the highest; negative when its top bit is set). */
let rem0: u64 = 0;
let rem1: u64 = 0;
let rem2: u64 = 0;

function addToRemainder(w2: u64, w1: u64, w0: u64): void {
  rem0 += w0;
  let carry: u64 = rem0 < w0 ? 1 : 0;
  const sum = rem1 + w1;
  const next: u64 = sum < w1 ? 1 : 0;
  rem1 = sum + carry;
  carry = next + (rem1 < carry ? 1 : 0);
  rem2 += w2 + carry;
}

function subtractFromRemainder(w2: u64, w1: u64, w0: u64): void {
  const borrow: u64 = rem0 < w0 ? 1 : 0;
  rem0 -= w0;
  const next: u64 = rem1 < w1 || (rem1 == w1 && borrow != 0) ? 1 : 0;
  rem1 = rem1 - w1 - borrow;
  rem2 = rem2 - w2 - next;
}

/** The float nearest to the u128 (hi, lo), ties to even, as Number(bigint) converts. */
function toFloat(hi: u64, lo: u64): f64 {
  if (hi == 0) return <f64>lo;
  const s = clz<u64>(hi);
  // The top 64 bits, with every bit below them folded into the last one (it only breaks ties, it never makes one).
  let top = s == 0 ? hi : (hi << s) | (lo >> (64 - s));
  if (lo << s != 0) top |= 1;
  return <f64>top * reinterpret<f64>((1023 + 64 - s) << 52);
}

// --- Uniswap-V2 hop prices (../../pool-math.ts) -------------------------------------------------------------------

/** Whether the reserves of pool p are in the kernel's range (below 2^112). */
function poolExact(p: i32): bool {
  return load<u8>(exactOk + <usize>p) != 0;
}

function reserveLimb(p: i32, side: i32, word: i32): u64 {
  return load<u64>(limbs + 32 * <usize>p + 16 * <usize>side + 8 * <usize>word);
}

/** getAmountOut of (ahi, alo) through the hop selling side `side` of pool p, into (rhi, rlo); inRange false if out of range. */
function amountOut(ahi: u64, alo: u64, p: i32, side: i32): void {
  inRange = true;
  const inHi = reserveLimb(p, side, 1);
  const inLo = reserveLimb(p, side, 0);
  const outHi = reserveLimb(p, 1 - side, 1);
  const outLo = reserveLimb(p, 1 - side, 0);
  if ((ahi | alo) == 0 || (inHi | inLo) == 0 || (outHi | outLo) == 0) {
    rhi = 0;
    rlo = 0;
    return;
  }
  // Below 2^113 the input with its fee and the denominator stay below 2^128.
  if (ahi >> 49 != 0) {
    inRange = false;
    return;
  }
  const keep = <u64>(10000 - load<i32>(feeBps + 4 * <usize>p));
  multiplySmall(ahi, alo, keep);
  const wHi = rhi;
  const wLo = rlo;
  multiplySmall(inHi, inLo, 10000);
  const dLo = rlo + wLo;
  const dHi = rhi + wHi + (dLo < wLo ? 1 : 0);
  mulDiv(wHi, wLo, outHi, outLo, dHi, dLo);
}

/** getAmountIn of (ahi, alo) through that hop, into (rhi, rlo); `unreachable` when no input buys it. */
let unreachable = false;
function amountIn(ahi: u64, alo: u64, p: i32, side: i32): void {
  inRange = true;
  unreachable = false;
  if ((ahi | alo) == 0) {
    rhi = 0;
    rlo = 0;
    return;
  }
  const inHi = reserveLimb(p, side, 1);
  const inLo = reserveLimb(p, side, 0);
  const outHi = reserveLimb(p, 1 - side, 1);
  const outLo = reserveLimb(p, 1 - side, 0);
  const fee = load<i32>(feeBps + 4 * <usize>p);
  if (ahi > outHi || (ahi == outHi && alo >= outLo) || (inHi | inLo) == 0 || fee >= 10000) {
    unreachable = true;
    return;
  }
  // Below the reserve, itself below 2^112: the numerator stays below 2^238 and the denominator below 2^126.
  multiplySmall(inHi, inLo, 10000);
  const scaledHi = rhi;
  const scaledLo = rlo;
  const roomLo = outLo - alo;
  const roomHi = outHi - ahi - (outLo < alo ? 1 : 0);
  multiplySmall(roomHi, roomLo, <u64>(10000 - fee));
  mulDiv(ahi, alo, scaledHi, scaledLo, rhi, rlo);
  if (remainder) {
    rlo += 1;
    if (rlo == 0) rhi += 1;
    if (rhi == 0 && rlo == 0) inRange = false;
  }
}

// --- The cycle being sized ------------------------------------------------------------------------------------------

let hopCount: i32 = 0;
let pool0: i32 = 0;
let pool1: i32 = 0;
let pool2: i32 = 0;
let pool3: i32 = 0;
let side0: i32 = 0;
let side1: i32 = 0;
let side2: i32 = 0;
let side3: i32 = 0;

/** The cycle of `hops` edges e_i = 2 * pool + side (unused ones 0) is the one sized. */
function setCycle(hops: i32, e0: i32, e1: i32, e2: i32, e3: i32): void {
  hopCount = hops;
  pool0 = e0 >> 1;
  side0 = e0 & 1;
  pool1 = e1 >> 1;
  side1 = e1 & 1;
  pool2 = e2 >> 1;
  side2 = e2 & 1;
  pool3 = e3 >> 1;
  side3 = e3 & 1;
}

function poolOf(i: i32): i32 {
  return i == 0 ? pool0 : i == 1 ? pool1 : i == 2 ? pool2 : pool3;
}

function sideOf(i: i32): i32 {
  return i == 0 ? side0 : i == 1 ? side1 : i == 2 ? side2 : side3;
}

function reserveIn(i: i32): f64 {
  const p = <usize>poolOf(i);
  return load<f64>((sideOf(i) == 0 ? floatReserve0 : floatReserve1) + 8 * p);
}

function reserveOut(i: i32): f64 {
  const p = <usize>poolOf(i);
  return load<f64>((sideOf(i) == 0 ? floatReserve1 : floatReserve0) + 8 * p);
}

function feeOf(i: i32): f64 {
  return <f64>load<i32>(feeBps + 4 * <usize>poolOf(i));
}

/** routeAmountOut over the whole cycle, into (rhi, rlo); inRange false when a hop is out of range. */
function routeOut(hi: u64, lo: u64): void {
  rhi = hi;
  rlo = lo;
  for (let i = 0; i < hopCount; i++) {
    amountOut(rhi, rlo, poolOf(i), sideOf(i));
    if (!inRange) return;
  }
}

/** routeAmountIn over the first `end` hops, into (rhi, rlo); `unreachable` or !inRange as amountIn says. */
function routeIn(hi: u64, lo: u64, end: i32): void {
  rhi = hi;
  rlo = lo;
  inRange = true;
  unreachable = false;
  for (let i = end - 1; i >= 0; i--) {
    amountIn(rhi, rlo, poolOf(i), sideOf(i));
    if (unreachable || !inRange) return;
  }
}

// --- Float-first sizing (../../float-first.ts and ../../value-screen.ts, the same operations in the same order) -----

const ERR: f64 = 1e-12;
const UP: f64 = 1 + ERR;
const DOWN: f64 = 1 - ERR;
const PPM_FACTOR: f64 = 1 - 1e-6 + 1e-12;
const EXACT: f64 = 9007199254740992;
const FORWARD_MARGIN: f64 = 1 + 1e-14;
const TWO_M51: f64 = 4.440892098500626e-16;
const TWO_M52: f64 = 2.220446049250313e-16;
const TWO_64: f64 = 18446744073709551616.0;
const TWO_113: f64 = 10384593717069655257060992658440192.0;

/** A folded route a*x / (b + c*x) (FloatPool of float-first.ts): whole, head and tail. */
let foldA: f64 = 1;
let foldB: f64 = 1;
let foldC: f64 = 0;

function fold(from: i32, to: i32): bool {
  let a: f64 = 1;
  let b: f64 = 1;
  let c: f64 = 0;
  for (let i = from; i < to; i++) {
    const rOut = reserveOut(i);
    const rIn = reserveIn(i);
    if (!(rIn > 0) || !(rOut > 0)) return false;
    const g = 10000 - feeOf(i);
    const rin = 1e4 * rIn;
    c = rin * c + a * g;
    a *= g * rOut;
    b *= rin;
  }
  foldA = a;
  foldB = b;
  foldC = c;
  return true;
}

function outputAbove(amount: f64): f64 {
  let out = amount;
  for (let i = 0; i < hopCount; i++) {
    const rIn = reserveIn(i);
    const rOut = reserveOut(i);
    if (!(out > 0) || !(rIn > 0) || !(rOut > 0)) return 0;
    const withFee = out * (10000 - feeOf(i));
    out = Math.floor(((withFee * rOut) / (rIn * 10000 + withFee)) * FORWARD_MARGIN);
    if (!isFinite(out)) return Infinity;
  }
  return out;
}

function differenceAbove(a: f64, b: f64): f64 {
  return a < EXACT && b < EXACT ? a - b : a - b + (Math.abs(a) + Math.abs(b)) * TWO_M51 + 1;
}

function lowerBound(f: f64): f64 {
  return Math.abs(f) < EXACT ? f : f - Math.abs(f) * TWO_M52 - 1;
}

function upperBound(f: f64): f64 {
  return Math.abs(f) < EXACT ? f : f + Math.abs(f) * TWO_M52 + 1;
}

function cannotProve(low: f64, high: f64, bound: f64): bool {
  const above = differenceAbove(outputAbove(high), low);
  return above <= 0 || (bound >= above + 1 && above < bound * PPM_FACTOR);
}

// What `size` returns.
const NONE = 0;
const TRADE = 1;
/** Neither float proof settles the cycle: the exact search must, split at OUT+48. */
const SEARCH = 2;
/** Out of the kernel's ranges: the TypeScript sizes the whole cycle. */
const ELSEWHERE = 3;
/** A proof did not settle it; go on with the next. */
const OPEN = 4;

const EXACT_PROOF = 0;
const PPM_PROOF = 1;

/** proveTrade: TRADE with the trade at OUT, OPEN, or ELSEWHERE. */
function proveTrade(inHi: u64, inLo: u64, bound: f64): i32 {
  routeOut(inHi, inLo);
  if (!inRange) return ELSEWHERE;
  const outHi = rhi;
  const outLo = rlo;
  // profit = out - in, when positive.
  if (outHi < inHi || (outHi == inHi && outLo <= inLo)) return OPEN;
  const pLo = outLo - inLo;
  const pHi = outHi - inHi - (outLo < inLo ? 1 : 0);
  const floor = lowerBound(toFloat(pHi, pLo));
  let optimality = PPM_PROOF;
  if (floor < EXACT && bound < floor + 1) optimality = EXACT_PROOF;
  else if (floor < bound * PPM_FACTOR) return OPEN;
  store<u64>(OUT, inLo);
  store<u64>(OUT + 8, inHi);
  store<u64>(OUT + 16, outLo);
  store<u64>(OUT + 24, outHi);
  store<u64>(OUT + 32, pLo);
  store<u64>(OUT + 40, pHi);
  store<i32>(OUT + 52, optimality);
  return TRADE;
}

/** A float integer 0 <= x < 2^113 as (rhi, rlo); inRange false beyond. */
function fromFloat(x: f64): void {
  inRange = x < TWO_113;
  if (!inRange) return;
  const hi = Math.floor(x / TWO_64);
  rhi = <u64>hi;
  rlo = <u64>(x - hi * TWO_64);
}

function floatFirst(): i32 {
  if (!fold(0, hopCount)) return NONE;
  const a = foldA;
  const b = foldB;
  const c = foldC;
  if (a * UP <= b * DOWN) return NONE;
  const sa = Math.sqrt(a);
  const sb = Math.sqrt(b);
  const gap = sa * UP - sb * DOWN;
  if (!(gap > 0)) return OPEN;
  const bound = ((gap * gap) / (c * DOWN)) * UP;
  if (bound < 1) return NONE;
  const xStar = (sa * sb - b) / c;
  if (!(xStar >= 1) || !isFinite(xStar)) return OPEN;
  const x = Math.floor(xStar);
  if (cannotProve(x, x, bound)) return OPEN;
  fromFloat(x);
  if (!inRange) return ELSEWHERE;
  return proveTrade(rhi, rlo, bound);
}

function coarsestSplit(): i32 {
  let split = 0;
  let unitsPerBase: f64 = 1;
  let lowest: f64 = 1;
  for (let i = 1; i < hopCount; i++) {
    unitsPerBase *= (reserveOut(i - 1) / reserveIn(i - 1)) * (1 - feeOf(i - 1) / 10000);
    if (unitsPerBase < lowest) {
      lowest = unitsPerBase;
      split = i;
    }
  }
  return split;
}

function forward(a: f64, b: f64, c: f64, y: f64): f64 {
  return (a * y) / (b + c * y);
}

function inverse(a: f64, b: f64, c: f64, y: f64): f64 {
  return (b * y) / (a - c * y);
}

function slope(a: f64, b: f64, c: f64, y: f64): f64 {
  const d = b + c * y;
  return (a * b) / (d * d);
}

function inverseSlope(a: f64, b: f64, c: f64, y: f64): f64 {
  const d = a - c * y;
  return (a * b) / (d * d);
}

/** JavaScript's Math.round for 2 <= x < 2^53: the nearest integer, halves up. */
function roundHalfUp(x: f64): f64 {
  const r = Math.floor(x);
  return x - r >= 0.5 ? r + 1 : r;
}

function floatSplit(split: i32): i32 {
  if (!fold(0, split)) return OPEN;
  const ha = foldA;
  const hb = foldB;
  const hc = foldC;
  if (!fold(split, hopCount)) return OPEN;
  const ta = foldA;
  const tb = foldB;
  const tc = foldC;
  const sT = Math.sqrt(ta * tb);
  const sH = Math.sqrt(ha * hb);
  const peak = (sT * ha - sH * tb) / (sT * hc + sH * tc);
  if (!(peak >= 2) || !(peak < EXACT - 4)) return OPEN;
  const lo = Math.floor(peak) - 1;
  const hi = lo + 3;
  if (!(hc * hi <= ha * 0.5)) return OPEN;
  if (!(slope(ta, tb, tc, lo) * DOWN > inverseSlope(ha, hb, hc, lo) * UP)) return OPEN;
  if (!(slope(ta, tb, tc, hi) * UP < inverseSlope(ha, hb, hc, hi) * DOWN)) return OPEN;
  let bound = -Infinity;
  for (let y = lo; y <= hi; y++) {
    const r = forward(ta, tb, tc, y) * UP - inverse(ha, hb, hc, y) * DOWN;
    const above = r > 0 ? r * UP : r * DOWN;
    if (above > bound) bound = above;
  }
  if (bound < 1) return NONE;
  const nearest = roundHalfUp(peak);
  const other = nearest == lo + 1 ? lo + 2 : lo + 1;
  for (let k = 0; k < 2; k++) {
    // A float integer below 2^53: exact as a u64.
    routeIn(0, <u64>(k == 0 ? nearest : other), split);
    if (unreachable) continue;
    if (!inRange) return ELSEWHERE;
    const inHi = rhi;
    const inLo = rlo;
    if ((inHi | inLo) == 0) continue;
    const f = toFloat(inHi, inLo);
    if (cannotProve(lowerBound(f), upperBound(f), bound)) continue;
    const settled = proveTrade(inHi, inLo, bound);
    if (settled != OPEN) return settled;
  }
  return OPEN;
}

/**
 * Sizes the all-V2 cycle of `hops` hops selling side s_i of pool p_i (edge e_i = 2*p_i + s_i, as the cycle index
 * stores them): NONE (no input profits), TRADE (at OUT), SEARCH (the exact search must settle it, split at OUT+48), or
 * ELSEWHERE (out of range: size it in TypeScript).
 */
export function size(hops: i32, e0: i32, e1: i32, e2: i32, e3: i32): i32 {
  setCycle(hops, e0, e1, e2, e3);
  for (let i = 0; i < hops; i++) if (!poolExact(poolOf(i))) return ELSEWHERE;
  const quick = floatFirst();
  if (quick != OPEN) return quick;
  const split = coarsestSplit();
  const settled = floatSplit(split);
  if (settled != OPEN) return settled;
  store<i32>(OUT + 48, split);
  searchSplit = split;
  return SEARCH;
}

// --- The exact search's objective (V2Split of ../../sizing.ts) for the cycle `size` left to it ----------------------

/** The split of the cycle the last `size` answered SEARCH for: the one `screen` and `value` work on. */
let searchSplit: i32 = 0;
const INVERSE_MARGIN: f64 = 1 - 1e-12;
const INVERSE_HEADROOM: f64 = 0.0009765625;

/**
 * The screen's hops, per hop its float reserves in and out and 10000 - fee (f64 each), read once per `screen` call
 * instead of through the hop's pool and side for every point (a screen passes over hundreds of points per call).
 */
const SCREEN_HOPS: usize = SCRATCH + 1536;

/** ValueScreen.cannotBeat (../../value-screen.ts), the same operations in the same order, over SCREEN_HOPS. */
function cannotBeat(y: f64, best: f64): bool {
  let out = y;
  for (let i = searchSplit; i < hopCount; i++) {
    const at = SCREEN_HOPS + 24 * <usize>i;
    const rIn = load<f64>(at);
    const rOut = load<f64>(at + 8);
    if (!(out > 0) || !(rIn > 0) || !(rOut > 0)) {
      out = 0;
      break;
    }
    const withFee = out * load<f64>(at + 16);
    out = Math.floor(((withFee * rOut) / (rIn * 10000 + withFee)) * FORWARD_MARGIN);
    if (!isFinite(out)) return false;
  }
  let cost = y;
  for (let i = searchSplit - 1; i >= 0; i--) {
    const at = SCREEN_HOPS + 24 * <usize>i;
    const rIn = load<f64>(at);
    const rOut = load<f64>(at + 8);
    const keep = load<f64>(at + 16);
    const room = rOut - cost;
    if (!(room >= rOut * INVERSE_HEADROOM) || !(keep > 0)) return false;
    cost = Math.ceil(((cost * rIn * 10000) / (room * keep)) * INVERSE_MARGIN);
  }
  if (!isFinite(out) || !isFinite(cost)) return false;
  const exact = out < EXACT && cost < EXACT;
  const bound = exact ? out - cost : out - cost + (Math.abs(out) + Math.abs(cost)) * TWO_M51 + 1;
  return bound <= best;
}

/** ValueScreen.firstOpen: the first k < count whose point from + k*step cannotBeat does not rule out, else count. */
export function screen(from: f64, step: f64, count: i32, best: f64): i32 {
  for (let i = 0; i < hopCount; i++) {
    const at = SCREEN_HOPS + 24 * <usize>i;
    store<f64>(at, reserveIn(i));
    store<f64>(at + 8, reserveOut(i));
    store<f64>(at + 16, 10000 - feeOf(i));
  }
  for (let k = 0; k < count; k++) if (!cannotBeat(from + <f64>k * step, best)) return k;
  return count;
}

/**
 * V2Split.value at split point 0 < y < 2^63: tail(y) - headInverse(y). Returns 1 with the value at OUT (low word, high
 * word, then 0 or 1 for its sign at OUT+16), 0 when headInverse has no answer (value's null), 2 when out of range.
 */
export function value(y: u64): i32 {
  routeIn(0, y, searchSplit);
  if (unreachable) return 0;
  if (!inRange) return 2;
  const costHi = rhi;
  const costLo = rlo;
  rhi = 0;
  rlo = y;
  for (let i = searchSplit; i < hopCount; i++) {
    amountOut(rhi, rlo, poolOf(i), sideOf(i));
    if (!inRange) return 2;
  }
  const negative = rhi < costHi || (rhi == costHi && rlo < costLo);
  const aHi = negative ? costHi : rhi;
  const aLo = negative ? costLo : rlo;
  const bHi = negative ? rhi : costHi;
  const bLo = negative ? rlo : costLo;
  store<u64>(OUT, aLo - bLo);
  store<u64>(OUT + 8, aHi - bHi - (aLo < bLo ? 1 : 0));
  store<u64>(OUT + 16, negative ? 1 : 0);
  return 1;
}

// --- Signed integers of up to 62 digits (1,984 bits): the exact search's folded pools and profit window ----------

/**
 * Registers: a digit count, a sign (1 negative) and the digits (u32, lowest first), REG_BYTES apart from REGS. A
 * result longer than MAXL digits sets `overflow`, and the search hands its cycle back to the TypeScript.
 */
const REGS: usize = SCRATCH + 2048;
const REG_BYTES: usize = 256;
const MAXL: i32 = 62;
/** Knuth's dividend and divisor, normalised (MAXL + 1 digits each). */
const DIV_U: usize = REGS + 40 * REG_BYTES;
const DIV_V: usize = DIV_U + REG_BYTES;
let overflow = false;

function regAt(r: i32): usize {
  return REGS + <usize>r * REG_BYTES;
}

function lengthOf(r: i32): i32 {
  return load<i32>(regAt(r));
}

function negative(r: i32): bool {
  return load<i32>(regAt(r) + 4) != 0;
}

function digit(r: i32, i: i32): u64 {
  return <u64>load<u32>(regAt(r) + 8 + 4 * <usize>i);
}

function setDigit(r: i32, i: i32, d: u64): void {
  store<u32>(regAt(r) + 8 + 4 * <usize>i, <u32>d);
}

/** Sets the length to `n` digits less any leading zeros, and the sign (never a negative zero). */
function trim(r: i32, n: i32, neg: bool): void {
  while (n > 0 && digit(r, n - 1) == 0) n--;
  store<i32>(regAt(r), n);
  store<i32>(regAt(r) + 4, n > 0 && neg ? 1 : 0);
}

function setU128(r: i32, hi: u64, lo: u64): void {
  setDigit(r, 0, lo & M32);
  setDigit(r, 1, lo >> 32);
  setDigit(r, 2, hi & M32);
  setDigit(r, 3, hi >> 32);
  trim(r, 4, false);
}

function setSmall(r: i32, v: u64): void {
  setU128(r, 0, v);
}

function copy(dst: i32, src: i32): void {
  const n = lengthOf(src);
  for (let i = 0; i < n; i++) setDigit(dst, i, digit(src, i));
  trim(dst, n, negative(src));
}

/** -1, 0 or 1 as |a| is below, equal to or above |b|. */
function compareMagnitudes(a: i32, b: i32): i32 {
  const la = lengthOf(a);
  const lb = lengthOf(b);
  if (la != lb) return la < lb ? -1 : 1;
  for (let i = la - 1; i >= 0; i--) {
    const x = digit(a, i);
    const y = digit(b, i);
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

function signum(r: i32): i32 {
  return lengthOf(r) == 0 ? 0 : negative(r) ? -1 : 1;
}

/** -1, 0 or 1 as a is below, equal to or above b. */
function compare(a: i32, b: i32): i32 {
  const sa = signum(a);
  const sb = signum(b);
  if (sa != sb) return sa < sb ? -1 : 1;
  const m = compareMagnitudes(a, b);
  return sa < 0 ? -m : m;
}

/** dst = a + (bNegated ? -b : b); dst may be a or b. */
function addSigned(dst: i32, a: i32, b: i32, bNegated: bool): void {
  const aNeg = negative(a);
  const bNeg = negative(b) != bNegated && lengthOf(b) > 0;
  const la = lengthOf(a);
  const lb = lengthOf(b);
  if (aNeg == bNeg) {
    const n = la > lb ? la : lb;
    if (n + 1 > MAXL) {
      overflow = true;
      trim(dst, 0, false);
      return;
    }
    let carry: u64 = 0;
    for (let i = 0; i < n; i++) {
      const t = (i < la ? digit(a, i) : 0) + (i < lb ? digit(b, i) : 0) + carry;
      setDigit(dst, i, t & M32);
      carry = t >> 32;
    }
    setDigit(dst, n, carry);
    trim(dst, n + 1, aNeg);
    return;
  }
  // Opposite signs: the smaller magnitude from the larger, with the larger's sign.
  const order = compareMagnitudes(a, b);
  const big = order >= 0 ? a : b;
  const small = order >= 0 ? b : a;
  const neg = order >= 0 ? aNeg : bNeg;
  const n = lengthOf(big);
  const ls = lengthOf(small);
  let borrow: i64 = 0;
  for (let i = 0; i < n; i++) {
    const t = <i64>digit(big, i) - <i64>(i < ls ? digit(small, i) : 0) - borrow;
    setDigit(dst, i, (<u64>t) & M32);
    borrow = t < 0 ? 1 : 0;
  }
  trim(dst, n, neg);
}

function add(dst: i32, a: i32, b: i32): void {
  addSigned(dst, a, b, false);
}

function subtract(dst: i32, a: i32, b: i32): void {
  addSigned(dst, a, b, true);
}

/** dst = a * b; dst is neither. */
function times(dst: i32, a: i32, b: i32): void {
  const la = lengthOf(a);
  const lb = lengthOf(b);
  if (la + lb > MAXL) {
    overflow = true;
    trim(dst, 0, false);
    return;
  }
  for (let i = 0; i < la + lb; i++) setDigit(dst, i, 0);
  for (let i = 0; i < la; i++) {
    const x = digit(a, i);
    if (x == 0) continue;
    let carry: u64 = 0;
    for (let j = 0; j < lb; j++) {
      const t = x * digit(b, j) + digit(dst, i + j) + carry;
      setDigit(dst, i + j, t & M32);
      carry = t >> 32;
    }
    setDigit(dst, i + lb, carry);
  }
  trim(dst, la + lb, negative(a) != negative(b));
}

/** q = floor(a / b) for a >= 0 and b > 0; q is neither. */
function quotient(q: i32, a: i32, b: i32): void {
  const m = lengthOf(a);
  const n = lengthOf(b);
  if (m < n) {
    trim(q, 0, false);
    return;
  }
  for (let i = 0; i < m; i++) store<u32>(DIV_U + 4 * <usize>i, <u32>digit(a, i));
  for (let i = 0; i < n; i++) store<u32>(DIV_V + 4 * <usize>i, <u32>digit(b, i));
  divideDigits(DIV_U, m, DIV_V, n, regAt(q) + 8);
  trim(q, m - n + 1, false);
}

/** x * 2^e for 0 <= e, exactly (a power of two only moves the exponent), Infinity past the float range. */
function scale(x: f64, e: i32): f64 {
  while (e > 960) {
    x *= reinterpret<f64>((<u64>(1023 + 960)) << 52);
    e -= 960;
  }
  return x * reinterpret<f64>((<u64>(1023 + e)) << 52);
}

/** The float nearest to register r, ties to even, as Number(bigint) converts (Infinity beyond the float range). */
function registerFloat(r: i32): f64 {
  const n = lengthOf(r);
  let f: f64 = 0;
  if (n <= 2) f = <f64>((n > 1 ? digit(r, 1) << 32 : 0) | (n > 0 ? digit(r, 0) : 0));
  else {
    const s = <u64>clz<u32>(<u32>digit(r, n - 1));
    // The top 64 bits, every bit below them folded into the last one (it only breaks ties, it never makes one).
    const window = (digit(r, n - 1) << 32) | digit(r, n - 2);
    const below = digit(r, n - 3);
    let top = s == 0 ? window : (window << s) | (below >> (32 - s));
    let sticky = (below << (32 + s)) & 0xffffffff00000000;
    for (let i = n - 4; i >= 0 && sticky == 0; i--) sticky = digit(r, i);
    if (sticky != 0) top |= 1;
    f = scale(<f64>top, 32 * (n - 2) - <i32>s);
  }
  return negative(r) ? -f : f;
}

/** Register r = the integer-valued float x (|x| < 2^1024). */
function setFloat(r: i32, x: f64): void {
  const m = Math.abs(x);
  if (m < TWO_64) {
    setSmall(r, <u64>m);
  } else {
    const bits = reinterpret<u64>(m);
    const shift = <i32>((bits >> 52) & 0x7ff) - 1075;
    const mantissa = (bits & 0xfffffffffffff) | 0x10000000000000;
    const at = shift >> 5;
    const within = <u64>(shift & 31);
    for (let i = 0; i < at + 3; i++) setDigit(r, i, 0);
    setDigit(r, at, (mantissa << within) & M32);
    setDigit(r, at + 1, (mantissa >> (32 - within)) & M32);
    setDigit(r, at + 2, within == 0 ? 0 : mantissa >> (64 - within));
    trim(r, at + 3, false);
  }
  if (x < 0 && lengthOf(r) > 0) store<i32>(regAt(r) + 4, 1);
}

// --- The exact search of a cycle `size` left to it (exactTrade of ../../sizing.ts and ../../exact-maximum.ts) --------

// Registers of the search: the folded head and tail (a, b, c), the profit window's coefficients and scratch.
const HA = 0;
const HB = 1;
const HC = 2;
const TA = 3;
const TB = 4;
const TC = 5;
const K2 = 6;
const C2 = 7;
const K1 = 8;
const C1 = 9;
const C0 = 10;
const LIMIT = 11;
const SEED = 12;
const BEST = 13;
const TARGET = 14;
const Q2 = 15;
const Q1 = 16;
const Q0 = 17;
const VERTEX = 18;
const LO = 19;
const HI = 20;
const R1 = 21;
const R2 = 22;
const R3 = 23;
const R4 = 24;
const X = 25;
const ONE = 26;
const HOP_A = 27;
const HOP_B = 28;
const HOP_C = 29;
const VALUE = 30;

/** The search met a case it leaves to the TypeScript (an amount or quotient past the kernel's ranges). */
let bail = false;

/** Folds hops from..to-1 exactly (foldRoute of ../../sizing.ts) into registers a, b, c. */
function foldExact(from: i32, to: i32, a: i32, b: i32, c: i32): void {
  setSmall(a, 1);
  setSmall(b, 1);
  setSmall(c, 0);
  for (let i = from; i < to; i++) {
    const p = poolOf(i);
    const side = sideOf(i);
    const g = <u64>(10000 - load<i32>(feeBps + 4 * <usize>p));
    setU128(R1, reserveLimb(p, 1 - side, 1), reserveLimb(p, 1 - side, 0));
    setSmall(R2, g);
    times(HOP_A, R1, R2);
    setU128(R1, reserveLimb(p, side, 1), reserveLimb(p, side, 0));
    setSmall(R2, 10000);
    times(HOP_B, R1, R2);
    setSmall(HOP_C, g);
    // c = b_hop * c + a * c_hop, then a *= a_hop, b *= b_hop.
    times(R1, HOP_B, c);
    times(R2, a, HOP_C);
    add(c, R1, R2);
    times(R1, a, HOP_A);
    copy(a, R1);
    times(R1, b, HOP_B);
    copy(b, R1);
  }
}

/** The profit window's coefficients (ProfitWindow of ../../sizing.ts), once per cycle. */
let hasLimit = false;
function profitCoefficients(): void {
  times(R1, TA, HC);
  times(R2, HB, TC);
  add(K2, R1, R2);
  times(C2, TC, HC);
  times(R1, TA, HA);
  times(R2, HB, TB);
  subtract(K1, R1, R2);
  times(R1, TB, HC);
  times(R2, TC, HA);
  subtract(C1, R1, R2);
  times(C0, TB, HA);
  hasLimit = signum(HC) > 0;
  if (hasLimit) {
    // ceilDiv(a, c) - 1 = floor((a + c - 1) / c) - 1
    add(R1, HA, HC);
    subtract(R1, R1, ONE);
    quotient(LIMIT, R1, HC);
    subtract(LIMIT, LIMIT, ONE);
  }
}

/** (Q2 * y - Q1) * y + Q0 > 0 for y in register X. */
function outside(): bool {
  times(R1, Q2, X);
  subtract(R1, R1, Q1);
  times(R2, R1, X);
  add(R2, R2, Q0);
  return signum(R2) > 0;
}

/** ProfitWindow.at(TARGET): the window in LO..HI, or false when there is none (or the search bails). */
function profitWindow(): bool {
  times(R1, TARGET, C2);
  subtract(Q2, K2, R1);
  if (signum(Q2) <= 0) return false;
  times(R1, TARGET, C1);
  add(Q1, K1, R1);
  times(Q0, TARGET, C0);
  if (signum(Q1) <= 0) return false;
  add(R3, Q2, Q2);
  quotient(VERTEX, Q1, R3);
  copy(X, VERTEX);
  const first = outside();
  add(X, VERTEX, ONE);
  if (first && outside()) return false;
  // roots(): float roots widened by a few units, checked exactly.
  const a = registerFloat(Q2);
  const b = registerFloat(Q1);
  const r = Math.sqrt(b * b - 4 * a * registerFloat(Q0));
  const loF = Math.floor((b - r) / (2 * a)) - 2;
  const hiF = Math.ceil((b + r) / (2 * a)) + 2;
  let settled = false;
  if (isFinite(loF) && isFinite(hiF)) {
    setFloat(LO, loF);
    setFloat(HI, hiF);
    add(R4, VERTEX, ONE);
    if (compare(LO, VERTEX) < 0 && compare(HI, R4) > 0) {
      subtract(X, LO, ONE);
      if (outside()) {
        add(X, HI, ONE);
        settled = outside();
      }
    }
  }
  // Otherwise the TypeScript's integer square root of the discriminant decides: not here.
  if (!settled) {
    bail = true;
    return false;
  }
  if (compare(LO, ONE) < 0) copy(LO, ONE);
  if (hasLimit && compare(HI, LIMIT) > 0) copy(HI, LIMIT);
  return compare(LO, HI) <= 0;
}

const FAR: f64 = 9007199254740992;

/** The window edge in register r as an offset from the seed (offset() of ../../exact-maximum.ts). */
function offsetOf(r: i32): f64 {
  subtract(R1, r, SEED);
  const d = registerFloat(R1);
  return d > FAR ? FAR : d < -FAR ? -FAR : d;
}

/** The walk's state (Walk of ../../exact-maximum.ts). */
let seedFloat: f64 = 0;
let bestY: u64 = 0;
let floorValue: f64 = 0;
let run: f64 = 16;
const FIRST_RUN: f64 = 16;
const MAX_RUN: f64 = 4096;
const TWO_63: f64 = 9223372036854775808.0;

/** Walk.price: prices seed + d exactly; true when it reaches TARGET. */
function price(d: f64): bool {
  setFloat(R1, d);
  add(R1, SEED, R1);
  if (signum(R1) <= 0) return false;
  if (registerFloat(R1) >= TWO_63) {
    bail = true;
    return false;
  }
  const y = (digit(R1, 1) << 32) | digit(R1, 0);
  const status = value(y);
  if (status == 0) return false;
  if (status != 1) {
    bail = true;
    return false;
  }
  setU128(VALUE, load<u64>(OUT + 8), load<u64>(OUT));
  if (load<u64>(OUT + 16) != 0) store<i32>(regAt(VALUE) + 4, lengthOf(VALUE) > 0 ? 1 : 0);
  if (compare(VALUE, BEST) <= 0) return false;
  bestY = y;
  copy(BEST, VALUE);
  floorValue = lowerBound(registerFloat(BEST));
  return compare(VALUE, TARGET) >= 0;
}

// Walk.nextOpen's answer.
let nextOffset: f64 = 0;
let nextFound = false;
let nextSteps: f64 = 0;
let nextRight: f64 = 0;
let nextLeft: f64 = 0;

function firstOpen(from: f64, step: f64, count: f64): f64 {
  return <f64>screen(seedFloat + from, step, <i32>count, floorValue);
}

/** Walk.nextOpen, the same float operations; false where it returns null. */
function nextOpen(right: f64, left: f64, hi: f64, lo: f64, remaining: f64, leftFirst: bool): bool {
  const aStep: f64 = leftFirst ? -1 : 1;
  const aFrom = leftFirst ? left : right;
  const bFrom = leftFirst ? right : left;
  const onA = Math.max(0, leftFirst ? left - lo : hi - right);
  const onB = Math.max(0, leftFirst ? hi - right : left - lo);
  const aRun = Math.min(run, onA);
  const ja = aRun > 0 ? firstOpen(aFrom + aStep, aStep, aRun) + 1 : Infinity;
  const foundA = ja <= aRun;
  const bRun = Math.min(foundA ? ja - 1 : run, onB);
  const jb = bRun > 0 ? firstOpen(bFrom - aStep, -aStep, bRun) + 1 : Infinity;
  const foundB = jb <= bRun;
  let aSteps: f64;
  let bSteps: f64;
  nextFound = false;
  if (foundB) {
    aSteps = Math.min(jb, onA);
    bSteps = jb;
    nextOffset = bFrom - aStep * jb;
    nextFound = true;
  } else if (foundA) {
    aSteps = ja;
    bSteps = Math.min(ja - 1, onB);
    nextOffset = aFrom + aStep * ja;
    nextFound = true;
  } else {
    const j = Math.max(aRun, bRun);
    aSteps = Math.min(j, onA);
    bSteps = Math.min(j, onB);
  }
  const steps = aSteps + bSteps;
  if (steps > remaining) return false;
  run = nextFound ? FIRST_RUN : Math.min(2 * run, MAX_RUN);
  nextSteps = steps;
  nextRight = right + (leftFirst ? bSteps : aSteps);
  nextLeft = left - (leftFirst ? aSteps : bSteps);
  return true;
}

const UNPROVEN_PROOF = 2;

/** maximiseExactly: the optimality of the best point (bestY, BEST), or -1 when the search bails. */
function maximise(budget: f64): i32 {
  seedFloat = registerFloat(SEED);
  bestY = 0;
  setSmall(BEST, 0);
  floorValue = 0;
  run = FIRST_RUN;
  setSmall(TARGET, 0);
  for (let d: f64 = -1; d <= 1; d++) {
    price(d);
    if (bail) return -1;
  }
  let left: f64 = -1;
  let right: f64 = 1;
  let examined: f64 = 3;
  nextTarget();
  while (profitWindow()) {
    const lo = offsetOf(LO);
    const hi = offsetOf(HI);
    if (right < lo - 1) right = lo - 1;
    if (left > hi + 1) left = hi + 1;
    // Every point and the seed exact in a float64 (a float below 2^53 is the integer's own value).
    const screened = signum(LO) >= 0 && registerFloat(HI) < FAR && seedFloat > -FAR && seedFloat < FAR;
    floorValue = lowerBound(registerFloat(BEST));
    run = FIRST_RUN;
    let reached = false;
    let leftFirst = false;
    while (!reached) {
      const goRight = right < hi;
      const goLeft = left > lo;
      if (!goRight && !goLeft) return proven();
      if (screened) {
        if (!nextOpen(right, left, hi, lo, budget - examined, leftFirst)) return UNPROVEN_PROOF;
        examined += nextSteps;
        if (nextFound) {
          reached = price(nextOffset);
          if (bail) return -1;
          leftFirst = nextOffset > right;
        }
        right = nextRight;
        left = nextLeft;
        continue;
      }
      if (goRight) {
        if (++examined > budget) return UNPROVEN_PROOF;
        reached = price(++right);
        if (bail) return -1;
      }
      if (goLeft && !reached) {
        if (++examined > budget) return UNPROVEN_PROOF;
        reached = price(--left);
        if (bail) return -1;
      }
    }
    nextTarget();
  }
  return bail ? -1 : proven();
}

/** TARGET = best * 10^6 / (10^6 - 1) + 1: the value that beats the best by more than 1e-6. */
function nextTarget(): void {
  setSmall(R1, 1000000);
  times(R2, BEST, R1);
  setSmall(R4, 999999);
  quotient(R3, R2, R4);
  add(TARGET, R3, ONE);
}

/**
 * What a proof that nothing reaches TARGET shows of the best now (it may have risen below TARGET in the round):
 * exact when nothing beats it at all.
 */
function proven(): i32 {
  add(R1, BEST, ONE);
  return compare(TARGET, R1) == 0 ? EXACT_PROOF : PPM_PROOF;
}

/**
 * exactTrade for the cycle the last `size` answered SEARCH for, proof budget `budget` split points: NONE, TRADE (at
 * OUT, optimality 0 exact, 1 ppm, 2 unproven), or ELSEWHERE when an amount leaves the kernel's ranges (the
 * TypeScript then searches the cycle itself).
 */
export function search(budget: f64): i32 {
  overflow = false;
  bail = false;
  setSmall(ONE, 1);
  foldExact(0, searchSplit, HA, HB, HC);
  foldExact(searchSplit, hopCount, TA, TB, TC);
  // whole = head then tail: no profitable input unless its a exceeds its b.
  times(R1, HA, TA);
  times(R2, HB, TB);
  if (overflow) return ELSEWHERE;
  if (compare(R1, R2) <= 0) return NONE;
  // realMaximiser, its float path (the TypeScript's integer square roots where a value leaves float range).
  const sT = Math.sqrt(registerFloat(TA)) * Math.sqrt(registerFloat(TB));
  const sH = Math.sqrt(registerFloat(HA)) * Math.sqrt(registerFloat(HB));
  const y = (sT * registerFloat(HA) - sH * registerFloat(TB)) / (sT * registerFloat(HC) + sH * registerFloat(TC));
  if (!isFinite(y)) return ELSEWHERE;
  setFloat(SEED, Math.floor(y));
  profitCoefficients();
  const optimality = maximise(budget);
  if (optimality < 0 || overflow) return ELSEWHERE;
  if (signum(BEST) <= 0) return NONE;
  routeIn(0, bestY, searchSplit);
  if (unreachable || !inRange) return ELSEWHERE;
  const inHi = rhi;
  const inLo = rlo;
  routeOut(inHi, inLo);
  if (!inRange) return ELSEWHERE;
  if (rhi < inHi || (rhi == inHi && rlo < inLo)) return ELSEWHERE;
  store<u64>(OUT, inLo);
  store<u64>(OUT + 8, inHi);
  store<u64>(OUT + 16, rlo);
  store<u64>(OUT + 24, rhi);
  store<u64>(OUT + 32, rlo - inLo);
  store<u64>(OUT + 40, rhi - inHi - (rlo < inLo ? 1 : 0));
  store<i32>(OUT + 52, optimality);
  return TRADE;
}

// --- The full scan: every cycle of the index in one pass (the scanner's fullScan) ----------------------------------

/** Float rates carry a few ulps per hop; below this product no input can profit (RATE_FLOOR of ../../evaluator.ts). */
const RATE_FLOOR: f64 = 1 - 1e-12;
/** Headroom on the float profit bound (BOUND_SLACK of ../../evaluator.ts). */
const BOUND_SLACK: f64 = 1 + 1e-9;

function rate(e: i32): f64 {
  return load<f64>(rates + 8 * <usize>e);
}

/**
 * CycleEvaluator.profitBound of ../../evaluator.ts for the cycle in pool0..3 / side0..3, the same float operations in
 * the same order: the real optimum's bound B*(sqrt(A/B) - 1)^2 / C with A/B taken from the rate product `rho`.
 */
function profitBound(rho: f64): f64 {
  let b: f64 = 1;
  let c: f64 = 0;
  let a: f64 = 1;
  for (let i = 0; i < hopCount; i++) {
    const rin = reserveIn(i);
    const rout = reserveOut(i);
    const g = 10000 - feeOf(i);
    c = 1e4 * rin * c + a * g;
    a *= g * rout;
    b *= 1e4 * rin;
  }
  const gap = Math.sqrt(rho * (1 + 1e-12)) - 1;
  return (b * gap * gap) / c;
}

/**
 * The answer's place in the list as one unsigned 64-bit integer (sorted ascending): its group at the top, then the
 * bits of the profit's float (Number(profit)), whose bits order like it, inverted so the highest profit comes first
 * and shifted over the sign bit, the lowest `indexBits` replaced by the answer's index. Keys whose bits above the index
 * are equal (profits within a few parts in 2^40) are ordered exactly by the TypeScript.
 */
function sortKey(group: i32, index: i32, profitHi: u64, profitLo: u64): u64 {
  let key = ~reinterpret<u64>(toFloat(profitHi, profitLo)) << 1;
  if (groupBits > 0) key = (key >> groupBits) | ((<u64>group) << (64 - groupBits));
  return ((key >> indexBits) << indexBits) | (<u64>index);
}

/**
 * The full scan from cycle `from` on: each cycle's rate product (rateSurvivors of ../../scanner.ts), with `bounded` the
 * float profit bound against `minProfit` as well (CycleEvaluator.mayProfit), then `size` and, where it answers SEARCH,
 * `search` with `budget`: one call for a scan's cycles instead of JavaScript loops and calls per cycle that a fresh
 * process runs before they are compiled. Answers only for cycles that may profit: at `records` (ANSWER_BYTES each),
 * per cycle its id (i32), its flags (i32: TRADE or ELSEWHERE, the TypeScript sizing that cycle from the start; the
 * optimality; WIDE; the group), then a trade's amountIn and profit (a word each; amountOut is their sum); at `keys`
 * its sort key (`sortKey`, the answer numbered from `base`). A WIDE trade (amountIn or profit from 2^64, one in twenty
 * on the 10k-pool markets) has its amounts in the wide table at `wides` instead (WIDE_BYTES an entry, numbered on from
 * `wideFrom`), its entry's number in place of amountIn. Written where the scan's answers stay
 * (ScanAnswers of ../../scan-answers.ts): no copy. And no more than that: each 4 KiB written is a page fault in a fresh
 * process (10-20 us on a VM). Stops after `room` answers or at cycle `to`; returns the cycle to go on from (`to` when done),
 * with the answers' count at OUT+56 and the cycles sized at OUT+60 (`wides()`: the wide table's entries).
 */
export function scan(
  from: i32,
  bounded: i32,
  minProfit: f64,
  budget: f64,
  base: i32,
  records: usize,
  keys: usize,
  room: i32,
  wides: usize,
  wideFrom: i32,
  to: i32,
): i32 {
  wideTable = wides;
  wideCount = wideFrom;
  let count: usize = 0;
  let sized: i32 = 0;
  for (let c = from; c < to; c++) {
    const at = edgesAt + 4 * <usize>c * <usize>stride;
    const n = <i32>load<u8>(hopsAt + <usize>c);
    const e0 = load<i32>(at);
    const e1 = load<i32>(at + 4);
    const e2 = n > 2 ? load<i32>(at + 8) : 0;
    const e3 = n > 3 ? load<i32>(at + 12) : 0;
    let rho = rate(e0) * rate(e1);
    if (n > 2) rho *= rate(e2);
    if (n > 3) rho *= rate(e3);
    if (!(rho >= RATE_FLOOR)) continue;
    if (bounded != 0) {
      // A V3 hop has no closed-form bound: such a cycle passes on its rates alone.
      const v3 =
        e0 >> 1 >= v2Pools || e1 >> 1 >= v2Pools || (n > 2 && e2 >> 1 >= v2Pools) || (n > 3 && e3 >> 1 >= v2Pools);
      if (!v3) {
        setCycle(n, e0, e1, e2, e3);
        if (!(profitBound(rho) * BOUND_SLACK >= minProfit)) continue;
      }
    }
    sized++;
    let status = size(n, e0, e1, e2, e3);
    if (status == SEARCH) status = search(budget);
    if (status == NONE) continue;
    const out = records + ANSWER_BYTES * count;
    const group = load<i32>(edgeGroupsAt + 4 * <usize>e0);
    store<i32>(out, c);
    let key: u64 = 0;
    if (status == TRADE) {
      const inLo = load<u64>(OUT);
      const inHi = load<u64>(OUT + 8);
      const profitLo = load<u64>(OUT + 32);
      const profitHi = load<u64>(OUT + 40);
      const flags = TRADE | (load<i32>(OUT + 52) << 2) | (group << GROUP_SHIFT);
      if ((inHi | profitHi) == 0) {
        store<i32>(out + 4, flags);
        store<u64>(out + 8, inLo);
        store<u64>(out + 16, profitLo);
      } else {
        const entry = wides + WIDE_BYTES * <usize>wideCount;
        store<u64>(entry, inLo);
        store<u64>(entry + 8, inHi);
        store<u64>(entry + 16, profitLo);
        store<u64>(entry + 24, profitHi);
        store<i32>(out + 4, flags | WIDE);
        store<u64>(out + 8, <u64>wideCount);
        wideCount++;
      }
      key = sortKey(group, base + <i32>count, profitHi, profitLo);
    } else {
      store<i32>(out + 4, status | (group << GROUP_SHIFT));
      key = sortKey(group, base + <i32>count, 0, 0);
    }
    store<u64>(keys + 8 * count, key);
    if (++count == <usize>room) {
      store<i32>(OUT + 56, <i32>count);
      store<i32>(OUT + 60, sized);
      return c + 1;
    }
  }
  store<i32>(OUT + 56, <i32>count);
  store<i32>(OUT + 60, sized);
  return to;
}

// --- A full scan shared between instances over the shared memory ---------------------------------------------------
// The plan (../kernel.ts writes it): i32 words (the generation helpers wait on at PLAN, a failure flag at PLAN+60),
// two f64, per chunk its results, then the chunks' bounds.
const PLAN_NEXT: usize = PLAN + 4;
const PLAN_DONE: usize = PLAN + 8;
const PLAN_CHUNKS: usize = PLAN + 12;
const PLAN_POOLS: usize = PLAN + 16;
const PLAN_CYCLES: usize = PLAN + 20;
const PLAN_STRIDE: usize = PLAN + 24;
const PLAN_V2: usize = PLAN + 28;
const PLAN_GROUP_BITS: usize = PLAN + 32;
const PLAN_INDEX_BITS: usize = PLAN + 36;
const PLAN_BOUNDED: usize = PLAN + 40;
const PLAN_RECORDS: usize = PLAN + 44;
const PLAN_KEYS: usize = PLAN + 48;
const PLAN_WIDES: usize = PLAN + 52;
/** `gather` counts there the chunks helper instances took. */
const PLAN_HELPED: usize = PLAN + 56;
const PLAN_MIN_PROFIT: usize = PLAN + 64;
const PLAN_BUDGET: usize = PLAN + 72;
const PLAN_RESULTS: usize = PLAN + 128;
/** Per chunk: its answers' count, the cycles it sized, and 1 if a helper instance took it. */
const RESULT_BYTES: usize = 12;
/** Chunk k is cycles bounds[k]..bounds[k+1] (i32 each, after room for 128 chunks' results). */
const PLAN_BOUNDS: usize = PLAN_RESULTS + RESULT_BYTES * 128;

/**
 * Takes chunks of the planned full scan (`scan` over each chunk's cycles) until none is left, each claimed
 * by an atomic add, so however many instances call it and whenever they start, each chunk is scanned once and the
 * faster thread takes more. A chunk's answers are numbered from its first cycle, in records, keys and wide table
 * alike (room for one per cycle: nothing can fill up), so answer order is cycle order as in one call; `gather` then
 * closes the gaps between the chunks' keys. The plan is read after each claim: a helper that claims a chunk of a
 * plan written after it started still scans it as that plan says.
 */
export function share(): void {
  for (;;) {
    const k = atomic.add<i32>(PLAN_NEXT, 1);
    if (k >= atomic.load<i32>(PLAN_CHUNKS)) return;
    init(load<i32>(PLAN_POOLS));
    initCycles(
      load<i32>(PLAN_CYCLES),
      load<i32>(PLAN_STRIDE),
      load<i32>(PLAN_V2),
      load<i32>(PLAN_GROUP_BITS),
      load<i32>(PLAN_INDEX_BITS),
    );
    const from = load<i32>(PLAN_BOUNDS + 4 * <usize>k);
    const to = load<i32>(PLAN_BOUNDS + 4 * <usize>k + 4);
    const at = <usize>from;
    scan(
      from,
      load<i32>(PLAN_BOUNDED),
      load<f64>(PLAN_MIN_PROFIT),
      load<f64>(PLAN_BUDGET),
      from,
      <usize>load<i32>(PLAN_RECORDS) + ANSWER_BYTES * at,
      <usize>load<i32>(PLAN_KEYS) + 8 * at,
      to - from,
      <usize>load<i32>(PLAN_WIDES),
      from,
      to,
    );
    const result = PLAN_RESULTS + RESULT_BYTES * <usize>k;
    store<i32>(result, load<i32>(OUT + 56));
    store<i32>(result + 4, load<i32>(OUT + 60));
    store<i32>(result + 8, SCRATCH == 0 ? 0 : 1);
    atomic.add<i32>(PLAN_DONE, 1);
    atomic.notify(PLAN_DONE, 1);
  }
}

/**
 * After every chunk of the shared scan is done: moves the chunks' keys together (in chunk order, so cycle order) for
 * `sortKeys`, and returns how many there are, with the cycles sized at OUT+60 and the chunks helpers took at
 * PLAN_HELPED.
 */
export function gather(): i32 {
  const chunks = <usize>load<i32>(PLAN_CHUNKS);
  const keys = <usize>load<i32>(PLAN_KEYS);
  let n: usize = 0;
  let sized: i32 = 0;
  let helped: i32 = 0;
  for (let k: usize = 0; k < chunks; k++) {
    const result = PLAN_RESULTS + RESULT_BYTES * k;
    const count = <usize>load<i32>(result);
    const from = <usize>load<i32>(PLAN_BOUNDS + 4 * k);
    if (from > n && count > 0) memory.copy(keys + 8 * n, keys + 8 * from, 8 * count);
    n += count;
    sized += load<i32>(result + 4);
    helped += load<i32>(result + 8);
  }
  store<i32>(OUT + 56, <i32>n);
  store<i32>(OUT + 60, sized);
  store<i32>(PLAN_HELPED, helped);
  return <i32>n;
}

/** How many entries the wide table has (`scan`). */
export function wides(): i32 {
  return wideCount;
}

/** sortKeys' counts: 256 per byte of a key (u32 each). */
const COUNTS: usize = SCRATCH + 16384;
/** Runs of equal keys longer than this that are out of order are left to the TypeScript (no quadratic sort here). */
const SHORT_RUN: usize = 64;

/**
 * A full scan's `n` sort keys (`sortKey`, numbered 0..n-1 across its calls) at `at`, put in list order: a radix sort,
 * a byte at a time from the lowest (the bytes every key shares are skipped), through the n words at `scratch` (the
 * keys are left in either place); then the answer indices in list order (i32) at scratch+8n. Keys with equal bits
 * above the index (profits within a few parts in 2^40, or cycles the TypeScript sizes) are put in order by the answers
 * at `records` (as `scan` wrote them, n of them, with their wide table at `wides`): exact profit, highest first, trades
 * before the rest, then cycle id.
 * A run of them is in cycle order, often already its place (dust cycles often earn the same few wei); one out of
 * order and longer than SHORT_RUN is left as a (start, end) i32 pair at scratch+12n for the TypeScript, whose count
 * it returns. Here because in a fresh process the same passes in JavaScript run before they are compiled (2-7 ms for
 * 14,084 keys).
 */
export function sortKeys(at: usize, n: i32, bits: i32, records: usize, scratch: usize, wides: usize): i32 {
  wideTable = wides;
  const count = <usize>n;
  memory.fill(COUNTS, 0, 8 * 256 * 4);
  for (let k: usize = 0; k < count; k++) {
    const key = load<u64>(at + 8 * k);
    for (let b: usize = 0; b < 8; b++) {
      const slot = COUNTS + 4 * (256 * b + <usize>((key >> (8 * b)) & 0xff));
      store<u32>(slot, load<u32>(slot) + 1);
    }
  }
  let from = at;
  let to = scratch;
  for (let b: usize = 0; b < 8; b++) {
    const counts = COUNTS + 1024 * b;
    // A byte every key shares moves nothing.
    if (load<u32>(counts + 4 * <usize>((load<u64>(from) >> (8 * b)) & 0xff)) == <u32>n) continue;
    let sum: u32 = 0;
    for (let d: usize = 0; d < 256; d++) {
      const c = load<u32>(counts + 4 * d);
      store<u32>(counts + 4 * d, sum);
      sum += c;
    }
    for (let k: usize = 0; k < count; k++) {
      const key = load<u64>(from + 8 * k);
      const slot = counts + 4 * <usize>((key >> (8 * b)) & 0xff);
      const place = load<u32>(slot);
      store<u32>(slot, place + 1);
      store<u64>(to + 8 * <usize>place, key);
    }
    const swap = from;
    from = to;
    to = swap;
  }
  const order = scratch + 8 * count;
  const runs = scratch + 12 * count;
  const shift = <u64>bits;
  const mask: u64 = ((<u64>1) << shift) - 1;
  let runCount: usize = 0;
  let start: usize = 0;
  let top: u64 = n > 0 ? load<u64>(from) >> shift : 0;
  for (let k: usize = 0; k <= count; k++) {
    const key = k < count ? load<u64>(from + 8 * k) : 0;
    if (k == count || key >> shift != top) {
      if (k - start > 1 && !orderRun(order, records, start, k)) {
        store<i32>(runs + 8 * runCount, <i32>start);
        store<i32>(runs + 8 * runCount + 4, <i32>k);
        runCount++;
      }
      start = k;
      top = key >> shift;
    }
    if (k < count) store<i32>(order + 4 * k, <i32>(key & mask));
  }
  return <i32>runCount;
}

/** Whether answer i (an index into `records`) comes before answer j in the list (see sortKeys). */
function before(records: usize, i: i32, j: i32): bool {
  const a = records + ANSWER_BYTES * <usize>i;
  const b = records + ANSWER_BYTES * <usize>j;
  const tradeA = (load<i32>(a + 4) & 3) == TRADE;
  const tradeB = (load<i32>(b + 4) & 3) == TRADE;
  if (tradeA != tradeB) return tradeA;
  if (tradeA) {
    const hiA = profitWord(a, 1);
    const hiB = profitWord(b, 1);
    if (hiA != hiB) return hiA > hiB;
    const loA = profitWord(a, 0);
    const loB = profitWord(b, 0);
    if (loA != loB) return loA > loB;
  }
  return load<i32>(a) < load<i32>(b);
}

/** The low (0) or high (1) word of the profit of the trade answered at `record` (from the wide table when WIDE). */
function profitWord(record: usize, word: usize): u64 {
  if ((load<i32>(record + 4) & WIDE) == 0) return word == 0 ? load<u64>(record + 16) : 0;
  return load<u64>(wideTable + WIDE_BYTES * <usize>load<u32>(record + 8) + 16 + 8 * word);
}

/**
 * Puts places start..end of `order` (a run of equal keys above the index) in list order: false, leaving it, when it
 * is out of order and longer than SHORT_RUN.
 */
function orderRun(order: usize, records: usize, start: usize, end: usize): bool {
  let sorted = true;
  for (let k = start + 1; k < end && sorted; k++) {
    sorted = !before(records, load<i32>(order + 4 * k), load<i32>(order + 4 * (k - 1)));
  }
  if (sorted) return true;
  if (end - start > SHORT_RUN) return false;
  for (let k = start + 1; k < end; k++) {
    const i = load<i32>(order + 4 * k);
    let place = k;
    for (; place > start && before(records, i, load<i32>(order + 4 * (place - 1))); place--) {
      store<i32>(order + 4 * place, load<i32>(order + 4 * (place - 1)));
    }
    store<i32>(order + 4 * place, i);
  }
  return true;
}

// --- The arithmetic alone, for the property tests (../kernel.test.ts) ---------------------------------------------

/** TEST: a (2 words, low first), b (2 words) -> a*b (4 words) at TEST+32. */
export function testMultiply(): void {
  multiply(load<u64>(TEST + 8), load<u64>(TEST), load<u64>(TEST + 24), load<u64>(TEST + 16));
  for (let i: usize = 0; i < 8; i++) store<u32>(TEST + 32 + 4 * i, load<u32>(UN + 4 * i));
}

/**
 * TEST: n (4 words), d (2 words, > 0) -> floor(n/d) (4 words) at TEST+48, 1 at TEST+80 when it is below 2^128, 1 at
 * TEST+84 when a remainder is left.
 */
export function testDivide(): void {
  for (let i: usize = 0; i < 8; i++) store<u32>(UN + 4 * i, load<u32>(TEST + 4 * i));
  divide(load<u64>(TEST + 40), load<u64>(TEST + 32));
  for (let i: usize = 0; i < 8; i++) store<u32>(TEST + 48 + 4 * i, load<u32>(QN + 4 * i));
  store<i32>(TEST + 80, inRange ? 1 : 0);
  store<i32>(TEST + 84, remainder ? 1 : 0);
}

/**
 * TEST: x, y, d (2 words each, d > 0) -> floor(x*y/d) (2 words) at TEST+48, 1 at TEST+80 when it is below 2^128, 1 at
 * TEST+84 when a remainder is left (`mulDiv`, which the hop prices use).
 */
export function testMulDiv(): void {
  mulDiv(
    load<u64>(TEST + 8),
    load<u64>(TEST),
    load<u64>(TEST + 24),
    load<u64>(TEST + 16),
    load<u64>(TEST + 40),
    load<u64>(TEST + 32),
  );
  store<u64>(TEST + 48, rlo);
  store<u64>(TEST + 56, rhi);
  store<i32>(TEST + 80, inRange ? 1 : 0);
  store<i32>(TEST + 84, remainder ? 1 : 0);
}

/** The float nearest to the u128 (hi, lo). */
export function testToFloat(hi: u64, lo: u64): f64 {
  return toFloat(hi, lo);
}

/**
 * getAmountOut (forward 1) or getAmountIn (0) of TEST (2 words) through side `side` of pool p: the result (2 words) at
 * TEST+16; returns 1 when in range, 0 when out of range, 2 when unreachable (getAmountIn's null).
 */
export function testHop(forwardHop: i32, p: i32, side: i32): i32 {
  if (forwardHop != 0) amountOut(load<u64>(TEST + 8), load<u64>(TEST), p, side);
  else amountIn(load<u64>(TEST + 8), load<u64>(TEST), p, side);
  if (forwardHop == 0 && unreachable) return 2;
  store<u64>(TEST + 16, rlo);
  store<u64>(TEST + 24, rhi);
  return inRange ? 1 : 0;
}

/**
 * The registers' arithmetic on registers 0 and 1 (their layout is REGS, REG_BYTES and the digit count, sign and
 * digits of `trim`): `op` 0 a*b, 1 a+b, 2 a-b, 3 floor(a/b) for a >= 0, b > 0, into register 2; 4 returns register
 * 0 as a float; 5 sets register 2 to the integer float x. Returns -1 when a result overflows.
 */
export function testRegisters(op: i32, x: f64): f64 {
  overflow = false;
  if (op == 0) times(2, 0, 1);
  else if (op == 1) add(2, 0, 1);
  else if (op == 2) subtract(2, 0, 1);
  else if (op == 3) quotient(2, 0, 1);
  else if (op == 4) return registerFloat(0);
  else setFloat(2, x);
  return overflow ? -1 : 0;
}
