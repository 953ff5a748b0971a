import { ceilDiv, floorDiv, isqrt } from "./bigint-math.ts";
import type { Hop } from "./pool.ts";
import { FEE_DENOMINATOR, routeAmountIn, routeAmountOut } from "./pool-math.ts";
import type { SplitKernel } from "./exact-kernel/kernel.ts";
import type { SplitObjective } from "./exact-maximum.ts";
import type { SizedTrade } from "./sized-trade.ts";
import { maximiseExactly } from "./exact-maximum.ts";
import { floatFirst, floatSplit } from "./float-first.ts";
import { FloatHops } from "./float-hops.ts";
import { ValueScreen } from "./value-screen.ts";

/**
 * A V2 hop without the floor is the Möbius map out = a*x / (b + c*x) with a = g*Rout, b = 10000*Rin, c = g
 * (g = 10000 - fee). Maps of this form compose in closed form, so a whole cycle folds into one virtual pool.
 */
export interface VirtualPool {
  a: bigint;
  b: bigint;
  c: bigint;
}

/** The identity map x -> x, the fold of an empty route. */
const IDENTITY: VirtualPool = { a: 1n, b: 1n, c: 0n };

export function hopToVirtualPool(hop: Hop): VirtualPool {
  const g = FEE_DENOMINATOR - BigInt(hop.feeBps);
  return { a: g * hop.reserveOut, b: FEE_DENOMINATOR * hop.reserveIn, c: g };
}

/** `second` after `first`: a1*a2*x / (b1*b2 + (b2*c1 + a1*c2)*x). */
export function composeVirtualPools(first: VirtualPool, second: VirtualPool): VirtualPool {
  return { a: first.a * second.a, b: first.b * second.b, c: second.b * first.c + first.a * second.c };
}

export function foldRoute(hops: readonly Hop[]): VirtualPool {
  let folded = IDENTITY;
  for (const hop of hops) folded = composeVirtualPools(folded, hopToVirtualPool(hop));
  return folded;
}

export type { Optimality, SizedTrade } from "./sized-trade.ts";

/**
 * Most split points one proof may look at (exact-maximum.ts): at most about half a millisecond for one cycle, mostly
 * float screening. The live scanner keeps it so a block stays fast (a cycle whose proof needs more is reported with
 * the best size found and counted as unproven); a one-shot scan can afford a large one. 16,384 proves every cycle of
 * the 10k-pool 3-hop benchmark market, and its blocks; 4,096 left one unproven.
 */
export const DEFAULT_SIZING_BUDGET = 16_384n;

/**
 * The integer input that maximises exact cycle profit `route(x) - x`, or null when no input is profitable.
 *
 * First in floats (float-first.ts): the closed-form optimum of the folded cycle, one exact pricing of the integer
 * next to it, and a rigorous float bound on every integer profit; that settles most cycles with one bigint route.
 * The rest are the dust cycles where the floors matter, sized exactly:
 *
 * Split the cycle at hop i into a head (base -> token i) and a tail (token i -> base). Any input x that leaves y of
 * token i is beaten or matched by the cheapest input buying y, so the integer optimum is
 *   max over integer y of  tail(y) - headInverse(y),
 * and, floors aside, both parts are folded virtual pools: the real-valued profit R(y) is concave with a closed-form
 * maximiser. We split where the token's base unit is coarsest (its floors are what separate the integer optimum from
 * the real one), and hand the exact value, the window where R(y) reaches a target (a quadratic inequality), and the
 * real maximiser to the generic search and proof of exact-maximum.ts.
 */
export function optimalTrade(
  hops: readonly Hop[],
  budgetLimit = DEFAULT_SIZING_BUDGET,
  floats = FloatHops.of(hops),
): SizedTrade | null {
  const quick = floatFirst(hops, floats);
  if (quick !== undefined) return quick;
  const split = coarsestSplit(floats);
  const settled = floatSplit(hops, split, floats);
  if (settled !== undefined) return settled;
  return exactTrade(hops, budgetLimit, split, floats);
}

/**
 * The exact search alone, without the float shortcuts (what `optimalTrade` falls back on; the tests' reference for
 * the shortcuts on reserves too large to search exhaustively). With `kernel`, the exact kernel holding this cycle
 * (V2CycleSizer) prices and screens its split points.
 */
