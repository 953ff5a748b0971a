import type { PoolTables } from "./exact-kernel/kernel.ts";
import { ANSWER_BYTES, OPTIMALITY, TRADE } from "./exact-kernel/kernel.ts";
import type { SizedTrade } from "./sized-trade.ts";

/** What puts a full scan's sort keys in order (ExactKernel.sortKeys). */
export interface KeySorter {
  sortKeys(keys: BigUint64Array, records: Uint8Array, indexBits: number): { order: Int32Array; runs: Int32Array };
}

/** Answers a new set holds before it first grows (the 1-in-38 10k-pool market gives 14,084). */
const FIRST_CAPACITY = 16_384;
export const INTS = ANSWER_BYTES / 4;
const WORDS = ANSWER_BYTES / 8;

/**
 * A full scan's answers from the exact kernel (ExactKernel.scan), gathered across its calls by bulk copies, then put
 * in list order (by group, then profit, highest first, then cycle id) by the kernel's sort of the sort keys it
 * wrote: no JavaScript loop runs per answer before the list is built, in a fresh process where each such loop runs
 * before it is compiled. Each answer: its cycle, TRADE or ELSEWHERE (the TypeScript sizes that cycle itself), its
 * group and, for a trade, the amounts.
 */
export class ScanAnswers {
  size = 0;
  private capacity = 0;
  private bytes = new Uint8Array(0);
  private ints = new Int32Array(0);
  private words = new BigUint64Array(0);
  private keys = new BigUint64Array(0);
  /** Answer indices in list order (after `sort`). */
  private order = new Int32Array(0);
  /** Bits of a key holding the answer's index (PoolTables.indexBits). */
  private indexBits = 1;

  /** Empties the set for a scan whose keys number answers in `indexBits` bits. */
  clear(indexBits: number): void {
    this.size = 0;
    this.indexBits = indexBits;
  }

  /** Appends the `count` answers the kernel's last scan call left in `tables`. */
  take(tables: Pick<PoolTables, "answerBytes" | "answerKeys">, count: number): void {
    if (this.size + count > this.capacity) this.grow(Math.max(FIRST_CAPACITY, 2 * (this.size + count)));
    this.bytes.set(tables.answerBytes.subarray(0, count * ANSWER_BYTES), this.size * ANSWER_BYTES);
    this.keys.set(tables.answerKeys.subarray(0, count), this.size);
    this.size += count;
  }

  /**
   * Sorts the answers into list order in the kernel (`sorter`): the keys' top bits, then, where they are equal
   * (profits within a few parts in 2^40 of each other, or cycles the TypeScript sizes), exact profits and cycle ids.
   * Only a long run of those out of order comes back to be ordered here: no JavaScript loop per key, which in a fresh
   * process runs before it is compiled.
   */
  sort(sorter: KeySorter): void {
    const n = this.size;
    const { order, runs } = sorter.sortKeys(
      this.keys.subarray(0, n),
      this.bytes.subarray(0, ANSWER_BYTES * n),
      this.indexBits,
    );
    this.order.set(order);
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

  /** Answer i's trade (when it is a TRADE). */
  trade(i: number): SizedTrade {
    const at = WORDS * i + 2;
    return {
      amountIn: this.amount(at),
      amountOut: this.amount(at + 2),
      profit: this.amount(at + 4),
      optimality: OPTIMALITY[this.ints[INTS * i + 2]!]!,
    };
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

  private grow(capacity: number): void {
    const bytes = new Uint8Array(capacity * ANSWER_BYTES);
    bytes.set(this.bytes.subarray(0, this.size * ANSWER_BYTES));
    const keys = new BigUint64Array(capacity);
    keys.set(this.keys.subarray(0, this.size));
    this.capacity = capacity;
    this.bytes = bytes;
    this.ints = new Int32Array(bytes.buffer);
    this.words = new BigUint64Array(bytes.buffer);
    this.keys = keys;
    this.order = new Int32Array(capacity);
  }
}
