/**
 * `orion trade --execution erc4337`, the real binary, against a chain it knows only by a profile and an RPC URL: the
 * devnet stands in for a public chain, with the canonical EntryPoint and account factory, a real alto as the profile's
 * `bundlerUrl` and the sponsor's ERC-7677 service as its `paymasterUrl` (where a hosted bundler and paymaster would be).
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Interface } from "ethers";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runOrion } from "../../../test/support/orion-cli.ts";
import { orionInProcess } from "../../../test/support/orion-in-process.ts";
import { createTestDatabase, type TestDatabase } from "../../../test/support/postgres.ts";
import { expectExactUserOperations } from "../../../test/support/user-operation-report.ts";
import { devnetProfile, startLocalChain, type LocalChain } from "../../chain/index.ts";
import { ENTRY_POINT_V08 } from "../../erc4337/index.ts";
import { sessionReportSchema } from "../../platform/report.ts";
import {
  deployDevnetAccountAbstraction,
  startDevnetEndpoints,
  type DevnetAccountAbstraction,
  type DevnetEndpoints,
} from "../../platform/user-operations.ts";

/**
 * One-second blocks: an operation has its three blocks' deadline to be prepared, sponsored and bundled; alto submits
 * from four accounts, so an operation never waits for another's bundle to be mined.
 */
const BLOCK_MS = 1000;

let dir: string;
let db: TestDatabase;
let chain: LocalChain;
let aa: DevnetAccountAbstraction;
let endpoints: DevnetEndpoints;
let stopTraders: () => Promise<void>;
let url: string;
let profileFile: string;

const rpc = <T>(method: string, params: unknown[] = []) =>
  chain.devnet.provider.request({ method, params }) as Promise<T>;

/** orion's whole environment: this process's, the file's home and database, and `env`. */
const orionEnv = (env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  ORION_HOME: dir,
  DATABASE_URL: db.url,
  REDIS_URL: "",
  LOG_LEVEL: "error",
  ...env,
});

function orion(args: string[], env: NodeJS.ProcessEnv = {}, until?: (stdout: string) => boolean) {
  let interrupted = false;
  return runOrion(args, {
    env: orionEnv(env),
    // Ctrl-C once `until` holds: the session settles what it sent and writes its report.
    onStdout: (stdout, run) => {
      if (!until || interrupted || !until(stdout)) return;
      interrupted = true;
      run.interrupt();
    },
  });
}

/** Two operations confirmed, one of them exact with nothing ahead of it: what the live test asserts. */
function twoConfirmedOneExact(stdout: string): boolean {
  const confirmed = stdout.match(/^ {2}confirmed .*$/gm) ?? [];
  return confirmed.length >= 2 && confirmed.some((l) => l.includes("(= predicted)") && l.includes(", 0 tx ahead,"));
}

/** A copy of the profile with some fields changed (undefined drops one), for the refusals. */
async function profileWith(name: string, change: Record<string, unknown>): Promise<string> {
  const file = join(dir, `${name}.json`);
  const profile = { ...(JSON.parse(await readFile(profileFile, "utf8")) as Record<string, unknown>), ...change };
  await writeFile(file, JSON.stringify(profile));
  return file;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "orion-trade-erc4337-"));
  [chain, db] = await Promise.all([startLocalChain({ seed: 7, listen: { port: 0 } }), createTestDatabase()]);
  url = chain.devnet.url!;
  // What a public chain already has (the EntryPoint, the factory) and what the operator deploys (the sponsor's
  // paymaster with a deposit, the smart account's ArbExecutor): one block per transaction.
  await chain.devnet.setAutomine(true);
  aa = await deployDevnetAccountAbstraction(chain.devnet.provider, {
    deployer: chain.markets.traders[0]!,
    owner: chain.executorAccount.address,
    treasury: chain.markets.executor.treasury,
  });
  await chain.devnet.setAutomine(false);
  // alto deploys its simulation contracts at start and waits for their blocks.
  await chain.devnet.setBlockInterval(100);
  try {
    endpoints = await startDevnetEndpoints({ rpcUrl: url, chainId: chain.devnet.chainId, aa, blockTimeMs: BLOCK_MS });
  } finally {
    await chain.devnet.setBlockInterval(0);
  }
  profileFile = join(dir, "devnet.json");
  await writeFile(
    profileFile,
    JSON.stringify({
      ...devnetProfile(chain.markets, BLOCK_MS),
      entryPoint: aa.entryPoint,
      bundlerUrl: endpoints.bundler.url,
      paymasterUrl: endpoints.paymaster.url,
    }),
  );
  stopTraders = chain.startTraders(() => undefined);
  await chain.devnet.setBlockInterval(BLOCK_MS);
}, 300_000);