export function exactTrade(
  hops: readonly Hop[],
  budgetLimit = DEFAULT_SIZING_BUDGET,
  split = coarsestSplit(FloatHops.of(hops)),
  floats = FloatHops.of(hops),
  kernel?: SplitKernel,
): SizedTrade | null {
  const objective = new V2Split(hops, split, floats, kernel);
  // Marginal rate at zero is A/B: at or below 1 no real input, hence no integer input, is profitable.
  if (objective.whole.a <= objective.whole.b) return null;
  const found = maximiseExactly(objective, searchBudget(budgetLimit));
  if (found.value <= 0n) return null;
  const amountIn = routeAmountIn(found.y, objective.head)!;
  // The cheapest input for y may buy a little more than y, which only adds profit; report what the pools give.
  const amountOut = routeAmountOut(amountIn, hops);
  return { amountIn, amountOut, profit: amountOut - amountIn, optimality: found.optimality };
}

/**
 * Where R(y) = tail(y) - headInverse(y) peaks: tail'(y) = headInverse'(y) gives
 * y = (sT*Ah - sH*Bt) / (sT*Ch + sH*Ct), sX = sqrt(Ax*Bx). Only the search's starting point, so floats do (bigint
 * square roots where a value leaves float range).
 */
function realMaximiser(h: VirtualPool, t: VirtualPool): bigint {
  const sT = Math.sqrt(Number(t.a)) * Math.sqrt(Number(t.b));
  const sH = Math.sqrt(Number(h.a)) * Math.sqrt(Number(h.b));
  const y = (sT * Number(h.a) - sH * Number(t.b)) / (sT * Number(h.c) + sH * Number(t.c));
  if (Number.isFinite(y)) return BigInt(Math.floor(y));
  const sTx = isqrt(t.a * t.b);
  const sHx = isqrt(h.a * h.b);
  return floorDiv(sTx * h.a - sHx * t.b, sTx * h.c + sHx * t.c);
}

/** Budgets are counted in floats; anything above this is as good as unlimited for one cycle. */
const MAX_BUDGET = 2 ** 40;

/** A sizing budget as the exact search counts it (split points, a float). */
export function searchBudget(budgetLimit: bigint): number {
  return budgetLimit > BigInt(MAX_BUDGET) ? MAX_BUDGET : Number(budgetLimit);
}

/** A V2 cycle split after hop `split`, as the exact search sees it (exact-maximum.ts). */
class V2Split implements SplitObjective {
  readonly head: readonly Hop[];
  readonly tail: readonly Hop[];
  readonly whole: VirtualPool;
  readonly seed: bigint;
  private readonly h: VirtualPool;
  private readonly t: VirtualPool;
  private values: ValueScreen | null = null;
  private profit: ProfitWindow | null = null;

  constructor(
    hops: readonly Hop[],
    private readonly split: number,
    /** The same hops as floats, for the screen (read while this objective is in use, not after). */
    private readonly floats: FloatHops,
    /** The exact kernel holding this cycle, which values and screens split points as below (the same answers). */
    private readonly kernel?: SplitKernel,
  ) {
    this.head = hops.slice(0, split);
    this.tail = hops.slice(split);
    this.h = foldRoute(this.head);
    this.t = foldRoute(this.tail);
    this.whole = composeVirtualPools(this.h, this.t);
    this.seed = this.whole.a > this.whole.b ? realMaximiser(this.h, this.t) : 0n;
  }

  /** What the cycle earns by routing y through the split token with the cheapest input that buys it. */
  value(y: bigint): bigint | null {
    if (y <= 0n) return null;
    const valued = this.kernel?.splitValue(y);
    if (valued !== undefined) return valued;
    const x = routeAmountIn(y, this.head);
    if (x === null) return null;
    return routeAmountOut(y, this.tail) - x;
  }

  window(target: bigint): { lo: bigint; hi: bigint } | null {
    this.profit ??= new ProfitWindow(this.h, this.t);
    return this.profit.at(target);
  }

  screen(from: number, step: number, count: number, best: number): number {
    if (this.kernel !== undefined) return this.kernel.screen(from, step, count, best);
    this.values ??= new ValueScreen(this.floats, this.split);
    return this.values.firstOpen(from, step, count, best);
  }
}

