import type { AnswerRoom, ExactKernel, PoolTables } from "./exact-kernel/kernel.ts";
import { ANSWER_BYTES, OPTIMALITY, TRADE } from "./exact-kernel/kernel.ts";

/** What puts a full scan's sort keys in order. */
export type KeySorter = Pick<ExactKernel, "sortKeys">;

/** Answers the space holds before it first grows (the 1-in-38 10k-pool market gives 14,084). */
const FIRST_CAPACITY = 16_384;
export const INTS = ANSWER_BYTES / 4;
const WORDS = ANSWER_BYTES / 8;
const UNPROVEN = OPTIMALITY.indexOf("unproven");

/**
 * A full scan's answers from the exact kernel (ExactKernel.scan), written by the kernel where they stay: in the
 * tables' memory (PoolTables.answerSpace), `capacity` answer records, then their sort keys, then the sort's scratch.
 * Neither copied out nor back in (each copy went to memory not touched before: a page fault per 4 KiB, which costs
 * more than the copy); put in list order (by group, then profit, highest first, then cycle id) by the kernel's sort
 * of the sort keys: no JavaScript loop runs per answer before the list is built, in a fresh process where each such
 * loop runs before it is compiled. Each answer: its cycle, TRADE or ELSEWHERE (the TypeScript sizes that cycle
 * itself), its group and, for a trade, the amounts.
 */
export class ScanAnswers {
  size = 0;
  private capacity = 0;
  /** Where the records start in the tables' memory (the keys follow `capacity` records, the scratch the keys). */
  private at = 0;
  private ints = new Int32Array(0);
  private words = new BigUint64Array(0);
  /** Answer indices in list order (after `sort`): a view of the sort's scratch. */
  private order: Int32Array = new Int32Array(0);
  /** Bits of a key holding the answer's index (PoolTables.indexBits). */
  private indexBits = 1;

  constructor(private readonly tables: Pick<PoolTables, "memory" | "answerSpace">) {}

  /** Empties the set for a scan whose keys number answers in `indexBits` bits. */
  clear(indexBits: number): void {
    this.size = 0;
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
    };
  }

  /** Counts the `count` answers the kernel wrote at the last `room()`. */
  added(count: number): void {
    this.size += count;
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
    const { order, runs } = sorter.sortKeys(keys, n, this.indexBits, this.at, keys + 8 * this.capacity);
    this.map();
    this.order = order;
    for (let r = 0; r < runs.length; r += 2) this.orderRun(runs[r]!, runs[r + 1]!);
  }

  /**
   * The sorted list's answer indices and the answers as 32-bit words (answer i's cycle at INTS * i, then its kind,
   * optimality and group): a full scan's pass reads them in its loop, not through a call per answer and field.
   */
  lists(): { order: Int32Array; ints: Int32Array } {
    return { order: this.order, ints: this.ints };
  }

  /** Whether answer i is a TRADE (else ELSEWHERE: the TypeScript sizes the cycle). */
  private isTrade(i: number): boolean {
    return this.ints[INTS * i + 1] === TRADE;
  }

  // Answer i's trade (when it is a TRADE), field by field: a full scan's pass makes no trade object per answer.
  amountIn(i: number): bigint {
    return this.amount(WORDS * i + 2);
  }

  amountOut(i: number): bigint {
    return this.amount(WORDS * i + 4);
  }

  profit(i: number): bigint {
    return this.amount(WORDS * i + 6);
  }

  /** Whether answer i's size is unproven (SizedTrade's optimality). */
  unproven(i: number): boolean {
    return this.ints[INTS * i + 2] === UNPROVEN;
  }

  /** The 128-bit amount at word `at` (low word first): one bigint when the high word is 0, as it mostly is. */
  private amount(at: number): bigint {
    // The high word's two halves, read as 32-bit integers: testing them allocates nothing.
    if ((this.ints[2 * at + 2]! | this.ints[2 * at + 3]!) === 0) return this.words[at]!;
    return (this.words[at + 1]! << 64n) | this.words[at]!;
  }

  /**
   * Places k in start..end (equal top bits, so one group, out of order and too long for the kernel to sort) by exact
   * profit, highest first, then cycle id.
   */
  private orderRun(start: number, end: number): void {
    const order = this.order;
    const run = Array.from(order.subarray(start, end));
    const profit = (i: number) => (this.isTrade(i) ? this.amount(WORDS * i + 6) : -1n);
    run.sort((x, y) => {
      const a = profit(x);
      const b = profit(y);
      return a !== b ? (a > b ? -1 : 1) : this.ints[INTS * x]! - this.ints[INTS * y]!;
    });
    order.set(run, start);
  }

  /** Makes room for `capacity` answers: the records stay, the keys move after them. */
  private grow(capacity: number): void {
    const keysFrom = this.at + ANSWER_BYTES * this.capacity;
    this.at = this.tables.answerSpace(capacity);
    const keysTo = this.at + ANSWER_BYTES * capacity;
    if (this.size > 0) new Uint8Array(this.tables.memory.buffer).copyWithin(keysTo, keysFrom, keysFrom + 8 * this.size);
    this.capacity = capacity;
    this.map();
  }

  /** (Re)makes the views of the records (the memory's buffer changes when it grows). */
  private map(): void {
    const buffer = this.tables.memory.buffer;
    this.ints = new Int32Array(buffer, this.at, INTS * this.capacity);
    this.words = new BigUint64Array(buffer, this.at, WORDS * this.capacity);
  }
}
