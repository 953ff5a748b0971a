/**
 * Discovery against a chain built through JSON-RPC only: two extra V2 factories whose pairs are created in random
 * order, empty pairs, a pair with a token that answers nonsense, a taxed token and a token that blocks transfers.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Interface } from "ethers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectChain, deploy, devAccounts, parseChainProfile, sendFromUnlocked, startDevnet } from "../chain/index.ts";
import type { ChainProfile, Devnet } from "../chain/index.ts";
import { loadArtifacts } from "../contracts/index.ts";
import { parseSnapshot, runScan } from "../scan/index.ts";
import type { SnapshotFile } from "../scan/index.ts";
import { Rng } from "../chain/rng.ts";
import { orionInProcess } from "../../test/support/orion-in-process.ts";
import { discover, statePath, type DiscoverSummary } from "./index.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const E18 = 10n ** 18n;

interface World {
  devnet: Devnet;
  url: string;
  profile: ChainProfile;
  profileFile: string;
  weth: string;
  tokens: Record<string, string>;
  factories: string[];
  /** Funded pairs with clean tokens: address -> [token0, token1, reserve0, reserve1]. */
  live: Map<string, [string, string, bigint, bigint]>;
  taxedPair: string;
  blockedPair: string;
  createPair(factory: string, a: string, b: string, amountA: bigint, amountB: bigint): Promise<string>;
}

let world: World;
let dir: string;

async function buildWorld(): Promise<World> {
  const devnet = await startDevnet({ listen: { port: 0 } });
  const chain = devnet.provider;
  const from = (devAccounts(1)[0] as { address: string }).address;
  const a = await loadArtifacts();
  const token = new Interface(a.TestToken.abi);
  const quirky = new Interface(a.QuirkyToken.abi);
  const factory = new Interface(a.UniswapV2Factory.abi);
  const pair = new Interface(a.UniswapV2Pair.abi);
  const tokens: Record<string, string> = {};
  for (const [symbol, decimals] of [
    ["WETH", 18],
    ["USDC", 6],
    ["LINK", 18],
    ["UNI", 18],
  ] as const) {
    tokens[symbol] = await deploy(chain, from, a.TestToken.bytecode, token, [symbol, symbol, decimals]);
  }
  tokens.TAX = await deploy(chain, from, a.QuirkyToken.bytecode, quirky, ["TAX", 100, false]);
  tokens.BLK = await deploy(chain, from, a.QuirkyToken.bytecode, quirky, ["BLK", 0, true]);
  const factories = [
    await deploy(chain, from, a.UniswapV2Factory.bytecode, factory, [from]),
    await deploy(chain, from, a.UniswapV2Factory.bytecode, factory, [from]),
  ];
  const call = async (to: string, data: string) =>
    (await chain.request({ method: "eth_call", params: [{ to, data }, "latest"] })) as string;
  const createPair = async (f: string, x: string, y: string, amountX: bigint, amountY: bigint) => {
    await sendFromUnlocked(chain, from, f, factory.encodeFunctionData("createPair", [x, y]));
    const address = String(
      factory.decodeFunctionResult("getPair", await call(f, factory.encodeFunctionData("getPair", [x, y])))[0],
    ).toLowerCase();
    if (amountX > 0n) {
      await sendFromUnlocked(chain, from, x, token.encodeFunctionData("mint", [address, amountX]));
      await sendFromUnlocked(chain, from, y, token.encodeFunctionData("mint", [address, amountY]));
      await sendFromUnlocked(chain, from, address, pair.encodeFunctionData("mint", [from]));
    }
    return address;
  };

  // Pairs in a seeded random order across both factories; some funded, some empty.
  type Plan = { f: number; x: string; y: string; ax: bigint; ay: bigint };
  const plans: Plan[] = [
    { f: 0, x: "WETH", y: "USDC", ax: 100n * E18, ay: 300_000n * 10n ** 6n },
    { f: 1, x: "WETH", y: "USDC", ax: 50n * E18, ay: 150_300n * 10n ** 6n },
    { f: 0, x: "WETH", y: "LINK", ax: 40n * E18, ay: 8_000n * E18 },
    { f: 1, x: "LINK", y: "USDC", ax: 2_000n * E18, ay: 30_000n * 10n ** 6n },
    { f: 0, x: "UNI", y: "USDC", ax: 0n, ay: 0n },
    { f: 1, x: "WETH", y: "UNI", ax: 0n, ay: 0n },
    { f: 0, x: "WETH", y: "TAX", ax: 10n * E18, ay: 10_000n * E18 },
    { f: 1, x: "WETH", y: "BLK", ax: 10n * E18, ay: 10_000n * E18 },
  ];
  const rng = new Rng(7);
  for (let i = plans.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [plans[i], plans[j]] = [plans[j] as Plan, plans[i] as Plan];
  }
  const live = new Map<string, [string, string, bigint, bigint]>();
  let taxedPair = "";
  let blockedPair = "";
  for (const p of plans) {
    const x = tokens[p.x] as string;
    const y = tokens[p.y] as string;
    const address = await createPair(factories[p.f] as string, x, y, p.ax, p.ay);
    if (p.y === "TAX") taxedPair = address;
    else if (p.y === "BLK") blockedPair = address;
    else if (p.ax > 0n) live.set(address, x < y ? [x, y, p.ax, p.ay] : [y, x, p.ay, p.ax]);
  }
  // A pair with a "token" that is no token at all (the factory): its metadata is nonsense.
  await createPair(factories[0] as string, tokens.WETH as string, factories[1] as string, 0n, 0n);

  const weth = tokens.WETH as string;
  const raw = {
    schema: 1,
    name: "testchain",
    chainId: devnet.chainId,
    wrappedNative: weth,
    baseTokens: [weth],
    dexes: [
      { name: "alpha", protocol: "uniswap-v2", factory: factories[0], feeBps: 30, fromBlock: 0 },
      { name: "beta", protocol: "uniswap-v2", factory: factories[1], feeBps: 30, fromBlock: 0 },
    ],
    fees: { type: "eip1559", minPriorityFeeWei: "0" },
    blockTimeMs: 1000,
    gasModel: "ethereum",
  };
  const profile = parseChainProfile(raw, "test");
  const profileFile = join(dir, "testchain.json");
  await writeFile(profileFile, JSON.stringify(raw));
  return {
    devnet,
    url: devnet.url as string,
    profile,
    profileFile,
    weth,
    tokens,
    factories,
    live,
    taxedPair,
    blockedPair,
    createPair,
  };
}

