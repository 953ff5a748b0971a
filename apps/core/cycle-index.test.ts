import { describe, expect, it } from "vitest";
import { CycleIndex, edgeSource, edgeTarget } from "./cycle-index.ts";
import { syntheticMarket } from "../../bench/synthetic-market.ts";

// Hand-built graph. Tokens: B=0 (base), X=1, Y=2, Z=3.
// Pools: p0 B/X, p1 X/B (token order flipped on purpose), p2 X/Y, p3 Y/B, p4 Y/Z, p5 Z/B.
const B = 0;
const X = 1;
const Y = 2;
const Z = 3;
const token0 = Int32Array.from([B, X, X, Y, Y, Z]);
const token1 = Int32Array.from([X, B, Y, B, Z, B]);

function cycles(index: CycleIndex): string[] {
  const out: string[] = [];
  for (let c = 0; c < index.cycleCount; c++) {
    const edges = [...index.cycleEdges(c)];
    const start = edgeSource(edges[0]!, token0, token1);
    out.push(`${"BXYZ"[start]}:${edges.map((e) => `p${e >> 1}`).join(",")}`);
  }
  return out.sort();
}

const build = (maxHops: number, baseTokens = [B]) =>
  CycleIndex.build({ tokenCount: 4, token0, token1, baseTokens, maxHops });

describe("CycleIndex on a hand-built graph", () => {
  it("2 hops: out and back over two different pools of the same pair, both orders", () => {
    expect(cycles(build(2))).toEqual(["B:p0,p1", "B:p1,p0"]);
  });

  it("3 hops: adds every triangle through the base, both directions", () => {
    expect(cycles(build(3))).toEqual(
      ["B:p0,p1", "B:p1,p0", "B:p0,p2,p3", "B:p1,p2,p3", "B:p3,p2,p0", "B:p3,p2,p1", "B:p3,p4,p5", "B:p5,p4,p3"].sort(),
    );
  });

  it("4 hops: adds the square B-X-Y-Z-B", () => {
    const four = cycles(build(4));
    expect(four).toHaveLength(12);
    expect(four).toEqual(expect.arrayContaining(["B:p0,p2,p4,p5", "B:p1,p2,p4,p5", "B:p5,p4,p2,p0", "B:p5,p4,p2,p1"]));
  });

  it("a second base token starts its own cycles over the same pools", () => {
    const fromY = cycles(build(3, [B, Y])).filter((c) => c.startsWith("Y:"));
    expect(fromY).toEqual(["Y:p3,p0,p2", "Y:p3,p1,p2", "Y:p2,p0,p3", "Y:p2,p1,p3", "Y:p4,p5,p3", "Y:p3,p5,p4"].sort());
  });

  it("maps each pool to exactly the cycles that use it", () => {
    const index = build(3);
    for (let p = 0; p < 6; p++) {
      const expected: number[] = [];
      for (let c = 0; c < index.cycleCount; c++) {
        if ([...index.cycleEdges(c)].some((e) => e >> 1 === p)) expected.push(c);
      }
      expect([...index.cyclesOfPool(p)].sort((a, b) => a - b)).toEqual(expected);
    }
    expect([...index.cyclesOfPool(4)].length).toBe(2);
  });

  it("rejects an unsupported hop count", () => {
    expect(() => build(1)).toThrow(/maxHops/);
    expect(() => build(5)).toThrow(/maxHops/);
  });
});

describe("CycleIndex invariants on a synthetic market", () => {
  const market = syntheticMarket({ pools: 400, seed: 11 });
  const tokenIndex = new Map(market.tokens.map((t, i) => [t.address, i]));
  const t0 = Int32Array.from(market.pools.map((p) => tokenIndex.get(p.token0)!));
  const t1 = Int32Array.from(market.pools.map((p) => tokenIndex.get(p.token1)!));
  const bases = market.baseTokens.map((a) => tokenIndex.get(a)!);
  const index = CycleIndex.build({
    tokenCount: market.tokens.length,
    token0: t0,
    token1: t1,
    baseTokens: bases,
    maxHops: 3,
  });

  it("every cycle is closed, starts at a base, repeats no token or pool, and appears once", () => {
    const seen = new Set<string>();
    const broken: string[] = [];
    expect(index.cycleCount).toBeGreaterThan(1000);
    for (let c = 0; c < index.cycleCount; c++) {
      const edges = [...index.cycleEdges(c)];
      const path = edges.map((e) => edgeSource(e, t0, t1));
      const key = `${path[0]}:${edges.map((e) => e >> 1).join(",")}`;
      const chained = edges.every((e, h) => h === 0 || edgeSource(e, t0, t1) === edgeTarget(edges[h - 1]!, t0, t1));
      const ok =
        (edges.length === 2 || edges.length === 3) &&
        bases.includes(path[0]!) &&
        edgeTarget(edges[edges.length - 1]!, t0, t1) === path[0] &&
        chained &&
        new Set(path).size === path.length &&
        new Set(edges.map((e) => e >> 1)).size === edges.length &&
        !seen.has(key);
      if (!ok) broken.push(key);
      seen.add(key);
    }
    expect(broken).toEqual([]);
  });
});
