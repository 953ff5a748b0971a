import { describe, expect, it } from "vitest";
import type { AnswerRoom } from "./exact-kernel/kernel.ts";
import { ANSWER_BYTES, ELSEWHERE, ExactKernel, PoolTables, TRADE } from "./exact-kernel/kernel.ts";
import { INTS, ScanAnswers } from "./scan-answers.ts";

const MASK = (1n << 64n) - 1n;
const bits = new Float64Array(1);
const bitWords = new BigUint64Array(bits.buffer);

/** The kernel's sortKey (exact-kernel/assembly/kernel.ts), in bigints. */
function sortKey(group: number, index: number, profit: bigint, groupBits: number, indexBits: number): bigint {
  bits[0] = Number(profit);
  let key = (~bitWords[0]! << 1n) & MASK;
  if (groupBits > 0) key = (key >> BigInt(groupBits)) | (BigInt(group) << BigInt(64 - groupBits));
  return ((key >> BigInt(indexBits)) << BigInt(indexBits)) | BigInt(index);
}

interface Answer {
  cycle: number;
  group: number;
  /** null: the TypeScript sizes the cycle (ELSEWHERE). */
  profit: bigint | null;
}

/** Writes the answer records and keys for `answers` at `room` (numbered from its base), as ExactKernel.scan does. */
function write(tables: PoolTables, room: AnswerRoom, answers: Answer[], groupBits: number, indexBits: number): void {
  const buffer = tables.memory.buffer;
  const ints = new Int32Array(buffer, room.records, (ANSWER_BYTES / 4) * answers.length);
  const words = new BigUint64Array(buffer, room.records, (ANSWER_BYTES / 8) * answers.length);
  const answerKeys = new BigUint64Array(buffer, room.keys, answers.length);
  answers.forEach((a, i) => {
    ints[16 * i] = a.cycle;
    ints[16 * i + 1] = a.profit === null ? ELSEWHERE : TRADE;
    ints[16 * i + 3] = a.group;
    const profit = a.profit ?? 0n;
    words[8 * i + 2] = 1n;
    words[8 * i + 4] = (1n + profit) & MASK;
    words[8 * i + 5] = (1n + profit) >> 64n;
    words[8 * i + 6] = profit & MASK;
    words[8 * i + 7] = profit >> 64n;
    answerKeys[i] = sortKey(a.group, room.base + i, profit, groupBits, indexBits);
  });
}

describe("ScanAnswers", () => {
  it.each([
    [2, 20, 3000],
    [2, 12, 3000],
    [3, 32, 3000],
    [2, 20, 40_000],
  ])(
    "lists the kernel's answers by group (%i bits), exact profit, then cycle (index in %i bits), across batches (%i answers; past 16,384 the space grows)",
    (groupBits, indexBits, total) => {
      let seed = 11;
      const next = () => (seed = (seed * 16807) % 2147483647);
      const answers: Answer[] = Array.from({ length: total }, (_, k) => {
        const kind = next() % 6;
        const profit =
          kind === 0
            ? BigInt(next() % 6) + 1n
            : kind === 1
              ? 2n ** 70n + BigInt(next() % 5000)
              : kind === 2
                ? BigInt(next()) ** 3n
                : kind === 3
                  ? 2n ** 100n + BigInt(next() % 3)
                  : kind === 4
                    ? // Runs of a few equal keys with unequal profits, which the kernel orders itself.
                      2n ** 80n * BigInt((next() % 40) + 1) + BigInt(next() % 4)
                    : next() % 20 === 0
                      ? null
                      : BigInt(next()) * BigInt(next());
        // The kernel answers in cycle order.
        return { cycle: 5 * k + (next() % 5), group: next() % 3, profit };
      });
      const tables = new PoolTables(4);
      const set = new ScanAnswers(tables);
      set.clear(indexBits);
      // Batches as the kernel's scan calls write them: up to its room each.
      for (let from = 0; from < answers.length;) {
        const room = set.room();
        const count = Math.min(1024, answers.length - from, room.room);
        write(tables, room, answers.slice(from, from + count), groupBits, indexBits);
        set.added(count);
        from += count;
      }
      // The runs of 2^70 + a few thousand and of 2^100 + 0..2 are too long for the kernel: it hands them back.
      const kernel = new ExactKernel(tables);
      let handedBack = 0;
      set.sort({
        sortKeys: (keys, n, bits, records, scratch) => {
          const sorted = kernel.sortKeys(keys, n, bits, records, scratch);
          handedBack += sorted.runs.length / 2;
          return sorted;
        },
      });
      expect(handedBack).toBeGreaterThan(0);
      const { order, ints } = set.lists();
      const listed = Array.from({ length: set.size }, (_, k) => {
        const i = order[k]!;
        const profit = ints[INTS * i + 1] === TRADE ? set.profit(i) : null;
        return { cycle: ints[INTS * i], group: ints[INTS * i + 3], profit };
      });
      const expected = [...answers].sort((x, y) => {
        if (x.group !== y.group) return x.group - y.group;
        // The cycles the TypeScript sizes come last in their group (the scanner places them itself).
        if ((x.profit === null) !== (y.profit === null)) return x.profit === null ? 1 : -1;
        if (x.profit !== y.profit) return x.profit! > y.profit! ? -1 : 1;
        return x.cycle - y.cycle;
      });
      expect(listed).toEqual(expected);
      expect(set.amountOut(order[0]!)).toBe(1n + set.profit(order[0]!));
      expect(set.amountIn(order[0]!)).toBe(1n);
    },
  );
});