afterAll(async () => {
  await stopTraders?.();
  await endpoints?.close();
  await chain?.close();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

/**
 * Every `everyMs`, one trader sells 3% of a base-token pool's base reserve into it (the pools taken in turn): an
 * arbitrage against its sibling pools appears in the next block.
 */
function pricePushes(everyMs: number): { stop: () => Promise<void> } {
  const { markets } = chain;
  const pools = markets.pools.filter((p) => p.token0 === markets.baseToken || p.token1 === markets.baseToken);
  const pair = new Interface(["function getReserves() view returns (uint112, uint112, uint32)"]);
  const router = new Interface(["function swapExactIn(address,address,uint256,uint256,address)"]);
  let n = 0;
  let last = Promise.resolve();
  const push = async () => {
    const pool = pools[n++ % pools.length]!;
    const out = await rpc<string>("eth_call", [{ to: pool.address, data: pair.encodeFunctionData("getReserves") }]);
    const [r0, r1] = pair.decodeFunctionResult("getReserves", out) as unknown as [bigint, bigint];
    const amountIn = ((pool.token0 === markets.baseToken ? r0 : r1) * 3n) / 100n;
    const trader = markets.traders[0]!;
    const data = router.encodeFunctionData("swapExactIn", [pool.address, markets.baseToken, amountIn, 0n, trader]);
    await rpc("eth_sendTransaction", [{ from: trader, to: markets.router, data }]);
  };
  const timer = setInterval(() => (last = last.then(push).catch(() => undefined)), everyMs);
  return {
    stop: async () => {
      clearInterval(timer);
      await last;
    },
  };
}

const live = () => ({ ORION_EXECUTOR_CONTRACT: aa.executor, ORION_EXECUTOR_KEY: chain.executorAccount.privateKey });

describe("orion trade --execution erc4337 (profile's bundler and paymaster; real alto)", () => {
  it("live: deploys the smart account, trades as sponsored user operations, exact to the wei net of sponsorship", async () => {
    // The random traders stop; instead one swap every few blocks pushes a pool's price off its siblings, so each
    // arbitrage runs unraced (an operation lands a block or two after its pricing block: a swap in between would
    // count in precededBy and move the profit).
    await stopTraders();
    const pushes = pricePushes(4 * BLOCK_MS);
    expect(await rpc<string>("eth_getCode", [aa.account, "latest"])).toBe("0x");
    const eoaNonce = await rpc<string>("eth_getTransactionCount", [chain.executorAccount.address, "latest"]);
    const file = join(dir, "live.json");
    const args = ["trade", "--chain", profileFile, "--rpc", url, "--mode", "live", "--execution", "erc4337"];
    // At most 16 blocks; interrupted as soon as the report will hold what is asserted below (`--blocks` ending an
    // `orion trade` session is the sim test's).
    const r = await orion([...args, "--blocks", "16", "--report", file], live(), twoConfirmedOneExact).finally(() =>
      pushes.stop(),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`smart account ${aa.account}: user operations through the profile's bundler`);
    const report = sessionReportSchema.parse(JSON.parse(await readFile(file, "utf8")));
    expect(report).toMatchObject({ chain: "devnet", mode: "live", execution: "erc4337", chainId: 31337 });

    // orion trade's own first operation deployed the account; it holds no ether: the paymaster paid for everything.
    expect((await rpc<string>("eth_getCode", [aa.account, "latest"])).length).toBeGreaterThan(2);
    expect(BigInt(await rpc<string>("eth_getBalance", [aa.account, "latest"]))).toBe(0n);
    // The EOA signed operations; it sent no transaction.
    expect(await rpc<string>("eth_getTransactionCount", [chain.executorAccount.address, "latest"])).toBe(eoaNonce);

    const sent = expectExactUserOperations(report, 2);

    // The journal: each sent trade's route and hash, and its gas cost = exactly what the EntryPoint charged the
    // paymaster for that operation (its UserOperationEvent), so P&L net of sponsorship is exact.
    const entryPoint = new Interface([
      "event UserOperationEvent(bytes32 indexed userOpHash, address indexed sender, address indexed paymaster, uint256 nonce, bool success, uint256 actualGasCost, uint256 actualGasUsed)",
    ]);
    const topic = entryPoint.getEvent("UserOperationEvent")!.topicHash;
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{
        id: string;
        route: string;
        user_op_hash: string;
        gas_used: string | null;
        effective_gas_price: string | null;
      }>("SELECT id, route, user_op_hash, gas_used, effective_gas_price FROM trades WHERE id = ANY($1)", [
        sent.map((t) => t.id),
      ]);
      expect(rows).toHaveLength(sent.length);
      for (const row of rows) {
        const t = sent.find((s) => s.id === row.id)!;
        expect(row).toMatchObject({ route: "erc4337", user_op_hash: t.userOpHash });
        if (t.status !== "confirmed" && t.status !== "reverted") continue;
        const [log] = await rpc<{ data: string; topics: string[] }[]>("eth_getLogs", [
          { address: ENTRY_POINT_V08, topics: [topic, t.userOpHash], fromBlock: "0x0", toBlock: "latest" },
        ]);
        const event = entryPoint.parseLog(log!)!;
        expect(event.args.paymaster.toLowerCase()).toBe(aa.paymaster);
        expect(BigInt(row.gas_used!) * BigInt(row.effective_gas_price!)).toBe(event.args.actualGasCost);
      }
    } finally {
      await client.end();
    }
  }, 300_000);

  it("sim: the same route from the profile, no key and nothing sent", async () => {
    stopTraders = chain.startTraders(() => undefined);
    const file = join(dir, "sim.json");
    const args = ["trade", "--chain", profileFile, "--rpc", url, "--mode", "sim", "--execution", "erc4337"];
    const r = await orion([...args, "--blocks", "3", "--report", file]);
    expect(r.code, r.stderr).toBe(0);
    const report = sessionReportSchema.parse(JSON.parse(await readFile(file, "utf8")));
    expect(report).toMatchObject({ mode: "sim", execution: "erc4337" });
    expect(report.trades.length).toBeGreaterThan(0);
    for (const t of report.trades) expect(t).toMatchObject({ mode: "sim", txHash: null, userOpHash: null });
  }, 180_000);

  it("bad input is one line naming the file and field (or variable), exit 2, before anything is sent", async () => {
    // The real binary once; the other refusals in this process (the code and the line are all they check).
    const refused = async (args: string[], env: NodeJS.ProcessEnv, line: string, spawned = false) => {
      const all = ["trade", "--rpc", url, "--execution", "erc4337", "--blocks", "1", ...args];
      const r = spawned ? await orion(all, env) : await orionInProcess(all, orionEnv(env));
      expect(r.stderr).toBe(`orion: ${line}\n`);
      expect(r.code).toBe(2);
    };
    const noBundler = await profileWith("no-bundler", { bundlerUrl: undefined });
    const fields = "the profile names entryPoint, bundlerUrl and paymasterUrl";
    for (const mode of ["sim", "live"]) {
      await refused(
        ["--chain", noBundler, "--mode", mode],
        live(),
        `${noBundler}: bundlerUrl: required for --execution erc4337 (${fields})`,
        mode === "live",
      );
    }
    const noPaymaster = await profileWith("no-paymaster", { paymasterUrl: undefined });
    await refused(
      ["--chain", noPaymaster, "--mode", "sim"],
      {},
      `${noPaymaster}: paymasterUrl: required for --execution erc4337 (${fields})`,
    );
    const otherEntryPoint = await profileWith("v07", { entryPoint: "0x0000000071727de22e5e9d8baf0edac6f37da032" });
    await refused(
      ["--chain", otherEntryPoint, "--mode", "sim"],
      {},
      `${otherEntryPoint}: entryPoint: must be EntryPoint v0.8 (${ENTRY_POINT_V08}) for --execution erc4337`,
    );
    // A URL that is no bundler (the chain's own RPC does not know eth_supportedEntryPoints).
    const notABundler = await profileWith("not-a-bundler", { bundlerUrl: url });
    const r = await orionInProcess(
      ["trade", "--chain", notABundler, "--rpc", url, "--mode", "live", "--execution", "erc4337", "--blocks", "1"],
      orionEnv(live()),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(`^orion: ${notABundler}: bundlerUrl: no ERC-4337 bundler answers there \\(.*\\)\\n$`),
    );
    // The EOA's own ArbExecutor: its operator is the EOA, so the smart account's operations could not trade through it.
    await refused(
      ["--chain", profileFile, "--mode", "live"],
      { ...live(), ORION_EXECUTOR_CONTRACT: chain.markets.executor.address },
      `ORION_EXECUTOR_CONTRACT: --execution erc4337 needs an ArbExecutor whose operator is the key's smart account ` +
        `${aa.account}; ${chain.markets.executor.address}'s is ${chain.executorAccount.address.toLowerCase()}`,
    );
  }, 180_000);
});
