import { describe, expect, it } from "vitest";
import type { AnswerRoom } from "./exact-kernel/kernel.ts";
import {
  ANSWER_BYTES,
  ELSEWHERE,
  ExactKernel,
  GROUP_SHIFT,
  OPTIMALITY,
  OPTIMALITY_SHIFT,
  PoolTables,
  TRADE,
  WIDE,
  WIDE_BYTES,
} from "./exact-kernel/kernel.ts";
import type { Opportunity } from "./opportunity.ts";
import type { RouteTables } from "./scan-answers.ts";
import { ScanAnswers } from "./scan-answers.ts";

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
  amountIn?: bigint;
  unproven?: boolean;
}

/**
 * Writes the answer records and keys for `answers` at `room` (numbered from its base), as ExactKernel.scan does, the
 * wide ones' amounts in its wide table from entry `wides` on; returns the wide table's entries after them.
 */
function write(
  tables: PoolTables,
  room: AnswerRoom,
  answers: Answer[],
  groupBits: number,
  indexBits: number,
  wides: number,
): number {
  const buffer = tables.memory.buffer;
  const step = ANSWER_BYTES / 8;
  const ints = new Int32Array(buffer, room.records, 2 * step * answers.length);
  const words = new BigUint64Array(buffer, room.records, step * answers.length);
  const answerKeys = new BigUint64Array(buffer, room.keys, answers.length);
  let entries = wides;
  answers.forEach((a, i) => {
    const profit = a.profit ?? 0n;
    const amountIn = a.amountIn ?? 1n;
    const optimality = OPTIMALITY.indexOf(a.unproven === true ? "unproven" : "exact");
    const group = a.group << GROUP_SHIFT;
    ints[2 * step * i] = a.cycle;
    answerKeys[i] = sortKey(a.group, room.base + i, profit, groupBits, indexBits);
    if (a.profit === null) {
      ints[2 * step * i + 1] = ELSEWHERE | group;
      return;
    }
    const flags = TRADE | (optimality << OPTIMALITY_SHIFT) | group;
    if (amountIn >> 64n === 0n && profit >> 64n === 0n) {
      ints[2 * step * i + 1] = flags;
      words[step * i + 1] = amountIn;
      words[step * i + 2] = profit;
      return;
    }
    ints[2 * step * i + 1] = flags | WIDE;
    words[step * i + 1] = BigInt(entries);
    const entry = new BigUint64Array(buffer, room.wides + WIDE_BYTES * entries++, 4);
    entry.set([amountIn & MASK, amountIn >> 64n, profit & MASK, profit >> 64n]);
  });
  return entries;
}

/** A set holding `answers` (one batch), sorted by the kernel. */
function sorted(answers: Answer[], groupBits: number, indexBits: number): ScanAnswers {
  const tables = new PoolTables(4);
  const set = new ScanAnswers(tables);
  set.clear(indexBits);
  set.added(answers.length, write(tables, set.room(), answers, groupBits, indexBits, 0));
  set.sort(new ExactKernel(tables));
  return set;
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
      let wides = 0;
      for (let from = 0; from < answers.length;) {
        const room = set.room();
        const count = Math.min(1024, answers.length - from, room.room);
        wides = write(tables, room, answers.slice(from, from + count), groupBits, indexBits, wides);
        set.added(count, wides);
        from += count;
      }
      // The runs of 2^70 + a few thousand and of 2^100 + 0..2 are too long for the kernel: it hands them back.
      const kernel = new ExactKernel(tables);
      let handedBack = 0;
      set.sort({
        sortKeys: (keys, n, bits, records, scratch, wideTable) => {
          const sorted = kernel.sortKeys(keys, n, bits, records, scratch, wideTable);
          handedBack += sorted.runs.length / 2;
          return sorted;
        },
      });
      expect(handedBack).toBeGreaterThan(0);
      const order = set.listOrder();
      const listed = Array.from({ length: set.size }, (_, k) => set.answer(order[k]!));
      const expected = [...answers].sort((x, y) => {
        if (x.group !== y.group) return x.group - y.group;
        // The cycles the TypeScript sizes come last in their group (the scanner places them itself).
        if ((x.profit === null) !== (y.profit === null)) return x.profit === null ? 1 : -1;
        if (x.profit !== y.profit) return x.profit! > y.profit! ? -1 : 1;
        return x.cycle - y.cycle;
      });
      expect(listed).toEqual(expected);
    },
  );

  it("makes the opportunities of the trades that clear, in list order, and notes the rest", () => {
    // Cycle c's route: edges 2p (selling pool p's token0) as the index stores them; tokens and pools named by edge.
    const stride = 4;
    const rows = [
      [0, 3, -1, -1],
      [2, 5, 7, -1],
      [1, 4, 6, 8],
      [0, 3, -1, -1],
      [2, 5, 7, -1],
    ];
    const routes: RouteTables = {
      edges: Int32Array.from(rows.flat()),
      hops: Uint8Array.from(rows.map((row) => row.filter((e) => e >= 0).length)),
      stride,
      edgeToken: Array.from({ length: 10 }, (_, e) => `t${e}`),
      edgePool: Array.from({ length: 10 }, (_, e) => `p${e >> 1}`),
    };
    const answers: Answer[] = [
      { cycle: 0, group: 1, profit: 5n, amountIn: 7n, unproven: true },
      { cycle: 1, group: 0, profit: 2n ** 70n + 1n, amountIn: 2n ** 66n + 3n },
      { cycle: 2, group: 0, profit: 9n, amountIn: 2n ** 64n },
      { cycle: 3, group: 1, profit: 3n, amountIn: 1n, unproven: true },
      { cycle: 4, group: 0, profit: null },
    ];
    const set = sorted(answers, 1, 3);
    const rule = {
      clears: (profit: bigint, unproven: boolean) => (profit > 4n ? "listed" : unproven ? "undecided" : null),
    } as const;
    const listing = set.list(routes, rule);
    const route = (c: number, amountIn: bigint, profit: bigint): Opportunity => {
      const edges = rows[c]!.filter((e) => e >= 0);
      return {
        baseToken: `t${edges[0]}`,
        pools: edges.map((e) => `p${e >> 1}`),
        tokens: [...edges.map((e) => `t${e}`), `t${edges[0]}`],
        amountIn,
        amountOut: amountIn + profit,
        profit,
      };
    };
    expect(listing.opportunities).toEqual([
      route(1, 2n ** 66n + 3n, 2n ** 70n + 1n),
      route(2, 2n ** 64n, 9n),
      route(0, 7n, 5n),
    ]);
    expect([...listing.cycles]).toEqual([1, 2, 0]);
    expect([...listing.groups]).toEqual([0, 0, 1]);
    expect(listing.unproven).toEqual([0]);
    expect(listing.undecided).toEqual([3]);
    expect(listing.elsewhere).toEqual([4]);
  });
});
