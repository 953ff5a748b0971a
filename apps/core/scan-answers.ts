import type { AnswerRoom, ExactKernel, PoolTables, ShareSpace } from "./exact-kernel/kernel.ts";
import {
  ANSWER_BYTES,
  GROUP_SHIFT,
  KIND_BITS,
  OPTIMALITY,
  OPTIMALITY_SHIFT,
  TRADE,
  WIDE,
  WIDE_BYTES,
} from "./exact-kernel/kernel.ts";
import type { Opportunity } from "./opportunity.ts";

/** What puts a full scan's sort keys in order. */
export type KeySorter = Pick<ExactKernel, "sortKeys">;

/** Answers the space holds before it first grows (the 1-in-38 10k-pool market gives 14,084). */
const FIRST_CAPACITY = 16_384;
const INTS = ANSWER_BYTES / 4;
const WORDS = ANSWER_BYTES / 8;
/** Bytes per answer of the records, keys and sort scratch, before the wide table. */
const BEFORE_WIDE = ANSWER_BYTES + 8 + 16;
const UNPROVEN = OPTIMALITY.indexOf("unproven");

/** What a full scan's list needs besides the answers: the cycle index's rows and two tables per directed edge. */
export interface RouteTables {
  readonly edges: Int32Array;
  readonly hops: Uint8Array;
  readonly stride: number;
  /** Per directed edge (2p sells pool p's token0): the address of the token it sells, and of its pool. */
  readonly edgeToken: readonly string[];
  readonly edgePool: readonly string[];
}

/** What a trade's profit means against the scan's minimum profit (CycleEvaluator.clears). */
export interface Clears {
  clears(profit: bigint, unproven: boolean): "listed" | "undecided" | null;
}

/** A full scan's answers made into its list (`ScanAnswers.list`). */
export interface Listing {
  /** In list order, with each one's cycle and group (what OpportunityBook.resetListed takes). */
  readonly opportunities: Opportunity[];
  readonly cycles: Int32Array;
  readonly groups: Int32Array;
  /** Cycles listed with an unproven size; cycles whose trade did not clear and is unproven; cycles the TypeScript sizes. */
  readonly unproven: number[];
  readonly undecided: number[];
  readonly elsewhere: number[];
}

/**
 * A full scan's answers from the exact kernel (ExactKernel.scan), written by the kernel where they stay: in the
 * tables' memory (PoolTables.answerSpace), `capacity` answer records, then their sort keys, the sort's scratch, and
 * the wide table.
 * Neither copied out nor back in (each copy went to memory not touched before: a page fault per 4 KiB, which costs
 * more than the copy); put in list order (by group, then profit, highest first, then cycle id) by the kernel's sort
 * of the sort keys: no JavaScript loop runs per answer before the list is built, in a fresh process where each such
 * loop runs before it is compiled. Each answer (24 bytes: the kernel's `scan` lays them out): its cycle, its flags
 * (TRADE or ELSEWHERE, the TypeScript sizing that cycle itself; the optimality; WIDE; the group) and, for a trade,
 * amountIn and the profit, each in a word; the one WIDE trade in twenty has them in the wide table instead (two words
 * each), its entry's number in place of amountIn. Small because each 4 KiB of it is a page fault in a fresh process.
 */
export class ScanAnswers {
  size = 0;
  private capacity = 0;
  /** Where the records start in the tables' memory (the keys follow `capacity` records, the scratch the keys). */
  private at = 0;
  private ints: Int32Array = new Int32Array(0);
  private words: BigUint64Array = new BigUint64Array(0);
  /** The wide table's words, and how many entries it has. */
  private wideWords: BigUint64Array = new BigUint64Array(0);
  private wides = 0;
  /** Answer indices in list order (after `sort`): a view of the sort's scratch. */
  private order: Int32Array = new Int32Array(0);
  /** Bits of a key holding the answer's index (PoolTables.indexBits). */
  private indexBits = 1;

  constructor(private readonly tables: Pick<PoolTables, "memory" | "answerSpace">) {}

  /** Empties the set for a scan whose keys number answers in `indexBits` bits. */
  clear(indexBits: number): void {
    this.size = 0;
    this.wides = 0;
    this.indexBits = indexBits;
  }

