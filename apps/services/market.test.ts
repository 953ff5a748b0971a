import { describe, expect, it } from "vitest";
import { v3Lenders, type Market } from "./market.ts";

const A = (n: number) => "0x" + n.toString(16).padStart(40, "0");
const [WETH, USDC, DAI] = [A(1), A(2), A(3)];
const pool = (n: number, token0: string, token1: string, feePips: number) => ({
  address: A(0x100 + n),
  dex: "uniswap-v3",
  token0,
  token1,
  feePips,
  tickSpacing: 1,
});

describe("v3Lenders", () => {
  it("offers, per base token, its cheapest few V3 pools holding it, and no pool without a base token", () => {
    const market: Market = {
      chainId: 1,
      tokens: [],
      baseTokens: [WETH, USDC],
      pools: [],
      wrappedNative: WETH,
      v3Pools: [
        pool(1, WETH, USDC, 3000),
        pool(2, WETH, DAI, 500),
        pool(3, WETH, USDC, 10000),
        pool(4, WETH, DAI, 100),
        pool(5, USDC, DAI, 100),
        pool(6, A(4), A(5), 100),
      ],
    };
    const addresses = (n: number) => v3Lenders(market, n).map((p) => p.address);
    // WETH: 100, 500, then 3000; USDC: 100, 3000 (already in), then 10000.
    expect(addresses(3)).toEqual([A(0x104), A(0x102), A(0x101), A(0x105), A(0x103)]);
    expect(addresses(1)).toEqual([A(0x104), A(0x105)]);
    expect(v3Lenders({ ...market, v3Pools: [] })).toEqual([]);
  });
});
