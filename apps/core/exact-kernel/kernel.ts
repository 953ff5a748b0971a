/**
 * The exact kernel: `optimalTrade` (sizing.ts) for an all-V2 cycle, its exact search included, in WebAssembly
 * (assembly/kernel.ts says how and why). The pool tables it reads live in its memory and are the market state's own
 * (`PoolTables`): the float reserves and fees the TypeScript reads too, and the exact reserves as 64-bit words.
 */
import { MAX_RESERVE } from "../pool-math.ts";
import type { Optimality, SizedTrade } from "../sized-trade.ts";
import { KERNEL_WASM } from "./kernel-wasm.ts";

/** What `size` answers (assembly/kernel.ts). */
export const NONE = 0;
export const TRADE = 1;
export const SEARCH = 2;
export const ELSEWHERE = 3;

/** Where the pool tables start; below, the kernel's scratch. */
const TABLES = 65536;
/** Bytes per pool: two float reserves, four words of exact reserves, the fee, the in-range flag. */
const POOL_BYTES = 8 + 8 + 32 + 4 + 1;
/** The trade `size` found: amountIn, amountOut, profit (two words each, low first), then split and optimality. */
const OUT = 1280;
/** The property tests' arguments and results. */
export const TEST = 1344;
/** The exact search's registers (assembly/kernel.ts): a digit count, a sign, then 32-bit digits, lowest first. */
export const REGISTERS = 2048;
export const REGISTER_BYTES = 256;
export const REGISTER_DIGITS = 62;
const WORD = 2n ** 64n;

/** A WebAssembly memory: the pool tables and the kernel's scratch. */
export interface KernelMemory {
  readonly buffer: ArrayBuffer;
}

/** The part of the WebAssembly JavaScript API used here (lib.dom declares it; this project compiles without the DOM). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: { env: { memory: KernelMemory } }) => { readonly exports: object };
  Memory: new (descriptor: { initial: number }) => KernelMemory;
}
const wasm = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

interface KernelExports {
  init(pools: number): void;
  size(hops: number, e0: number, e1: number, e2: number, e3: number): number;
  testMultiply(): void;
  testDivide(): void;
  testToFloat(hi: bigint, lo: bigint): number;
  testHop(forward: number, p: number, side: number): number;
  screen(from: number, step: number, count: number, best: number): number;
  value(y: bigint): number;
  search(budget: number): number;
  testRegisters(op: number, x: number): number;
}

/** What the exact search of a cycle the kernel left to it (`SEARCH`) can ask the kernel (sizing.ts's V2Split). */
export interface SplitKernel {
  /** The split point's exact value, null where it has none, undefined where the kernel cannot say (out of range). */
  splitValue(y: bigint): bigint | null | undefined;
  /** SplitObjective.screen for that cycle. */
  screen(from: number, step: number, count: number, best: number): number;
}

let compiled: object | undefined;

/** Compiled once per process, on first use (a few kilobytes: V8's baseline compiler takes well under a millisecond). */
function kernelModule(): object {
  compiled ??= new wasm.Module(Uint8Array.from(atob(KERNEL_WASM), (c) => c.charCodeAt(0)));
  return compiled;
}

/** Per-pool tables in a memory the kernel reads: the market state's float reserves and fees, and exact reserves. */
export class PoolTables {
  readonly memory: KernelMemory;
  readonly pools: number;
  readonly floatReserve0: Float64Array;
  readonly floatReserve1: Float64Array;
  /** reserve0 then reserve1 of pool p at 4p..4p+3, each as low word, high word. */
  private readonly words: BigUint64Array;
  readonly feeBps: Int32Array;
  /** 1 where both reserves are below 2^112 (a V2 pair's uint112): the kernel's range. */
  private readonly inRange: Uint8Array;

