import { describe, expect, it } from "vitest";
import { Q96, getSqrtRatioAtTick, swapV3 } from "../core/v3/index.ts";
import { parseSnapshot } from "./load-snapshot.ts";

const A = "0x" + "aa".repeat(20);
const B = "0x" + "bb".repeat(20);
const POOL = "0x" + "3C".repeat(20);
const v3Entry = () => ({
  address: POOL,
  dex: "uniswap-v3",
  protocol: "uniswap-v3",
  token0: A,
  token1: B,
  feePips: 3000,
  tickSpacing: 60,
  sqrtPriceX96: Q96.toString(),
  tick: 0,
  liquidity: (10n ** 21n).toString(),
  tickWords: { from: -1, to: 0 },
  ticks: [
    { tick: -600, liquidityNet: (10n ** 21n).toString(), liquidityGross: (10n ** 21n).toString() },
    { tick: 600, liquidityNet: (-(10n ** 21n)).toString(), liquidityGross: (10n ** 21n).toString() },
  ],
});
type Entry = ReturnType<typeof v3Entry>;

function parse(change: (p: Entry) => void = () => {}) {
  const pool = v3Entry();
  change(pool);
  const snapshot = {
    chainId: 1,
    blockNumber: 9,
    tokens: [
      { address: A, symbol: "WETH", decimals: 18 },
      { address: B, symbol: "USDC", decimals: 18 },
    ],
    baseTokens: [A],
    pools: [pool],
  };
  return parseSnapshot(JSON.stringify(snapshot));
}

describe("snapshot V3 pools", () => {
  it("loads a uniswap-v3 pool into a state that quotes exactly, apart from the V2 pools", () => {
    const snapshot = parse();
    expect(snapshot.pools).toEqual([]);
    expect(snapshot.v3Pools).toHaveLength(1);
    expect(snapshot.warnings).toEqual([]);
    const pool = snapshot.v3Pools[0]!;
    expect(pool).toMatchObject({ address: POOL.toLowerCase(), token0: A, token1: B, tickSpacing: 60 });
    // Selling 1e18 of token0 at price 1 inside one range, 0.3% fee: the core swap on the loaded state.
    const r = swapV3(pool.state, true, 10n ** 18n);
    expect(r.amount0).toBe(10n ** 18n);
    expect(r.amount1).toBe(-996006981039903216n);
  });

  it("accepts a price sitting exactly on a tick with the tick one below (after a downward crossing)", () => {
    const snapshot = parse((p) => {
      p.sqrtPriceX96 = getSqrtRatioAtTick(-60).toString();
      p.tick = -61;
    });
    expect(snapshot.v3Pools[0]!.state.tick).toBe(-61);
  });

  it.each([
    [
      "a tick that contradicts the price",
      (p: Entry) => (p.tick = 5),
      /^pools\[0\]\.tick: 5 does not match sqrtPriceX96 \(its tick is 0\)$/,
    ],
    [
      "a price out of range",
      (p: Entry) => (p.sqrtPriceX96 = "5"),
      /^pools\[0\]\.sqrtPriceX96: 5 is outside the V3 price range/,
    ],
    [
      "liquidity above uint128",
      (p: Entry) => (p.liquidity = (1n << 128n).toString()),
      /^pools\[0\]\.liquidity: .* exceeds 2\^128 - 1$/,
    ],
    [
      "a tick off the spacing",
      (p: Entry) => (p.ticks[0]!.tick = -601),
      /^pools\[0\]\.ticks\[0\]\.tick: -601 is not a multiple of tickSpacing 60$/,
    ],
    [
      "a tick outside the words read",
      (p: Entry) => (p.ticks[1]!.tick = 60 * 256),
      /^pools\[0\]\.ticks\[1\]\.tick: 15360 lies outside tickWords -1\.\.0$/,
    ],
    [
      "a tick listed twice",
      (p: Entry) => (p.ticks[1]!.tick = -600),
      /^pools\[0\]\.ticks\[1\]\.tick: tick -600 is listed twice$/,
    ],
    [
      "net liquidity above gross",
      (p: Entry) => (p.ticks[0]!.liquidityNet = "-" + "9".repeat(22)),
      /^pools\[0\]\.ticks\[0\]\.liquidityNet: /,
    ],
    [
      "words that miss the price",
      (p: Entry) => (p.tickWords = { from: 1, to: 2 }),
      /^pools\[0\]\.tickWords: do not include the word of the current tick \(0\)$/,
    ],
    [
      "a fee out of range",
      (p: Entry) => (p.feePips = 1_000_000),
      /^pools\[0\]\.feePips: must be an integer 0\.\.999999, got 1000000$/,
    ],
    [
      "a missing field",
      (p: Entry) => delete (p as Partial<Entry>).liquidity,
      /^pools\[0\]\.liquidity: required field is missing$/,
    ],
  ])("rejects %s with one line naming the field", (_name, change, message) => {
    expect(() => parse(change)).toThrow(message);
  });
});