async function run(out: string) {
  const provider = await connectChain(world.profile, [world.url]);
  try {
    return await discover({ profile: world.profile, provider, out, minLiquidity: 1000n, progress: () => undefined });
  } finally {
    provider.destroy();
  }
}

function orion(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, "bin/orion.mjs"), ...args], { env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "orion-discover-"));
  world = await buildWorld();
}, 240_000);

afterAll(async () => {
  await world?.devnet.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The snapshot's Uniswap-V2 pools (this chain has no V3 factory; the type allows V3 pools). */
function v2Pools(snapshot: SnapshotFile) {
  return snapshot.pools.flatMap((p) => (p.protocol === "uniswap-v2" ? [p] : []));
}

describe("orion discover", () => {
  let first: DiscoverSummary;
  const out = () => join(dir, "snapshot.json");

  it("finds exactly the live pairs with their reserves, and flags the taxed and the blocking token", async () => {
    const { snapshot, summary } = await run(out());
    first = summary;
    const pools = new Map(
      v2Pools(snapshot).map((p) => [p.address, [p.token0, p.token1, BigInt(p.reserve0), BigInt(p.reserve1)]]),
    );
    expect(pools).toEqual(world.live);
    expect(snapshot.pools.every((p) => p.protocol === "uniswap-v2" && p.feeBps === 30)).toBe(true);
    expect(summary.tokens.taxed).toEqual([{ address: world.tokens.TAX, symbol: "TAX", taxBps: 100 }]);
    expect(summary.tokens.blocked.map((t) => t.address)).toEqual([world.tokens.BLK]);
    expect(summary.tokens.skipped).toBe(1);
    expect(summary.pools).toEqual({
      found: 9,
      kept: 4,
      belowMinLiquidity: 3,
      withBadTokens: 2,
      v3Found: 0,
      v3Kept: 0,
    });
    expect(summary.dexes.map((d) => [d.name, d.pairs, d.readFrom])).toEqual([
      ["alpha", 5, "lens"],
      ["beta", 4, "lens"],
    ]);
    expect(snapshot.tokens.find((t) => t.address === world.tokens.USDC)).toEqual({
      address: world.tokens.USDC,
      symbol: "USDC",
      decimals: 6,
    });
    expect(snapshot.tokens.map((t) => t.symbol)).not.toContain("TAX");

    // The file on disk is the snapshot, and orion scan's loader and scanner take it as it is.
    const text = await readFile(out(), "utf8");
    const parsed = parseSnapshot(text);
    expect(parsed.pools).toHaveLength(4);
    expect(runScan(parsed, { maxHops: 3, minProfit: 0n }).stats.pools).toBe(4);
  });

  it("reads only the new pairs on a second run, and the reserves at the new block", async () => {
    const [f0, f1] = world.factories as [string, string];
    const t = world.tokens as Record<string, string>;
    const added = await world.createPair(f1, t.UNI as string, t.USDC as string, 500n * E18, 4_000n * 10n ** 6n);
    await world.createPair(f0, t.LINK as string, t.UNI as string, 0n, 0n);
    const { snapshot, summary } = await run(out());
    expect(summary.resumed).toBe(true);
    expect(summary.blockNumber).toBeGreaterThan(first.blockNumber);
    expect(summary.dexes.map((d) => [d.name, d.pairs, d.newPairs, d.readFrom])).toEqual([
      ["alpha", 6, 1, "logs"],
      ["beta", 5, 1, "logs"],
    ]);
    const pool = v2Pools(snapshot).find((p) => p.address === added);
    const [uni, usdc] = [t.UNI as string, t.USDC as string];
    expect(pool && [pool.token0, pool.token1, pool.reserve0, pool.reserve1]).toEqual(
      uni < usdc
        ? [uni, usdc, (500n * E18).toString(), "4000000000"]
        : [usdc, uni, "4000000000", (500n * E18).toString()],
    );
    expect(snapshot.pools).toHaveLength(5);
    // Taxed and blocked verdicts are remembered, not probed again, and still applied.
    expect(summary.tokens.taxed.map((x) => x.symbol)).toEqual(["TAX"]);
    expect(summary.tokens.blocked.map((x) => x.symbol)).toEqual(["BLK"]);
  });

  it("starts over when the state's block is not on this chain", async () => {
    const state = JSON.parse(await readFile(statePath(out()), "utf8")) as { block: { hash: string } };
    state.block.hash = `0x${"ab".repeat(32)}`;
    await writeFile(statePath(out()), JSON.stringify(state));
    const { summary } = await run(out());
    expect(summary.resumed).toBe(false);
    expect(summary.dexes.every((d) => d.readFrom === "lens")).toBe(true);
    expect(summary.pools.kept).toBe(5);
  });
});

describe("orion discover (CLI)", () => {
  it("writes the snapshot atomically and prints a JSON summary", async () => {
    const file = join(dir, "cli", "snap.json");
    const r = await orion(["discover", "--chain", world.profileFile, "--rpc", world.url, "--out", file, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as DiscoverSummary;
    expect(summary.pools.kept).toBe(5);
    expect(r.stderr).toMatch(/discover: alpha: 6 pairs/);
    expect((await readdir(join(dir, "cli"))).sort()).toEqual(["snap.json", "snap.json.state.json"]);
  }, 120_000);

  // The refusals run in this process (the code and the line are all they check); the summary above is the real binary.
  it("refuses an RPC on another chain, naming the URL and both chain ids (exit 2)", async () => {
    const other = join(dir, "other.json");
    await writeFile(other, JSON.stringify({ ...JSON.parse(await readFile(world.profileFile, "utf8")), chainId: 8453 }));
    const r = await orionInProcess(["discover", "--chain", other, "--rpc", world.url, "--out", join(dir, "x.json")]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      `orion: --rpc ${world.url}: serves chain id 31337, but profile testchain is chain id 8453`,
    );
  }, 60_000);

  it("refuses an unreachable RPC (exit 2) and writes nothing", async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const url = `http://127.0.0.1:${port}`;
    const r = await orionInProcess([
      "discover",
      "--chain",
      world.profileFile,
      "--rpc",
      url,
      "--out",
      join(dir, "none", "x.json"),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^orion: --rpc ${url}: unreachable for chain testchain`));
    await expect(readdir(join(dir, "none"))).rejects.toThrow();
  }, 60_000);

  it("refuses a factory with no code, naming the field (exit 2)", async () => {
    const raw = JSON.parse(await readFile(world.profileFile, "utf8")) as { dexes: { factory: string }[] };
    (raw.dexes[1] as { factory: string }).factory = `0x${"12".repeat(20)}`;
    const file = join(dir, "nocode.json");
    await writeFile(file, JSON.stringify(raw));
    const r = await orionInProcess([
      "discover",
      "--chain",
      file,
      "--rpc",
      world.url,
      "--out",
      join(dir, "nocode", "x.json"),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^orion: chain testchain: dexes\[1\]\.factory 0x1212121212121212121212121212121212121212 \(beta\) has no code at block \d+\n$/,
    );
    await expect(readdir(join(dir, "nocode"))).rejects.toThrow();
  }, 60_000);

  it("refuses a profile with an unknown field (exit 2)", async () => {
    const file = join(dir, "bad.json");
    await writeFile(file, JSON.stringify({ ...JSON.parse(await readFile(world.profileFile, "utf8")), router: "0x" }));
    const r = await orionInProcess(["discover", "--chain", file, "--rpc", world.url]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`orion: ${file}: router: unknown field`);
  }, 60_000);
});
