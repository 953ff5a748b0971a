/**
 * What a user with only an RPC URL does, with `orion devnet` standing in for a real chain: discover its pools,
 * scan them, and paper-trade it with `orion trade --mode sim`. Every step is the real binary; the devnet is a
 * separate process reached over JSON-RPC only.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runOrion } from "../../../test/support/orion-cli.ts";
import { orionInProcess } from "../../../test/support/orion-in-process.ts";
import { startOrionDevnet, type OrionDevnet } from "../../../test/support/orion-devnet.ts";
import { createTestDatabase, type TestDatabase } from "../../../test/support/postgres.ts";
import { startDevnet } from "../../chain/index.ts";
import { SIM_EXECUTOR_ACCOUNT } from "../../executor/index.ts";
import { sessionReportSchema } from "../../platform/report.ts";

let dir: string;
let db: TestDatabase;
let devnet: OrionDevnet | undefined;
let url: string;
let profileFile: string;

const orionEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  ORION_HOME: dir,
  DATABASE_URL: db.url,
  REDIS_URL: "",
  LOG_LEVEL: "error",
});

function orion(args: string[]) {
  return runOrion(args, { env: orionEnv() });
}

/** For refusals, where the code and the line are all a test checks: no process start. */
const orionHere = (args: string[]) => orionInProcess(args, orionEnv());

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "orion-trade-"));
  db = await createTestDatabase();
  profileFile = join(dir, "devnet.json");
  devnet = await startOrionDevnet(dir, profileFile, 400);
  url = devnet.url;
}, 240_000);

afterAll(async () => {
  await devnet?.stop();
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("orion devnet, discover, scan and trade --mode sim (end to end)", () => {
  it("orion devnet prints its RPC URL first and writes a valid chain profile", async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const profile = JSON.parse(await readFile(profileFile, "utf8")) as {
      chainId: number;
      dexes: unknown[];
      lenders?: { protocol: string }[];
      schema: number;
    };
    expect(profile).toMatchObject({ schema: 1, name: "devnet", chainId: 31337, blockTimeMs: 400 });
    // Three Uniswap-V2 DEXes and the Uniswap-V3 one; the Aave pool and the Balancer vault as lenders.
    expect(profile.dexes).toHaveLength(4);
    expect(profile.lenders?.map((l) => l.protocol)).toEqual(["aave-v3", "balancer-v2"]);
  });

  it("discovers the devnet's pools from the profile alone, and orion scan reads the snapshot", async () => {
    const snapshot = join(dir, "pools.json");
    const d = await orion(["discover", "--chain", profileFile, "--rpc", url, "--out", snapshot, "--json"]);
    expect(d.code, d.stderr).toBe(0);
    expect(JSON.parse(d.stdout)).toMatchObject({
      chain: "devnet",
      // 20 V2 pairs and 6 V3 pools.
      pools: { kept: 26 },
      tokens: { skipped: 0, taxed: [], blocked: [] },
    });
    const s = await orion(["scan", "--pools", snapshot, "--json"]);
    expect(s.code, s.stderr).toBe(0);
    // orion scan sizes cycles through the V3 pools too, so it counts all 26.
    expect((JSON.parse(s.stdout) as { stats: { pools: number } }).stats.pools).toBe(26);
  }, 120_000);

  it("paper-trades with no key and no deployment: simulated trades, the report names the chain, no nonce moves", async () => {
    const file = join(dir, "report.json");
    const r = await orion([
      "trade",
      "--chain",
      profileFile,
      "--rpc",
      url,
      "--mode",
      "sim",
      "--blocks",
      "4",
      "--report",
      file,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const report = sessionReportSchema.parse(JSON.parse(await readFile(file, "utf8")));
    expect(report).toMatchObject({ chain: "devnet", mode: "sim", chainId: 31337 });
    expect(report.executor.address).toBe(SIM_EXECUTOR_ACCOUNT);
    expect(report.executor.nonceEnd).toBe(report.executor.nonceStart);
    // Four heads handled; a head missed under load widens the range, never narrows it.
    expect(report.blocks.to - report.blocks.from).toBeGreaterThanOrEqual(3);
    expect(report.trades.length).toBeGreaterThan(0);
    for (const t of report.trades) {
      expect(t).toMatchObject({ mode: "sim", txHash: null, gasUsed: "0" });
      expect(["simulated", "rejected"]).toContain(t.status);
    }
    expect(r.stdout).toMatch(/simulated WETH>.*\(predicted \+[0-9.]+ WETH\), not broadcast/);
  }, 180_000);

  it("refuses a profile whose chain id differs from an RPC's (http or ws), and an unavailable execution route (exit 2)", async () => {
    const polygonish = join(dir, "polygon-like.json");
    await writeFile(
      polygonish,
      JSON.stringify({ ...JSON.parse(await readFile(profileFile, "utf8")), name: "polygonish", chainId: 137 }),
    );
    // The real binary once; the other refusals in this process.
    const wrong = await orion(["trade", "--chain", polygonish, "--rpc", url, "--mode", "sim", "--blocks", "1"]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr.trim()).toBe(
      `orion: --rpc ${url}: serves chain id 31337, but profile polygonish is chain id 137`,
    );
    // A WebSocket URL for heads is checked at start like the others: another chain's, or one that refuses, is named.
    const other = await startDevnet({ listen: { port: 0 }, chainId: 10 });
    try {
      const ws = other.url!.replace(/^http/, "ws");
      const heads = await orionHere(["trade", "--chain", profileFile, "--rpc", url, "--rpc", ws, "--blocks", "1"]);
      expect(heads.code).toBe(2);
      expect(heads.stderr).toBe(`orion: --rpc ${ws}: serves chain id 10, but profile devnet is chain id 31337\n`);
    } finally {
      await other.close();
    }
    const refused = await orionHere(["trade", "--chain", profileFile, "--rpc", url, "--rpc", "ws://127.0.0.1:1"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      "orion: --rpc ws://127.0.0.1:1: unreachable for chain devnet (connect ECONNREFUSED 127.0.0.1:1)\n",
    );
    const route = await orionHere(["trade", "--chain", profileFile, "--rpc", url, "--execution", "erc4337"]);
    expect(route.code).toBe(2);
    expect(route.stderr).toBe(
      `orion: ${profileFile}: entryPoint: required for --execution erc4337 ` +
        "(the profile names entryPoint, bundlerUrl and paymasterUrl)\n",
    );
    const live = await orionHere(["trade", "--chain", profileFile, "--rpc", url, "--mode", "live"]);
    expect(live.code).toBe(2);
    expect(live.stderr).toMatch(/ORION_EXECUTOR_CONTRACT/);
  }, 120_000);
});
