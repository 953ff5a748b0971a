import { AbiCoder, encodeBytes32String } from "ethers";
import { describe, expect, it } from "vitest";
import { decodeDecimals, decodeSymbol, judgeToken } from "./token-metadata.ts";

const abi = AbiCoder.defaultAbiCoder();

describe("token metadata", () => {
  it("reads ABI strings and bytes32 symbols", () => {
    expect(decodeSymbol(abi.encode(["string"], ["WETH"]))).toBe("WETH");
    expect(decodeSymbol(encodeBytes32String("MKR"))).toBe("MKR");
  });

  it.each([
    ["nothing (no code or a revert)", "0x"],
    ["an empty string", abi.encode(["string"], [""])],
    ["a word of control bytes", `0x${"01".repeat(32)}`],
    ["a symbol longer than 32 characters", abi.encode(["string"], ["X".repeat(40)])],
    ["bytes that are not a whole number of words", "0x1234"],
  ])("refuses a symbol that is %s", (_, ret) => {
    expect(decodeSymbol(ret)).toBeNull();
  });

  it("accepts decimals 0..36 in one word and nothing else", () => {
    expect(decodeDecimals(abi.encode(["uint8"], [18]))).toBe(18);
    expect(decodeDecimals(abi.encode(["uint8"], [0]))).toBe(0);
    expect(decodeDecimals(abi.encode(["uint256"], [255]))).toBeNull();
    expect(decodeDecimals("0x")).toBeNull();
    expect(decodeDecimals(abi.encode(["uint256", "uint256"], [6, 6]))).toBeNull();
  });

  it("judges a token by both answers", () => {
    expect(judgeToken(abi.encode(["uint8"], [6]), abi.encode(["string"], ["USDC"]))).toEqual({
      ok: true,
      symbol: "USDC",
      decimals: 6,
    });
    expect(judgeToken("0x", abi.encode(["string"], ["USDC"]))).toMatchObject({ ok: false });
  });
});
