import { describe, expect, it } from "vitest";
import { parseSnapshot, SnapshotError } from "./load-snapshot.ts";

const A = "0x" + "Ab".repeat(20);
const B = "0x" + "cD".repeat(20);
const base = () => ({
  chainId: 1,
  blockNumber: 7,
  tokens: [
    { address: A, symbol: "WETH", decimals: 18 },
    { address: B, symbol: "USDC", decimals: 6 },
  ],
  baseTokens: [A],
  pools: [
    {
      address: "0x" + "1".repeat(40),
      dex: "x",
      protocol: "uniswap-v2",
      token0: A,
      token1: B,
      reserve0: "10",
      reserve1: "20",
      feeBps: 30,
    },
    {
      address: "0x" + "2".repeat(40),
      dex: "y",
      protocol: "uniswap-v2",
      token0: B,
      token1: A,
      reserve0: "30",
      reserve1: "40",
      feeBps: 5,
    },
  ],
});

function parse(change: (s: ReturnType<typeof base>) => void = () => {}) {
  const s = base();
  change(s);
  return parseSnapshot(JSON.stringify(s));
}

describe("parseSnapshot", () => {
  it("lowercases every address and keeps reserves exact up to 2^112", () => {
    const max = (1n << 112n).toString();
    const snapshot = parse((s) => (s.pools[0]!.reserve0 = max));
    expect(snapshot.tokens.map((t) => t.address)).toEqual([A.toLowerCase(), B.toLowerCase()]);
    expect(snapshot.baseTokens).toEqual([A.toLowerCase()]);
    expect(snapshot.pools[0]).toMatchObject({ token0: A.toLowerCase(), token1: B.toLowerCase(), reserve0: 1n << 112n });
    expect(snapshot.warnings).toEqual([]);
  });

  it("skips zero-reserve pools with a warning naming the pool", () => {
    const snapshot = parse((s) => (s.pools[1]!.reserve1 = "0"));
    expect(snapshot.pools.map((p) => p.address)).toEqual(["0x" + "1".repeat(40)]);
    expect(snapshot.warnings).toEqual([`pools[1] (0x${"2".repeat(40)}) has a zero reserve; skipped`]);
  });

  it.each([
    [
      "a duplicate token",
      (s: ReturnType<typeof base>) => (s.tokens[1]!.address = A.toUpperCase().replace("0X", "0x")),
      /^tokens\[1\]\.address: duplicate token/,
    ],
    [
      "a pool of one token",
      (s: ReturnType<typeof base>) => (s.pools[0]!.token1 = A),
      /^pools\[0\]\.token1: same token as token0/,
    ],
    [
      "another protocol",
      (s: ReturnType<typeof base>) => (s.pools[1]!.protocol = "curve"),
      /^pools\[1\]\.protocol: must be "uniswap-v2" or "uniswap-v3", got "curve"$/,
    ],
    [
      "a bad address",
      (s: ReturnType<typeof base>) => (s.pools[0]!.address = "0x123"),
      /^pools\[0\]\.address: must be a 0x-prefixed 20-byte hex address, got "0x123"$/,
    ],
    [
      "no base token",
      (s: ReturnType<typeof base>) => (s.baseTokens = []),
      /^baseTokens: must name at least one base token/,
    ],
  ])("rejects %s with one line naming the field", (_name, change, message) => {
    expect(() => parse(change)).toThrow(SnapshotError);
    expect(() => parse(change)).toThrow(message);
  });

  it("rejects malformed JSON and a non-object", () => {
    expect(() => parseSnapshot("{")).toThrow(/^not valid JSON: /);
    expect(() => parseSnapshot("[]")).toThrow(/^snapshot: expected object, got array$/);
  });
});