/**
 * Integers y (outward-rounded, so possibly a few extra) where the real profit R(y) = tail(y) - headInverse(y) >= t.
 * Multiplying out the positive denominators gives q2*y^2 - q1*y + q0 <= 0, each coefficient linear in t: the parts
 * that do not depend on t are multiplied out once per cycle (a proof asks for a window a few times).
 */
class ProfitWindow {
  /** q2 = k2 - t*c2, q1 = k1 + t*c1, q0 = t*c0. */
  private readonly k2: bigint;
  private readonly c2: bigint;
  private readonly k1: bigint;
  private readonly c1: bigint;
  private readonly c0: bigint;
  /** headInverse is only defined (finite) for Ch*y < Ah: the largest such y when Ch > 0, else null (no limit). */
  private readonly limit: bigint | null;

  constructor(h: VirtualPool, t: VirtualPool) {
    this.k2 = t.a * h.c + h.b * t.c;
    this.c2 = t.c * h.c;
    this.k1 = t.a * h.a - h.b * t.b;
    this.c1 = t.b * h.c - t.c * h.a;
    this.c0 = t.b * h.a;
    this.limit = h.c > 0n ? ceilDiv(h.a, h.c) - 1n : null;
  }

  /** The window for `target`, null when there are none. */
  at(target: bigint): { lo: bigint; hi: bigint } | null {
    const q2 = this.k2 - target * this.c2;
    // q2 <= 0 means target exceeds what the tail can ever pay out, so no y reaches it.
    if (q2 <= 0n) return null;
    const q1 = this.k1 + target * this.c1;
    const q0 = target * this.c0;
    if (q1 <= 0n) return null;
    // The parabola is lowest at q1/(2*q2): if both integers beside that are outside, every integer is (the usual
    // case, and far cheaper than the square root below).
    const vertex = q1 / (2n * q2);
    if ((q2 * vertex - q1) * vertex + q0 > 0n && (q2 * (vertex + 1n) - q1) * (vertex + 1n) + q0 > 0n) return null;
    let { lo, hi } = roots(q2, q1, q0, vertex) ?? { lo: 1n, hi: 0n };
    if (lo < 1n) lo = 1n;
    if (this.limit !== null && hi > this.limit) hi = this.limit;
    return lo <= hi ? { lo, hi } : null;
  }
}

/**
 * Integers lo..hi holding every y with q2*y^2 - q1*y + q0 <= 0 (q2 > 0, `vertex` = floor(q1 / 2q2)), null if none.
 * Float roots, widened by a few units and checked exactly: when the integer just outside each is outside the parabola
 * on its side of the vertex, nothing further out can be inside. Otherwise (a root too close to call in floats, or
 * values beyond float range) the exact integer square root of the discriminant decides.
 */
function roots(q2: bigint, q1: bigint, q0: bigint, vertex: bigint): { lo: bigint; hi: bigint } | null {
  const outside = (y: bigint) => (q2 * y - q1) * y + q0 > 0n;
  const a = Number(q2);
  const b = Number(q1);
  const r = Math.sqrt(b * b - 4 * a * Number(q0));
  const loF = Math.floor((b - r) / (2 * a)) - 2;
  const hiF = Math.ceil((b + r) / (2 * a)) + 2;
  if (Number.isFinite(loF) && Number.isFinite(hiF)) {
    const lo = BigInt(loF);
    const hi = BigInt(hiF);
    if (lo < vertex && hi > vertex + 1n && outside(lo - 1n) && outside(hi + 1n)) return { lo, hi };
  }
  const discriminant = q1 * q1 - 4n * q2 * q0;
  if (discriminant < 0n) return null;
  const s = isqrt(discriminant);
  return { lo: floorDiv(q1 - s - 1n, 2n * q2), hi: floorDiv(q1 + s + 1n, 2n * q2) };
}

/**
 * The hop after which one base unit of the token held is worth the most base units of the start token: splitting
 * there makes the search window smallest. Judged from float marginal rates; any choice would be correct.
 */
function coarsestSplit(hops: FloatHops): number {
  let split = 0;
  let unitsPerBase = 1;
  let lowest = 1;
  for (let i = 1; i < hops.length; i++) {
    unitsPerBase *= (hops.reserveOut[i - 1]! / hops.reserveIn[i - 1]!) * (1 - hops.feeBps[i - 1]! / 10_000);
    if (unitsPerBase < lowest) {
      lowest = unitsPerBase;
      split = i;
    }
  }
  return split;
}