  /** Where the next answers go, growing the space when it is full. */
  room(): AnswerRoom {
    if (this.size === this.capacity) this.grow(Math.max(FIRST_CAPACITY, 2 * this.capacity));
    const { size, at, capacity } = this;
    return {
      base: size,
      records: at + ANSWER_BYTES * size,
      keys: at + ANSWER_BYTES * capacity + 8 * size,
      room: capacity - size,
      wides: at + BEFORE_WIDE * capacity,
      wideFrom: this.wides,
    };
  }

  /**
   * Room for a shared scan (ExactKernel.share) over `cycles` cycles: one answer per cycle, each chunk's answers and
   * wide entries numbered from its first cycle. Only the pages written are ever touched.
   */
  shareSpace(cycles: number): ShareSpace {
    // Never empty, so the sort's scratch has a place of its own even when there are no cycles.
    if (this.capacity < Math.max(cycles, FIRST_CAPACITY)) this.grow(Math.max(cycles, FIRST_CAPACITY));
    const { at, capacity } = this;
    return { records: at, keys: at + ANSWER_BYTES * capacity, wides: at + BEFORE_WIDE * capacity };
  }

  /** Counts the `count` answers of the shared scan, their keys together at the start of the keys. */
  shared(count: number): void {
    this.size = count;
  }

  /** Counts the `count` answers the kernel wrote at the last `room()`, and that the wide table now has `wides` entries. */
  added(count: number, wides: number): void {
    this.size += count;
    this.wides = wides;
  }

  /**
   * Sorts the answers into list order in the kernel (`sorter`): the keys' top bits, then, where they are equal
   * (profits within a few parts in 2^40, or cycles the TypeScript sizes), exact profits and cycle ids. Only a long
   * run of those out of order comes back to be ordered here: no JavaScript loop per key, which in a fresh process
   * runs before it is compiled.
   */
  sort(sorter: KeySorter): void {
    const n = this.size;
    const keys = this.at + ANSWER_BYTES * this.capacity;
    const wides = this.at + BEFORE_WIDE * this.capacity;
    const { order, runs } = sorter.sortKeys(keys, n, this.indexBits, this.at, keys + 8 * this.capacity, wides);
    this.map();
    this.order = order;
    for (let r = 0; r < runs.length; r += 2) this.orderRun(runs[r]!, runs[r + 1]!);
  }

  /**
   * The opportunities of the answers' trades that clear (`clears`), in list order, with what the scanner notes of the
   * rest. One loop reads the order and the answer words itself, with no call per answer and field and nothing
   * allocated but what it returns: in a fresh process it runs before it is compiled, and what it allocates decides
   * whether a minor GC falls in the scan (which then copies everything young and alive, the market state just built
   * among it). Only all-V2 cycles come back as trades: routes name no protocols.
   */
  list(routes: RouteTables, rule: Clears): Listing {
    const n = this.size;
    const { order, ints, words, wideWords } = this;
    const { edges, hops, stride, edgeToken, edgePool } = routes;
    // Typed arrays: the scavenger does not copy them.
    const cycles = new Int32Array(n);
    const groups = new Int32Array(n);
    const opportunities = new Array<Opportunity>(n);
    const unproven: number[] = [];
    const undecided: number[] = [];
    const elsewhere: number[] = [];
    let count = 0;
    for (let k = 0; k < n; k++) {
      const i = order[k]!;
      const c = ints[INTS * i]!;
      const flags = ints[INTS * i + 1]!;
      if ((flags & KIND_BITS) !== TRADE) {
        elsewhere.push(c);
        continue;
      }
      let amountIn: bigint;
      let profit: bigint;
      if ((flags & WIDE) === 0) {
        amountIn = words[WORDS * i + 1]!;
        profit = words[WORDS * i + 2]!;
      } else {
        const entry = 4 * ints[INTS * i + 2]!;
        amountIn = (wideWords[entry + 1]! << 64n) | wideWords[entry]!;
        profit = (wideWords[entry + 3]! << 64n) | wideWords[entry + 2]!;
      }
      const isUnproven = ((flags >> OPTIMALITY_SHIFT) & 3) === UNPROVEN;
      const verdict = rule.clears(profit, isUnproven);
      if (verdict !== "listed") {
        if (verdict === "undecided") undecided.push(c);
        continue;
      }
      if (isUnproven) unproven.push(c);
      // The route straight from the edge rows, in arrays of their final length.
      const at = stride * c;
      const e0 = edges[at]!;
      const e1 = edges[at + 1]!;
      const baseToken = edgeToken[e0]!;
      const hopCount = hops[c]!;
      let tokens: string[];
      let pools: string[];
      if (hopCount === 3) {
        const e2 = edges[at + 2]!;
        tokens = [baseToken, edgeToken[e1]!, edgeToken[e2]!, baseToken];
        pools = [edgePool[e0]!, edgePool[e1]!, edgePool[e2]!];
      } else if (hopCount === 2) {
        tokens = [baseToken, edgeToken[e1]!, baseToken];
        pools = [edgePool[e0]!, edgePool[e1]!];
      } else {
        tokens = new Array<string>(hopCount + 1);
        pools = new Array<string>(hopCount);
        for (let h = 0; h < hopCount; h++) {
          const e = edges[at + h]!;
          tokens[h] = edgeToken[e]!;
          pools[h] = edgePool[e]!;
        }
        tokens[hopCount] = baseToken;
      }
      opportunities[count] = { baseToken, pools, tokens, amountIn, amountOut: amountIn + profit, profit };
      cycles[count] = c;
      groups[count++] = flags >> GROUP_SHIFT;
    }
    opportunities.length = count;
    return {
      opportunities,
      cycles: cycles.subarray(0, count),
      groups: groups.subarray(0, count),
      unproven,
      undecided,
      elsewhere,
    };
  }

