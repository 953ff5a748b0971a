import { Interface } from "ethers";
import { describe, expect, it } from "vitest";
import { addressWord, firstUint, smallWord, uintWord } from "./abi-words.ts";

const erc20 = new Interface(["function balanceOf(address) view returns (uint256)"]);
const HOLDER = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";

describe("ABI words", () => {
  it("writes a balanceOf call as ethers does, for a checksummed and a lowercase holder", () => {
    for (const holder of [HOLDER, HOLDER.toLowerCase()]) {
      expect(`0x70a08231${addressWord(holder, "holder")}`).toBe(erc20.encodeFunctionData("balanceOf", [holder]));
    }
  });

  it("reads the balance ethers reads, and refuses an answer too short to hold one", () => {
    for (const balance of [0n, 1n, 10n ** 30n, 2n ** 256n - 1n]) {
      const answer = erc20.encodeFunctionResult("balanceOf", [balance]);
      expect(firstUint(answer, "balanceOf")).toBe(balance);
    }
    expect(() => firstUint("0x", "token.balanceOf(holder)")).toThrow(
      "token.balanceOf(holder) answered 0x, not a uint256",
    );
    expect(() => firstUint(`0x${"00".repeat(31)}`, "balanceOf")).toThrow(/not a uint256/);
  });

  it("refuses values outside their type, naming the field", () => {
    expect(() => uintWord(-1n, "amountIn")).toThrow("amountIn -1 is not a uint256");
    expect(() => uintWord(2n ** 256n, "minProfit")).toThrow(/minProfit .* is not a uint256/);
    expect(() => smallWord(256, 8, "protocol")).toThrow("protocol 256 is not a uint8");
    expect(() => smallWord(1.5, 16, "fee")).toThrow("fee 1.5 is not a uint16");
    expect(() => addressWord(HOLDER.replace("a", "A"), "lender")).toThrow(/lender .* is not an address/);
    expect(() => addressWord("0x1234", "pool")).toThrow("pool 0x1234 is not an address");
  });
});
