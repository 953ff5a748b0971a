import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Opportunity } from "./opportunity.ts";
import { bookEntry, OpportunityBook } from "./opportunity-book.ts";

const opportunity = (profit: bigint): Opportunity => ({
  baseToken: "0xbase",
  pools: [],
  tokens: [],
  amountIn: 1n,
  amountOut: 1n + profit,
  profit,
});

/** The order the book promises: by group, then profit (highest first), then cycle id. */
function expected(listings: { cycle: number; group: number; profit: bigint }[]): bigint[] {
  return [...listings]
    .sort((x, y) => x.group - y.group || (x.profit === y.profit ? x.cycle - y.cycle : x.profit > y.profit ? -1 : 1))
    .map((l) => l.profit);
}

type Listing = { cycle: number; group: number; profit: bigint };

/** Applies `changes` to the book (of cycles 0..19) and to its model, then checks size, membership and order. */
function applyAndCompare(
  book: OpportunityBook,
  model: Map<number, Listing>,
  changes: { cycle: number; group: number; profit: bigint | null }[],
): void {
  for (const c of changes) {
    book.set(c.cycle, c.group, c.profit === null ? null : opportunity(c.profit));
    if (c.profit === null) model.delete(c.cycle);
    else model.set(c.cycle, { cycle: c.cycle, group: c.group, profit: c.profit });
  }
  expect(book.size).toBe(model.size);
  for (let cycle = 0; cycle < 20; cycle++) {
    expect(book.has(cycle)).toBe(model.has(cycle));
    expect(book.get(cycle)?.profit).toBe(model.get(cycle)?.profit);
  }
  expect(book.list().map((o) => o.profit)).toEqual(expected([...model.values()]));
}

describe("OpportunityBook.reset orders by exact profit", () => {
  it("profits above 2^53 that round to the same float keep their exact order", () => {
    const big = 2n ** 60n;
    const book = new OpportunityBook(1, 6);
    const profits = [big, big + 1n, big - 1n, 5n, big + 1n, big + 64n];
    book.reset(profits.map((p, cycle) => bookEntry(cycle, 0, opportunity(p))));
    expect(book.list().map((o) => o.profit)).toEqual([big + 64n, big + 1n, big + 1n, big, big - 1n, 5n]);
  });

  it("matches a comparator sort on random books with many near ties", () => {
    const profit = fc.oneof(
      fc.bigInt({ min: 1n, max: 50n }),
      fc.bigInt({ min: 2n ** 62n, max: 2n ** 62n + 2000n }),
      fc.bigInt({ min: 1n, max: 2n ** 100n }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.record({ group: fc.integer({ min: 0, max: 2 }), profit }), { maxLength: 300 }),
        (rows) => {
          const listings = rows.map((r, cycle) => ({ cycle, group: r.group, profit: r.profit }));
          const book = new OpportunityBook(3, listings.length);
          book.reset(listings.map((l) => bookEntry(l.cycle, l.group, opportunity(l.profit))));
          expect(book.list().map((o) => o.profit)).toEqual(expected(listings));
          // Incremental moves after a reset keep the same order as a fresh reset would give.
          if (listings.length > 0) {
            const moved = { ...listings[0]!, profit: listings[0]!.profit * 3n + 1n };
            book.set(moved.cycle, moved.group, opportunity(moved.profit));
            expect(book.list().map((o) => o.profit)).toEqual(expected([moved, ...listings.slice(1)]));
          }
        },
      ),
      { numRuns: 200, seed: 20261201 },
    );
  });

  it("keeps size, membership and order through any sequence of sets after a reset", () => {
    const change = fc.record({
      cycle: fc.integer({ min: 0, max: 19 }),
      group: fc.integer({ min: 0, max: 1 }),
      profit: fc.option(fc.bigInt({ min: 1n, max: 100n }), { nil: null }),
    });
    fc.assert(
      fc.property(fc.array(change, { maxLength: 20 }), fc.array(change, { maxLength: 60 }), (initial, changes) => {
        const model = new Map<number, Listing>();
        for (const c of initial)
          if (c.profit !== null) model.set(c.cycle, { cycle: c.cycle, group: c.group, profit: c.profit });
        const book = new OpportunityBook(2, 20);
        book.reset([...model.values()].map((l) => bookEntry(l.cycle, l.group, opportunity(l.profit))));
        applyAndCompare(book, model, changes);
      }),
      { numRuns: 300, seed: 20261202 },
    );
  });

  it("a list given in order (resetListed) over an earlier book behaves as reset would, through any sets after it", () => {
    const listing = fc.record({
      cycle: fc.integer({ min: 0, max: 19 }),
      group: fc.integer({ min: 0, max: 1 }),
      profit: fc.bigInt({ min: 1n, max: 100n }),
    });
    const change = fc.record({
      cycle: fc.integer({ min: 0, max: 19 }),
      group: fc.integer({ min: 0, max: 1 }),
      profit: fc.option(fc.bigInt({ min: 1n, max: 100n }), { nil: null }),
    });
    const unique = (rows: Listing[]) => [...new Map(rows.map((r) => [r.cycle, r])).values()];
    fc.assert(
      fc.property(
        fc.array(listing, { maxLength: 20 }),
        fc.array(listing, { maxLength: 20 }),
        fc.array(change, { maxLength: 30 }),
        (earlier, scan, changes) => {
          const book = new OpportunityBook(2, 20);
          book.reset(unique(earlier).map((l) => bookEntry(l.cycle, l.group, opportunity(l.profit))));
          const listed = unique(scan).sort(
            (x, y) => x.group - y.group || (x.profit === y.profit ? x.cycle - y.cycle : x.profit > y.profit ? -1 : 1),
          );
          book.resetListed(
            listed.map((l) => l.cycle),
            listed.map((l) => l.group),
            listed.map((l) => opportunity(l.profit)),
          );
          expect(book.size).toBe(listed.length);
          expect(book.list().map((o) => o.profit)).toEqual(expected(listed));
          applyAndCompare(book, new Map(listed.map((l) => [l.cycle, l])), changes);
        },
      ),
      { numRuns: 300, seed: 20261203 },
    );
  });
});
