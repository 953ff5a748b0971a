/**
 * The exact kernel: `optimalTrade` (sizing.ts) for an all-V2 cycle, its exact search included, in WebAssembly
 * (assembly/kernel.ts says how and why). The pool tables it reads live in its memory and are the market state's own
 * (`PoolTables`): the float reserves and fees the TypeScript reads too, and the exact reserves as 64-bit words.
 */
import { MAX_RESERVE } from "../pool-math.ts";
import type { Optimality, SizedTrade } from "../sized-trade.ts";
import { KERNEL_HELPER_WASM, KERNEL_WASM } from "./kernel-wasm.ts";

/** What `size` answers (assembly/kernel.ts). */
export const NONE = 0;
export const TRADE = 1;
export const SEARCH = 2;
export const ELSEWHERE = 3;

/** Where the pool tables start; below, the kernel's scratch. */
const TABLES = 65536;
/** Bytes per pool: two float reserves, four words of exact reserves, the fee, the in-range flag. */
const POOL_BYTES = 8 + 8 + 32 + 4 + 1;
/** Bytes per pool of the edges' float rates, after the pool tables (from an 8-byte boundary). */
const RATE_BYTES = 16;
/** Bytes of one of `scan`'s answers (assembly/kernel.ts); each has a sort key (8 bytes) besides. */
export const ANSWER_BYTES = 24;
/** Bytes of an entry of a full scan's wide table (amountIn and profit, two words each: assembly/kernel.ts's scan). */
export const WIDE_BYTES = 32;
/** An answer's flags (its second i32): the kind (TRADE, ELSEWHERE) in the low two bits, the optimality in the next two. */
export const KIND_BITS = 3;
export const OPTIMALITY_SHIFT = 2;
/**
 * Set in an answer's flags when its amountIn or profit reaches 2^64: its amounts are then in the wide table, at the
 * entry numbered in place of amountIn.
 */
export const WIDE = 16;
/** The answer's group (its base token) is its flags shifted right by this: groups must fit 23 bits. */
export const GROUP_SHIFT = 8;
const MAX_GROUPS = 2 ** (31 - GROUP_SHIFT);
/**
 * Bytes a full scan's answer space takes per answer: the answer, its key, sortKeys' scratch (16 bytes) and room in the
 * wide table (only what is written is ever touched).
 */
const ANSWER_SPACE = ANSWER_BYTES + 8 + 16 + WIDE_BYTES;
/** The trade `size` found: amountIn, amountOut, profit (two words each, low first), then split and optimality. */
const OUT = 1280;
/** The property tests' arguments and results. */
export const TEST = 1344;
/** The exact search's registers (assembly/kernel.ts): a digit count, a sign, then 32-bit digits, lowest first. */
export const REGISTERS = 2048;
export const REGISTER_BYTES = 256;
export const REGISTER_DIGITS = 62;
const WORD = 2n ** 64n;

/**
 * A shared WebAssembly memory: the pool tables and the kernel's scratch, which helper instances in other threads may
 * scan too (`ExactKernel.share`).
 */
export interface KernelMemory {
  readonly buffer: SharedArrayBuffer;
  /** Adds `pages` pages of 64 KiB; views of the old buffer keep its old length. */
  grow(pages: number): number;
}

/** The part of the WebAssembly JavaScript API used here (lib.dom declares it; this project compiles without the DOM). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: { env: { memory: KernelMemory } }) => { readonly exports: object };
  Memory: new (descriptor: { initial: number; maximum: number; shared: true }) => KernelMemory;
}
const wasm = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

interface KernelExports {
  init(pools: number): void;
  initCycles(count: number, stride: number, v2Count: number, groupBits: number, indexBits: number): void;
  scan(
    from: number,
    bounded: number,
    minProfit: number,
    budget: number,
    base: number,
    records: number,
    keys: number,
    room: number,
    wides: number,
    wideFrom: number,
    to: number,
  ): number;
  wides(): number;
  share(): void;
  gather(): number;
  size(hops: number, e0: number, e1: number, e2: number, e3: number): number;
  testMultiply(): void;
  testDivide(): void;
  testToFloat(hi: bigint, lo: bigint): number;
  testMulDiv(): void;
  testHop(forward: number, p: number, side: number): number;
  screen(from: number, step: number, count: number, best: number): number;
  value(y: bigint): number;
  search(budget: number): number;
  sortKeys(at: number, n: number, bits: number, records: number, scratch: number, wides: number): number;
  testRegisters(op: number, x: number): number;
}

/**
 * Threads that each run a helper instance of the kernel (`helperModuleBytes`) over a scanner's tables and take chunks
 * of its full scans (ExactKernel.share). Plain functions of the core cannot start a thread; the caller who can does.
 */