  constructor(pools: number) {
    this.pools = pools;
    const bytes = TABLES + POOL_BYTES * pools;
    this.memory = new wasm.Memory({ initial: Math.ceil(bytes / 65536) });
    const buffer = this.memory.buffer;
    this.floatReserve0 = new Float64Array(buffer, TABLES, pools);
    this.floatReserve1 = new Float64Array(buffer, TABLES + 8 * pools, pools);
    this.words = new BigUint64Array(buffer, TABLES + 16 * pools, 4 * pools);
    this.feeBps = new Int32Array(buffer, TABLES + 48 * pools, pools);
    this.inRange = new Uint8Array(buffer, TABLES + 52 * pools, pools);
  }

  /** The exact reserves of V2 pool p (the float ones and the fee are set through their arrays). */
  setExact(p: number, reserve0: bigint, reserve1: bigint): void {
    const fits = reserve0 < MAX_RESERVE && reserve1 < MAX_RESERVE;
    this.inRange[p] = fits ? 1 : 0;
    if (!fits) return;
    this.words[4 * p] = BigInt.asUintN(64, reserve0);
    this.words[4 * p + 1] = reserve0 >> 64n;
    this.words[4 * p + 2] = BigInt.asUintN(64, reserve1);
    this.words[4 * p + 3] = reserve1 >> 64n;
  }
}

/** The kernel's optimality codes. */
const OPTIMALITY: readonly Optimality[] = ["exact", "ppm", "unproven"];

/** Split points the kernel takes: positive, and an i64 (the boundary's type). */
const SPLIT_LIMIT = 1n << 63n;

/** One instance of the kernel over a market's pool tables. */
export class ExactKernel implements SplitKernel {
  readonly exports: KernelExports;
  private readonly words: BigUint64Array;
  private readonly ints: Int32Array;
  private readonly sign: Int32Array;

  constructor(readonly tables: PoolTables) {
    const instance = new wasm.Instance(kernelModule(), { env: { memory: tables.memory } });
    this.exports = instance.exports as unknown as KernelExports;
    this.exports.init(tables.pools);
    this.words = new BigUint64Array(tables.memory.buffer, OUT, 6);
    this.ints = new Int32Array(tables.memory.buffer, OUT + 48, 2);
    this.sign = new Int32Array(tables.memory.buffer, OUT + 16, 1);
  }

  /**
   * Sizes the all-V2 cycle of `hops` edges (e_i = 2 * pool + side, as the cycle index stores them; unused ones 0):
   * NONE, TRADE (`trade()`), SEARCH (the exact search settles it, split after hop `split()`), or ELSEWHERE.
   */
  size(hops: number, e0: number, e1: number, e2: number, e3: number): number {
    return this.exports.size(hops, e0, e1, e2, e3);
  }

  /**
   * The exact search (sizing.ts's exactTrade) of the cycle the last `size` answered SEARCH for, trying at most
   * `budget` split points: NONE, TRADE (`trade()`), or ELSEWHERE (an amount left the kernel's ranges: search it in
   * TypeScript).
   */
  search(budget: number): number {
    return this.exports.search(budget);
  }

  /** The trade of the last `size` or `search` that answered TRADE. */
  trade(): SizedTrade {
    const w = this.words;
    return {
      amountIn: join(w[0]!, w[1]!),
      amountOut: join(w[2]!, w[3]!),
      profit: join(w[4]!, w[5]!),
      optimality: OPTIMALITY[this.ints[1]!]!,
    };
  }

  /** The split of the last `size` that answered SEARCH. */
  split(): number {
    return this.ints[0]!;
  }

  /** For the cycle of the last `size` that answered SEARCH, until the next `size`. */
  splitValue(y: bigint): bigint | null | undefined {
    if (y <= 0n || y >= SPLIT_LIMIT) return undefined;
    const status = this.exports.value(y);
    if (status === 0) return null;
    if (status !== 1) return undefined;
    const magnitude = join(this.words[0]!, this.words[1]!);
    return this.sign[0] === 0 ? magnitude : -magnitude;
  }

  /** For the cycle of the last `size` that answered SEARCH, until the next `size`. */
  screen(from: number, step: number, count: number, best: number): number {
    return this.exports.screen(from, step, count, best);
  }
}

function join(low: bigint, high: bigint): bigint {
  return high === 0n ? low : high * WORD + low;
}
