import { readdirSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { testDir } from "../../test/support/test-dir.ts";
import { bundlerEstimatesEachTrade, CHAINS_DIR, loadChainProfile, parseChainProfile, ProfileError } from "./profile.ts";

const valid = {
  schema: 1,
  name: "base",
  chainId: 8453,
  wrappedNative: "0x4200000000000000000000000000000000000006",
  baseTokens: ["0x4200000000000000000000000000000000000006"],
  dexes: [
    {
      name: "uniswap-v2",
      protocol: "uniswap-v2",
      factory: "0x8909Dc15e40173Ff4699343b6eB8132c65e18eC6",
      feeBps: 30,
      fromBlock: 0,
    },
  ],
  fees: { type: "eip1559", minPriorityFeeWei: "1000000" },
  blockTimeMs: 2000,
  gasModel: "op-stack",
};

const mutate = (f: (p: Record<string, unknown> & typeof valid) => void) => {
  const copy = structuredClone(valid) as Record<string, unknown> & typeof valid;
  f(copy);
  return copy;
};

describe("chain profiles", () => {
  it("ships Ethereum, Base, Arbitrum One and Polygon PoS, each valid, with their chain ids", async () => {
    const names = readdirSync(CHAINS_DIR)
      .filter((f) => f.endsWith(".json"))
      .map((f) => f.replace(/\.json$/, ""));
    expect(names.sort()).toEqual(["arbitrum", "base", "ethereum", "polygon"]);
    const ids = await Promise.all(names.map(async (n) => [n, (await loadChainProfile(n, "/nonexistent")).chainId]));
    expect(Object.fromEntries(ids)).toEqual({ arbitrum: 42161, base: 8453, ethereum: 1, polygon: 137 });
    const polygon = await loadChainProfile("polygon", "/nonexistent");
    expect(polygon.fees.minPriorityFeeWei).toBe("25000000000");
    expect((await loadChainProfile("base", "/nonexistent")).gasModel).toBe("op-stack");
  });

  it("lowercases addresses", () => {
    expect(parseChainProfile(valid, "x.json").dexes[0]?.factory).toBe("0x8909dc15e40173ff4699343b6eb8132c65e18ec6");
  });

  const AAVE = { name: "aave-v3", protocol: "aave-v3", address: "0xA238Dd80C259a72e81d7e4664a9801593F98d1c5" };
  const VAULT = { name: "balancer", protocol: "balancer-v2", address: "0xBA12222222228d8Ba445958a75a0704d566BF2C8" };

  it("takes optional flash lenders: an Aave V3 pool and a Balancer vault", () => {
    const p = parseChainProfile({ ...valid, lenders: [AAVE, { ...VAULT, fromBlock: 1196036 }] }, "x.json");
    expect(p.lenders?.map((l) => [l.protocol, l.address])).toEqual([
      ["aave-v3", "0xa238dd80c259a72e81d7e4664a9801593f98d1c5"],
      ["balancer-v2", "0xba12222222228d8ba445958a75a0704d566bf2c8"],
    ]);
  });

  it("has the bundler estimate each ERC-4337 trade unless the profile turns it off", () => {
    expect(bundlerEstimatesEachTrade(parseChainProfile(valid, "x.json"))).toBe(true);
    const off = parseChainProfile({ ...valid, bundlerEstimatesEachTrade: false }, "x.json");
    expect(bundlerEstimatesEachTrade(off)).toBe(false);
    const on = parseChainProfile({ ...valid, bundlerEstimatesEachTrade: true }, "x.json");
    expect(bundlerEstimatesEachTrade(on)).toBe(true);
  });

  it.each([
    [
      "a per-trade bundler estimate that is not a boolean",
      mutate((p) => (p.bundlerEstimatesEachTrade = "false")),
      "x.json: bundlerEstimatesEachTrade: must be true or false",
    ],
    ["an unknown top-level field", mutate((p) => (p.extra = 1)), "x.json: extra: unknown field"],
    [
      "an unknown DEX field",
      mutate((p) => Object.assign(p.dexes[0] as object, { router: "0x" })),
      "x.json: dexes[0].router: unknown field",
    ],
    [
      "an unknown fee field",
      mutate((p) => Object.assign(p.fees, { maxFee: "1" })),
      "x.json: fees.maxFee: unknown field",
    ],
    ["a wrong schema version", mutate((p) => (p.schema = 2)), "x.json: schema: must be 1"],
    [
      "a missing chain id",
      mutate((p) => delete (p as Partial<typeof p>).chainId),
      "x.json: chainId: required field is missing",
    ],
    [
      "a bad factory",
      mutate((p) => ((p.dexes[0] as { factory: string }).factory = "0x12")),
      "x.json: dexes[0].factory: must be a 0x-prefixed 20-byte hex address",
    ],
    [
      "a V2 DEX without a fee",
      mutate((p) => delete (p.dexes[0] as { feeBps?: number }).feeBps),
      "x.json: dexes[0].feeBps: required for a uniswap-v2 DEX",
    ],
    [
      "a fee type",
      mutate((p) => ((p.fees as { type: string }).type = "eip4844")),
      'x.json: fees.type: must be "eip1559" or "legacy"',
    ],
    [
      "a gas model",
      mutate((p) => ((p as { gasModel: string }).gasModel = "zk")),
      'x.json: gasModel: must be "ethereum", "op-stack" or "arbitrum"',
    ],
    [
      "a fractional tip",
      mutate((p) => ((p.fees as { minPriorityFeeWei: string }).minPriorityFeeWei = "1.5")),
      "x.json: fees.minPriorityFeeWei: must be a decimal string of wei",
    ],
    [
      "a duplicate DEX",
      mutate((p) =>
        p.dexes.push({
          ...(p.dexes[0] as (typeof valid.dexes)[0]),
          factory: "0x71524b4f93c58fcbf659783284e38825f0622859",
        }),
      ),
      'x.json: dexes[1].name: duplicate DEX name "uniswap-v2"',
    ],
    [
      "a lender of an unknown protocol",
      mutate((p) => (p.lenders = [{ ...AAVE, protocol: "compound" }])),
      'x.json: lenders[0].protocol: must be "aave-v3" or "balancer-v2"',
    ],
    [
      "an unknown lender field",
      mutate((p) => (p.lenders = [{ ...AAVE, premiumBps: 5 }])),
      "x.json: lenders[0].premiumBps: unknown field",
    ],
    [
      "two lenders of one protocol",
      mutate((p) => (p.lenders = [AAVE, { ...AAVE, name: "aave-2" }])),
      "x.json: lenders[1].protocol: a second aave-v3 lender",
    ],
  ])("refuses %s, naming the field", (_, raw, message) => {
    expect(() => parseChainProfile(raw, "x.json")).toThrow(new ProfileError(message));
  });

  it("resolves a file path, and names the file for unreadable JSON or an unknown profile name", async () => {
    const dir = await testDir("orion-profile");
    await writeFile(join(dir, "mine.json"), JSON.stringify(valid));
    await writeFile(join(dir, "broken.json"), "{");
    expect((await loadChainProfile(join(dir, "mine.json"), dir)).name).toBe("base");
    await expect(loadChainProfile(join(dir, "broken.json"), dir)).rejects.toThrow(/broken\.json: not valid JSON/);
    await expect(loadChainProfile("nowhere", dir)).rejects.toThrow(/--chain nowhere: no profile/);
  });

  it("finds a profile by name in $ORION_HOME/chains (where orion devnet writes)", async () => {
    const home = await testDir("orion-home");
    await mkdir(join(home, "chains"));
    await writeFile(join(home, "chains", "devnet.json"), JSON.stringify({ ...valid, name: "devnet", chainId: 31337 }));
    expect((await loadChainProfile("devnet", home)).chainId).toBe(31337);
  });
});
