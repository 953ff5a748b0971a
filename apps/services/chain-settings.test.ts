import { describe, expect, it } from "vitest";
import { loadChainProfile } from "../chain/index.ts";
import { BACKSTOP_SECONDS } from "../executor/index.ts";
import { chainSettings, TRADE_CONFIRMATIONS } from "./chain-settings.ts";
import { DEADLINE_BLOCKS, EXECUTOR_TIP_WEI, USER_OPERATION_DEADLINE_BLOCKS } from "./defaults.ts";

const GWEI = 1_000_000_000n;
const profile = (name: string) => loadChainProfile(name, "/nonexistent-orion-home");

describe("chainSettings: what a shipped profile decides, for sessions and `orion run` alike", () => {
  it("polygon: the tip is raised to the chain's 25 gwei floor, and orders are costed with it", async () => {
    const s = chainSettings(await profile("polygon"));
    expect(s.fees).toEqual({ type: "eip1559", minPriorityFeeWei: 25n * GWEI });
    expect(s.tipWei).toBe(25n * GWEI);
    expect(s.deadline).toEqual({ blocks: DEADLINE_BLOCKS, seconds: BACKSTOP_SECONDS });
    // A quarter of its 2 s block time: 2 head polls a second, not 40.
    expect(s.pollMs).toBe(500);
    expect(s.confirmations).toBe(TRADE_CONFIRMATIONS);
  });

  it("base: the op-stack gas model (the L1 fee in the cost model); a floor under the usual tip leaves the tip", async () => {
    const s = chainSettings(await profile("base"));
    expect(s.gasModel).toBe("op-stack");
    expect(s.tipWei).toBe(EXECUTOR_TIP_WEI);
  });

  it("arbitrum: no block deadline, a time deadline of the deadline blocks' worth of block time", async () => {
    const arbitrum = await profile("arbitrum");
    expect(chainSettings(arbitrum).deadline).toEqual({ blocks: null, seconds: 1 });
    expect(chainSettings(arbitrum, "erc4337").deadline).toEqual({
      blocks: null,
      seconds: Math.max(1, Math.ceil((USER_OPERATION_DEADLINE_BLOCKS * arbitrum.blockTimeMs) / 1000)),
    });
  });

  it("a user operation gets the longer deadline the bundler needs", async () => {
    expect(chainSettings(await profile("ethereum"), "erc4337").deadline.blocks).toBe(USER_OPERATION_DEADLINE_BLOCKS);
  });
});