export interface KernelHelpers {
  /** Gives the helpers the tables' memory, once its cycle index is in place; they wait for the plan from then on. */
  attach(memory: KernelMemory): void;
}

/** Where a shared full scan writes its answers (ExactKernel.share): room for one per cycle in each. */
export interface ShareSpace {
  readonly records: number;
  readonly keys: number;
  readonly wides: number;
}

/** Where the kernel's next scan call writes its answers (ExactKernel.scan): addresses in the tables' memory. */
export interface AnswerRoom {
  /** The number of the first answer it writes. */
  readonly base: number;
  readonly records: number;
  readonly keys: number;
  /** How many answers fit. */
  readonly room: number;
  /** Where the scan's wide table is, and the number its next entry takes (the entries so far). */
  readonly wides: number;
  readonly wideFrom: number;
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
  compiled ??= new wasm.Module(moduleBytes(KERNEL_WASM));
  return compiled;
}

function moduleBytes(base64: string): Uint8Array {
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

/**
 * The kernel built for a helper instance (its scratch apart from the scanner's own), for a thread that shares full
 * scans (`ExactKernel.share`): instantiated over the tables' memory with `{ env: { memory } }`, it calls `share()`
 * whenever the plan's generation moves on (SHARE_WORDS).
 */
export function helperModuleBytes(): Uint8Array {
  return moduleBytes(KERNEL_HELPER_WASM);
}

/** The shared scan's plan (assembly/kernel.ts's PLAN), as i32 and f64 indices into the memory. */
const PLAN = 61440;
const PLAN_GENERATION = PLAN / 4;
const PLAN_NEXT = PLAN / 4 + 1;
const PLAN_DONE = PLAN / 4 + 2;
/**
 * The plan's settings from PLAN+12 on, in assembly/kernel.ts's order (PLAN_CHUNKS .. PLAN_WIDES): chunks, pools,
 * cycles, stride, V2 pools, group bits, index bits, bounded, then the records', keys' and wide table's addresses.
 */
const PLAN_INTS = PLAN / 4 + 3;
/** Set by a helper thread that failed (the scan then throws instead of waiting for chunks that will not come). */
const PLAN_FAILED = PLAN / 4 + 15;
/**
 * The plan's words a helper thread uses (i32 indices into the memory): it waits on `generation` and then calls
 * `share()`, which claims chunks from `next`; on a failure it sets `failed` and wakes the scan waiting on `done`.
 */
export const SHARE_WORDS = {
  generation: PLAN_GENERATION,
  next: PLAN_NEXT,
  done: PLAN_DONE,
  failed: PLAN_FAILED,
} as const;
const PLAN_FLOATS = (PLAN + 64) / 8;
const PLAN_BOUNDS = (PLAN + 128 + 12 * 128) / 4;
const PLAN_HELPED = PLAN / 4 + 14;
/** At most this many chunks (the plan's room for them), each at least MIN_CHUNK cycles long. */
const MAX_CHUNKS = 128;
const MIN_CHUNK = 4096;
/** A shared scan waits this long for a helper's last chunk before it takes the helper for dead. */
const HELPER_TIMEOUT_MS = 10_000;

/** A cycle index as `PoolTables.holdCycles` takes it (cycle-index.ts). */
export interface CycleRows {
  readonly cycleCount: number;
  readonly stride: number;
  readonly edges: Int32Array;
  readonly hops: Uint8Array;
}

/**
 * Per-pool tables in a memory the kernel reads: the market state's float reserves, fees and edge rates, and exact
 * reserves; with `holdCycles`, a cycle index too. The arrays are views of the memory: `holdCycles` grows it and makes
 * them anew (read them from here, do not keep them).
 */
export class PoolTables {
  readonly memory: KernelMemory;
  readonly pools: number;
  floatReserve0!: Float64Array;
  floatReserve1!: Float64Array;
  /** reserve0 then reserve1 of pool p at 4p..4p+3, each as low word, high word. */
  private words!: BigUint64Array;
  feeBps!: Int32Array;
  /** 1 where both reserves are below 2^112 (a V2 pair's uint112): the kernel's range. */
  private inRange!: Uint8Array;
  /** rate[2p], rate[2p+1]: the float marginal rates of pool p's two edges, as the market state sets them. */
  rate!: Float64Array;
  /** The trade of the last `size` or `search` (words), its split and optimality (ints), the sign of a value. */
  outWords!: BigUint64Array;
  outInts!: Int32Array;
  outSign!: Int32Array;
  /** The cycle index held (`holdCycles`), or null. */
  cycles: CycleRows | null = null;
  /** Bits of a sort key for the group and for the answer's index (`holdCycles`; see assembly/kernel.ts's sortKey). */
  groupBits = 0;
  indexBits = 1;
  private readonly ratesAt: number;
  /** Where a full scan's answers go (`answerSpace`): after the rates, then after the cycle index (`holdCycles`). */
  private answersAt: number;

  constructor(pools: number) {
    this.pools = pools;
    this.ratesAt = alignTo8(TABLES + POOL_BYTES * pools);
    this.answersAt = this.ratesAt + RATE_BYTES * pools;
    this.memory = new wasm.Memory({ initial: Math.ceil(this.answersAt / 65536), maximum: 65536, shared: true });
    this.map();
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

  /**
   * Copies a cycle index (its hop counts and edge rows) into the memory after the rates, growing it, for the
   * kernel's full scan (`ExactKernel.scan`), with the group (0..groupCount-1) of each directed edge's source token
   * (edge 2p sells pool p's token0), which a cycle's first edge gives it. Made once per pool graph, with the scanner.
   */
  holdCycles(index: CycleRows, edgeGroups: Int32Array, groupCount: number): void {
    if (groupCount > MAX_GROUPS) throw new RangeError(`exact kernel: at most ${MAX_GROUPS} base tokens`);
    const edgeGroupsAt = this.ratesAt + RATE_BYTES * this.pools;
    const hopsAt = edgeGroupsAt + 8 * this.pools;
    const edgesAt = Math.ceil((hopsAt + index.cycleCount) / 4) * 4;
    const bytes = edgesAt + 4 * index.stride * index.cycleCount;
    this.reserve(bytes);
    this.answersAt = alignTo8(bytes);
    new Int32Array(this.memory.buffer, edgeGroupsAt, 2 * this.pools).set(edgeGroups);
    new Uint8Array(this.memory.buffer, hopsAt, index.cycleCount).set(index.hops);
    new Int32Array(this.memory.buffer, edgesAt, index.stride * index.cycleCount).set(index.edges);
    this.cycles = index;
    this.groupBits = groupCount > 1 ? 32 - Math.clz32(groupCount - 1) : 0;
    this.indexBits = index.cycleCount > 2 ? 32 - Math.clz32(index.cycleCount - 1) : 1;
  }

  /**
   * Where a full scan's answers go, with room for `capacity` of them (ANSWER_SPACE bytes each: ScanAnswers lays them
   * out), growing the memory (the views are remade: read them anew).
   */
  answerSpace(capacity: number): number {
    this.reserve(this.answersAt + ANSWER_SPACE * capacity);
    return this.answersAt;
  }

  /** Grows the memory to at least `bytes` and remakes the views. */
  private reserve(bytes: number): void {
    const pages = Math.ceil(bytes / 65536) - this.memory.buffer.byteLength / 65536;
    if (pages > 0) this.memory.grow(pages);
    this.map();
  }

  /** (Re)makes the views of the memory's current buffer. */
  private map(): void {
    const buffer = this.memory.buffer;
    const pools = this.pools;
    this.floatReserve0 = new Float64Array(buffer, TABLES, pools);
    this.floatReserve1 = new Float64Array(buffer, TABLES + 8 * pools, pools);
    this.words = new BigUint64Array(buffer, TABLES + 16 * pools, 4 * pools);
    this.feeBps = new Int32Array(buffer, TABLES + 48 * pools, pools);
    this.inRange = new Uint8Array(buffer, TABLES + 52 * pools, pools);
    this.rate = new Float64Array(buffer, this.ratesAt, 2 * pools);
    this.outWords = new BigUint64Array(buffer, OUT, 6);
    this.outInts = new Int32Array(buffer, OUT + 48, 4);
    this.outSign = new Int32Array(buffer, OUT + 16, 1);
  }
}

/** The kernel's optimality codes. */
export const OPTIMALITY: readonly Optimality[] = ["exact", "ppm", "unproven"];

/** Split points the kernel takes: positive, and an i64 (the boundary's type). */
const SPLIT_LIMIT = 1n << 63n;

/** One instance of the kernel over a market's pool tables. */
export class ExactKernel implements SplitKernel {
  readonly exports: KernelExports;
  /** Whether this instance knows where the tables' cycle index is (`scan` tells it on first use). */
  private placed = false;

  constructor(readonly tables: PoolTables) {
    const instance = new wasm.Instance(kernelModule(), { env: { memory: tables.memory } });
    this.exports = instance.exports as unknown as KernelExports;
    this.exports.init(tables.pools);
  }

  /**
   * The full scan of the cycles the tables hold (`PoolTables.holdCycles`) from cycle `from` on: the rate test, with
   * `minProfit` (when `bounded`) the float profit bound (CycleEvaluator.mayProfit; pools from `v2Count` on are V3
   * pools, which have none), then `size` and `search` with `budget`. Answers only the cycles that may profit and did
   * not come out NONE: `answers()` of them, written at `records` (ANSWER_BYTES each) and their sort keys at `keys`
   * (addresses in the tables' memory: ScanAnswers's space), numbered from `base`; stops after `room` answers and
   * returns the cycle to go on from (the cycle count when done). `scanned()`: how many cycles it sized.
   */
  scan(
    from: number,
    bounded: boolean,
    minProfit: number,
    v2Count: number,
    budget: number,
    answers: AnswerRoom,
  ): number {
    const { cycles, groupBits, indexBits } = this.tables;
    if (cycles === null) throw new Error("exact kernel: no cycle index held to scan");
    if (!this.placed) {
      this.exports.initCycles(cycles.cycleCount, cycles.stride, v2Count, groupBits, indexBits);
      this.placed = true;
    }
    const { base, records, keys, room, wides, wideFrom } = answers;
    const to = cycles.cycleCount;
    return this.exports.scan(from, bounded ? 1 : 0, minProfit, budget, base, records, keys, room, wides, wideFrom, to);
  }

  /**
   * The same full scan (`scan`), in chunks that this instance and the helper instances started over the same memory
   * (`helperModuleBytes`) take in turn, each numbering its answers from its first cycle in `space` (room for one per
   * cycle); returns once all are done, with the answers' keys together for `sortKeys` (`answers()` of them,
   * `scanned()` cycles sized), how many chunks the helpers took. With no helper running, this instance takes them all.
   */
  share(bounded: boolean, minProfit: number, v2Count: number, budget: number, space: ShareSpace): number {
    const { cycles, groupBits, indexBits, memory, pools } = this.tables;
    if (cycles === null) throw new Error("exact kernel: no cycle index held to scan");
    const count = cycles.cycleCount;
    const plan = new Int32Array(memory.buffer);
    // Guided chunks: a quarter of what is left (two threads finish together, to within a short chunk), at least
    // MIN_CHUNK cycles. Each chunk's answers start a run of pages of their own (a page fault each in a fresh process),
    // so fewer, longer chunks first.
    let chunks = 0;
    for (let from = 0; from < count; chunks++) {
      plan[PLAN_BOUNDS + chunks] = from;
      const left = count - from;
      from += chunks === MAX_CHUNKS - 1 ? left : Math.min(left, Math.max(MIN_CHUNK, Math.ceil(left / 4)));
    }
    plan[PLAN_BOUNDS + chunks] = count;
    plan.set([chunks, pools, count, cycles.stride, v2Count, groupBits, indexBits, bounded ? 1 : 0], PLAN_INTS);
    plan.set([space.records, space.keys, space.wides], PLAN_INTS + 8);
    new Float64Array(memory.buffer).set([minProfit, budget], PLAN_FLOATS);
    Atomics.store(plan, PLAN_DONE, 0);
    Atomics.store(plan, PLAN_NEXT, 0);
    Atomics.add(plan, PLAN_GENERATION, 1);
    Atomics.notify(plan, PLAN_GENERATION);
    this.exports.share();
    let waited = 0;
    for (let done = Atomics.load(plan, PLAN_DONE); done < chunks; done = Atomics.load(plan, PLAN_DONE)) {
      if (Atomics.load(plan, PLAN_FAILED) !== 0)
        throw new Error("exact kernel: a helper thread failed in a shared scan");
      if (Atomics.wait(plan, PLAN_DONE, done, 100) === "timed-out" && (waited += 100) >= HELPER_TIMEOUT_MS) {
        throw new Error("exact kernel: a helper thread stopped in the middle of a shared scan");
      }
    }
    this.exports.gather();
    return plan[PLAN_HELPED]!;
  }

  /** How many entries the wide table of the scan so far has. */
  wides(): number {
    return this.exports.wides();
  }

  /**
   * Sorts a full scan's `n` sort keys at `keys` (its answers at `records` as `scan` wrote them, with their wide table at
   * `wides`, numbered 0..n-1 in the keys' low `indexBits` bits) in place, in the kernel, with 16n bytes of `scratch`
   * (addresses in the tables' memory): the answer indices in list order, with the runs (start, end pairs) it left out of order
   * (assembly/kernel.ts's sortKeys). The keys are spent. The views are of the kernel's memory, good until it grows.
   */
  sortKeys(
    keys: number,
    n: number,
    indexBits: number,
    records: number,
    scratch: number,
    wides: number,
  ): { order: Int32Array; runs: Int32Array } {
    const runs = this.exports.sortKeys(keys, n, indexBits, records, scratch, wides);
    const buffer = this.tables.memory.buffer;
    return {
      order: new Int32Array(buffer, scratch + 8 * n, n),
      runs: new Int32Array(buffer, scratch + 12 * n, 2 * runs),
    };
  }

  /** How many answers the last `scan` gave. */
  answers(): number {
    return this.tables.outInts[2]!;
  }

  /** How many cycles the last `scan` sized (passed the prefilter). */
  scanned(): number {
    return this.tables.outInts[3]!;
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
    const w = this.tables.outWords;
    return {
      amountIn: join(w[0]!, w[1]!),
      amountOut: join(w[2]!, w[3]!),
      profit: join(w[4]!, w[5]!),
      optimality: OPTIMALITY[this.tables.outInts[1]!]!,
    };
  }

  /** The split of the last `size` that answered SEARCH. */
  split(): number {
    return this.tables.outInts[0]!;
  }

  /** For the cycle of the last `size` that answered SEARCH, until the next `size`. */
  splitValue(y: bigint): bigint | null | undefined {
    if (y <= 0n || y >= SPLIT_LIMIT) return undefined;
    const status = this.exports.value(y);
    if (status === 0) return null;
    if (status !== 1) return undefined;
    const magnitude = join(this.tables.outWords[0]!, this.tables.outWords[1]!);
    return this.tables.outSign[0] === 0 ? magnitude : -magnitude;
  }

  /** For the cycle of the last `size` that answered SEARCH, until the next `size`. */
  screen(from: number, step: number, count: number, best: number): number {
    return this.exports.screen(from, step, count, best);
  }
}

function alignTo8(bytes: number): number {
  return Math.ceil(bytes / 8) * 8;
}

function join(low: bigint, high: bigint): bigint {
  return high === 0n ? low : high * WORD + low;
}
