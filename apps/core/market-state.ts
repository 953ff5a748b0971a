import { PoolTables } from "./exact-kernel/kernel.ts";
import type { Pool, V3Pool } from "./pool.ts";
import type { Token } from "./tokens.ts";
import { normalizeAddress } from "./tokens.ts";
import type { V3PoolState } from "./v3/pool.ts";

const Q96_FLOAT = 2 ** 96;

/**
 * Current state of every pool, held twice: exact values for the integer math (V2 reserves, V3 swap states), and
 * float64 marginal rates per directed edge so the scan can reject unprofitable cycles with two multiplications and
 * no bigint work. Uniswap-V2 pools come first (indexes 0..v2Count-1), then the Uniswap-V3 pools.
 */
export class MarketState {
  readonly tokens: readonly Token[];
  readonly tokenIndex = new Map<string, number>();
  readonly poolAddress: string[];
  readonly poolDex: string[];
  readonly poolIndex = new Map<string, number>();
  readonly token0: Int32Array;
  readonly token1: Int32Array;
  /** V2 pools' fee; 0 for V3 pools (their fee is in their state). In the kernel's memory (`tables`), as below. */
  get feeBps(): Int32Array {
    return this.tables.feeBps;
  }
  readonly reserve0: bigint[];
  readonly reserve1: bigint[];
  /** Pools below this index are Uniswap-V2 pairs, the rest Uniswap-V3 pools. */
  readonly v2Count: number;
  /** Swap state of V3 pool p at v3State[p - v2Count]. */
  readonly v3State: V3PoolState[];
  /**
   * rate[2p] = (1 - fee) * r1/r0 (selling token0), rate[2p+1] = (1 - fee) * r0/r1; 0 when a reserve is 0. For a V3
   * pool the same at its current price (r1/r0 = (sqrtPriceX96 / 2^96)^2): the marginal rate of the first wei, which
   * no larger input beats (the price only moves against the seller), so a cycle's product bounds its rate anywhere.
   * An array of its own, not a view of the kernel's memory: a block's loops read it, and read a view of that memory
   * measurably slower (block p50 10% slower, interleaved runs). The kernel's tables get each rate too, when it is set
   * (`setRates`): a full scan then copies nothing (it copied 160 KB at 10k pools, into pages a fresh process had not
   * touched yet).
   */
  readonly rate: Float64Array;
  /** Float copies of the reserves, for the float profit bound used with a minimum profit. */
  get floatReserve0(): Float64Array {
    return this.tables.floatReserve0;
  }
  get floatReserve1(): Float64Array {
    return this.tables.floatReserve1;
  }
  /**
   * Where the float reserves, fees and rates live, with the exact reserves as words: the exact kernel's memory (its
   * arrays are made anew when it grows: read them through the getters above, do not keep them).
   */
  readonly tables: PoolTables;

  constructor(tokens: readonly Token[], pools: readonly Pool[], v3Pools: readonly V3Pool[] = []) {
    this.tokens = tokens.map((t) => ({ ...t, address: normalizeAddress(t.address) }));
    this.tokens.forEach((t, i) => {
      if (this.tokenIndex.has(t.address)) throw new Error(`duplicate token ${t.address}`);
      this.tokenIndex.set(t.address, i);
    });
    const n = pools.length + v3Pools.length;
    this.v2Count = pools.length;
    this.poolAddress = new Array<string>(n);
    this.poolDex = new Array<string>(n);
    this.token0 = new Int32Array(n);
    this.token1 = new Int32Array(n);
    this.tables = new PoolTables(n);
    this.rate = new Float64Array(2 * n);
    this.reserve0 = new Array<bigint>(pools.length);
    this.reserve1 = new Array<bigint>(pools.length);
    this.v3State = new Array<V3PoolState>(v3Pools.length);
    const place = (pool: Pool | V3Pool, p: number) => {
      const address = normalizeAddress(pool.address);
      if (this.poolIndex.has(address)) throw new Error(`duplicate pool ${address}`);
      this.poolIndex.set(address, p);
      this.poolAddress[p] = address;
      this.poolDex[p] = pool.dex;
      this.token0[p] = this.requireToken(pool.token0, address);
      this.token1[p] = this.requireToken(pool.token1, address);
      if (this.token0[p] === this.token1[p]) throw new Error(`pool ${address} pairs a token with itself`);
    };
    pools.forEach((pool, p) => {
      place(pool, p);
      if (!Number.isInteger(pool.feeBps) || pool.feeBps < 0 || pool.feeBps > 9999) {
        throw new RangeError(`pool ${pool.address}: feeBps must be an integer 0..9999, got ${pool.feeBps}`);
      }
      this.feeBps[p] = pool.feeBps;
      this.setReserves(p, pool.reserve0, pool.reserve1);
    });
    v3Pools.forEach((pool, i) => {
      const p = this.v2Count + i;
      place(pool, p);
      const { feePips } = pool.state;
      if (!Number.isInteger(feePips) || feePips < 0 || feePips >= 1_000_000) {
        throw new RangeError(`pool ${pool.address}: feePips must be an integer 0..999999, got ${feePips}`);
      }
      this.setV3State(p, pool.state);
    });
  }