  /** Answer i's cycle, group and (null unless it is a TRADE) profit. */
  answer(i: number): { cycle: number; group: number; profit: bigint | null } {
    const flags = this.ints[INTS * i + 1]!;
    return {
      cycle: this.ints[INTS * i]!,
      group: flags >> GROUP_SHIFT,
      profit: (flags & KIND_BITS) === TRADE ? this.profit(i) : null,
    };
  }

  /** The sorted list's answer indices (after `sort`). */
  listOrder(): Int32Array {
    return this.order;
  }

  /** Answer i's profit (a TRADE's). */
  private profit(i: number): bigint {
    if ((this.ints[INTS * i + 1]! & WIDE) === 0) return this.words[WORDS * i + 2]!;
    const entry = 4 * this.ints[INTS * i + 2]!;
    return (this.wideWords[entry + 3]! << 64n) | this.wideWords[entry + 2]!;
  }

  /**
   * Places k in start..end (equal top bits, so one group, out of order and too long for the kernel to sort) by exact
   * profit, highest first, then cycle id.
   */
  private orderRun(start: number, end: number): void {
    const order = this.order;
    const run = Array.from(order.subarray(start, end));
    const profit = (i: number) => ((this.ints[INTS * i + 1]! & KIND_BITS) === TRADE ? this.profit(i) : -1n);
    run.sort((x, y) => {
      const a = profit(x);
      const b = profit(y);
      return a !== b ? (a > b ? -1 : 1) : this.ints[INTS * x]! - this.ints[INTS * y]!;
    });
    order.set(run, start);
  }

  /** Makes room for `capacity` answers: the records stay, the keys and the wide table move after them. */
  private grow(capacity: number): void {
    const keysFrom = this.at + ANSWER_BYTES * this.capacity;
    const widesFrom = this.at + BEFORE_WIDE * this.capacity;
    this.at = this.tables.answerSpace(capacity);
    const keysTo = this.at + ANSWER_BYTES * capacity;
    const widesTo = this.at + BEFORE_WIDE * capacity;
    const bytes = new Uint8Array(this.tables.memory.buffer);
    // The wide table first: the keys' new place may overlap its old one.
    if (this.wides > 0) bytes.copyWithin(widesTo, widesFrom, widesFrom + WIDE_BYTES * this.wides);
    if (this.size > 0) bytes.copyWithin(keysTo, keysFrom, keysFrom + 8 * this.size);
    this.capacity = capacity;
    this.map();
  }

  /** (Re)makes the views of the records (the memory's buffer changes when it grows). */
  private map(): void {
    const buffer = this.tables.memory.buffer;
    this.ints = new Int32Array(buffer, this.at, INTS * this.capacity);
    this.words = new BigUint64Array(buffer, this.at, WORDS * this.capacity);
    this.wideWords = new BigUint64Array(
      buffer,
      this.at + BEFORE_WIDE * this.capacity,
      (WIDE_BYTES / 8) * this.capacity,
    );
  }
}
