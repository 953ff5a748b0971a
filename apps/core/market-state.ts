import type { Pool, ReserveUpdate } from "./pool.ts";
import type { Token } from "./tokens.ts";
import { normalizeAddress } from "./tokens.ts";

/**
 * Current reserves of every pool, held twice: exact bigints for the integer math, and float64 marginal rates per
 * directed edge so the scan can reject unprofitable cycles with two multiplications and no bigint work.
 */
export class MarketState {
  readonly tokens: readonly Token[];
  readonly tokenIndex = new Map<string, number>();
  readonly poolAddress: string[];
  readonly poolDex: string[];
  readonly poolIndex = new Map<string, number>();
  readonly token0: Int32Array;
  readonly token1: Int32Array;
  readonly feeBps: Int32Array;
  readonly reserve0: bigint[];
  readonly reserve1: bigint[];
  /** rate[2p] = (1 - fee) * r1/r0 (selling token0), rate[2p+1] = (1 - fee) * r0/r1. 0 when a reserve is 0. */
  readonly rate: Float64Array;
  /** Float copies of the reserves, for the float profit bound used with a minimum profit. */
  readonly floatReserve0: Float64Array;
  readonly floatReserve1: Float64Array;

  constructor(tokens: readonly Token[], pools: readonly Pool[]) {
    this.tokens = tokens.map((t) => ({ ...t, address: normalizeAddress(t.address) }));
    this.tokens.forEach((t, i) => {
      if (this.tokenIndex.has(t.address)) throw new Error(`duplicate token ${t.address}`);
      this.tokenIndex.set(t.address, i);
    });
    const n = pools.length;
    this.poolAddress = new Array<string>(n);
    this.poolDex = new Array<string>(n);
    this.token0 = new Int32Array(n);
    this.token1 = new Int32Array(n);
    this.feeBps = new Int32Array(n);
    this.reserve0 = new Array<bigint>(n);
    this.reserve1 = new Array<bigint>(n);
    this.rate = new Float64Array(2 * n);
    this.floatReserve0 = new Float64Array(n);
    this.floatReserve1 = new Float64Array(n);
    pools.forEach((pool, p) => {
      const address = normalizeAddress(pool.address);
      if (this.poolIndex.has(address)) throw new Error(`duplicate pool ${address}`);
      if (!Number.isInteger(pool.feeBps) || pool.feeBps < 0 || pool.feeBps > 9999) {
        throw new RangeError(`pool ${address}: feeBps must be an integer 0..9999, got ${pool.feeBps}`);
      }
      this.poolIndex.set(address, p);
      this.poolAddress[p] = address;
      this.poolDex[p] = pool.dex;
      this.token0[p] = this.requireToken(pool.token0, address);
      this.token1[p] = this.requireToken(pool.token1, address);
      if (this.token0[p] === this.token1[p]) throw new Error(`pool ${address} pairs a token with itself`);
      this.feeBps[p] = pool.feeBps;
      this.setReserves(p, pool.reserve0, pool.reserve1);
    });
  }

  get poolCount(): number {
    return this.poolAddress.length;
  }

  /** Applies new reserves to pool `p`; returns false when they are unchanged. */
  setReserves(p: number, reserve0: bigint, reserve1: bigint): boolean {
    if (reserve0 < 0n || reserve1 < 0n) throw new RangeError(`pool ${this.poolAddress[p]}: negative reserve`);
    if (this.reserve0[p] === reserve0 && this.reserve1[p] === reserve1) return false;
    this.reserve0[p] = reserve0;
    this.reserve1[p] = reserve1;
    const f0 = Number(reserve0);
    const f1 = Number(reserve1);
    this.floatReserve0[p] = f0;
    this.floatReserve1[p] = f1;
    const keep = (10_000 - this.feeBps[p]!) / 10_000;
    const live = f0 > 0 && f1 > 0;
    this.rate[2 * p] = live ? (keep * f1) / f0 : 0;
    this.rate[2 * p + 1] = live ? (keep * f0) / f1 : 0;
    return true;
  }

  /** Pool index of an update, by address; throws for a pool the scanner was not built with. */
  resolve(update: ReserveUpdate): number {
    const p = this.poolIndex.get(normalizeAddress(update.address));
    if (p === undefined) throw new RangeError(`unknown pool ${update.address}`);
    return p;
  }

  pool(p: number): Pool {
    return {
      address: this.poolAddress[p]!,
      dex: this.poolDex[p]!,
      token0: this.tokens[this.token0[p]!]!.address,
      token1: this.tokens[this.token1[p]!]!.address,
      reserve0: this.reserve0[p]!,
      reserve1: this.reserve1[p]!,
      feeBps: this.feeBps[p]!,
    };
  }

  private requireToken(address: string, pool: string): number {
    const i = this.tokenIndex.get(normalizeAddress(address));
    if (i === undefined) throw new Error(`pool ${pool}: unknown token ${address}`);
    return i;
  }
}