  get poolCount(): number {
    return this.poolAddress.length;
  }

  isV3(p: number): boolean {
    return p >= this.v2Count;
  }

  /** Applies new reserves to V2 pool `p`; returns false when they are unchanged. */
  setReserves(p: number, reserve0: bigint, reserve1: bigint): boolean {
    if (this.isV3(p)) throw new RangeError(`pool ${this.poolAddress[p]} is a Uniswap-V3 pool: it has no reserves`);
    if (reserve0 < 0n || reserve1 < 0n) throw new RangeError(`pool ${this.poolAddress[p]}: negative reserve`);
    if (this.reserve0[p] === reserve0 && this.reserve1[p] === reserve1) return false;
    this.reserve0[p] = reserve0;
    this.reserve1[p] = reserve1;
    this.tables.setExact(p, reserve0, reserve1);
    const f0 = Number(reserve0);
    const f1 = Number(reserve1);
    this.floatReserve0[p] = f0;
    this.floatReserve1[p] = f1;
    const keep = (10_000 - this.feeBps[p]!) / 10_000;
    const live = f0 > 0 && f1 > 0;
    this.setRates(p, live ? (keep * f1) / f0 : 0, live ? (keep * f0) / f1 : 0);
    return true;
  }

  /** Pool p's two edge rates, here and in the kernel's tables. */
  private setRates(p: number, sellToken0: number, sellToken1: number): void {
    this.rate[2 * p] = sellToken0;
    this.rate[2 * p + 1] = sellToken1;
    const rate = this.tables.rate;
    rate[2 * p] = sellToken0;
    rate[2 * p + 1] = sellToken1;
  }

  /**
   * Takes V3 pool `p`'s new swap state (held, not copied: the caller must not change it afterwards); returns false
   * when it is the very state already held. A pool's fee never changes.
   */
  setV3State(p: number, state: V3PoolState): boolean {
    if (!this.isV3(p)) throw new RangeError(`pool ${this.poolAddress[p]} is a Uniswap-V2 pair: it has no V3 state`);
    const i = p - this.v2Count;
    const held = this.v3State[i];
    if (held === state) return false;
    if (held !== undefined && held.feePips !== state.feePips) {
      throw new RangeError(`pool ${this.poolAddress[p]}: fee changed from ${held.feePips} to ${state.feePips} pips`);
    }
    this.v3State[i] = state;
    const root = Number(state.sqrtPriceX96) / Q96_FLOAT;
    const price = root * root;
    const keep = (1_000_000 - state.feePips) / 1_000_000;
    // Every price the pool can hold (2^-128..2^128) is a normal float64: no under- or overflow here.
    this.setRates(p, keep * price, keep / price);
    return true;
  }

  /** Pool index of an update, by address; throws for a pool the scanner was not built with. */
  resolve(update: { address: string }): number {
    const p = this.poolIndex.get(normalizeAddress(update.address));
    if (p === undefined) throw new RangeError(`unknown pool ${update.address}`);
    return p;
  }

  /** V2 pool `p` with its reserves. */
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

  /** V3 pool `p` with the state held. */
  v3Pool(p: number): V3Pool {
    return {
      address: this.poolAddress[p]!,
      dex: this.poolDex[p]!,
      token0: this.tokens[this.token0[p]!]!.address,
      token1: this.tokens[this.token1[p]!]!.address,
      state: this.v3State[p - this.v2Count]!,
    };
  }

  private requireToken(address: string, pool: string): number {
    const i = this.tokenIndex.get(normalizeAddress(address));
    if (i === undefined) throw new Error(`pool ${pool}: unknown token ${address}`);
    return i;
  }
}
