/**
 * The executor's ERC-4337 route against a real alto process and the devnet, with blocks mined by the test: a trade as
 * a sponsored user operation (exact to the wei, the sponsor's cost as its gas cost), losing operations never sent,
 * the bundler killed (fallback or rejection, never a duplicate), and a restart between sending and inclusion.
 */
import { createServer, type Server } from "node:http";
import { Interface, parseEther } from "ethers";
import type pg from "pg";
import type { Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMigratedTestDatabase, type TestDatabase } from "../../test/support/postgres.ts";
import { startLocalChain, type LocalChain } from "../chain/local-chain.ts";
import { FailoverProvider, eip1193Transport } from "../chain/rpc.ts";
import { createArbitrage } from "../chain/testing/arbitrage.ts";
import { loadArtifacts } from "../contracts/index.ts";
import { quoteOpportunity } from "../core/index.ts";
import type { Mode, Order } from "../domain/index.ts";
import {
  Executor,
  privateKeySigner,
  type ExecutorDeps,
  type Submission,
  type UserOperationSubmitter,
} from "../executor/index.ts";
import { orderFor } from "../executor/testing/orders.ts";
import { createPgPool, listTrades, PgTradeJournal } from "../store/index.ts";
import { createSmartAccountRoute, deployAccountAbstraction } from "../erc4337/index.ts";
import {
  deployDevnetAccountAbstraction,
  startDevnetBundler,
  type DevnetAccountAbstraction,
} from "./user-operations.ts";
import type { DevnetBundler } from "./user-operations.ts";

let chain: LocalChain;
let provider: FailoverProvider;
let db: TestDatabase;
let pool: pg.Pool;
let journal: PgTradeJournal;
let aa: DevnetAccountAbstraction;
let bundler: DevnetBundler;
let abi: ExecutorDeps["contract"]["abi"];
const since = new Date(Date.now() - 60_000);

async function paymasterDeposit(): Promise<bigint> {
  const data = new Interface(["function getDeposit() view returns (uint256)"]).encodeFunctionData("getDeposit");
  return BigInt(await provider.call({ to: aa.paymaster, data }));
}

/** alto starts by deploying its simulation contracts and waiting for their blocks: mine meanwhile. */
async function withBlocks<T>(fn: () => Promise<T>): Promise<T> {
  await chain.devnet.setBlockInterval(100);
  try {
    return await fn();
  } finally {
    await chain.devnet.setBlockInterval(0);
  }
}

function start(): Promise<DevnetBundler> {
  return withBlocks(() =>
    startDevnetBundler({
      rpcUrl: chain.devnet.url!,
      chainId: chain.devnet.chainId,
      aa,
      ownerKey: chain.executorAccount.privateKey,
      blockTimeMs: 1000,
      timeoutMs: 10_000,
      debugEndpoints: true,
    }),
  );
}

beforeAll(async () => {
  [chain, db] = await Promise.all([startLocalChain({ seed: 41, listen: { port: 0 } }), createMigratedTestDatabase()]);
  provider = new FailoverProvider([eip1193Transport("devnet", chain.devnet.provider)], { chainId: 31337 });
  pool = createPgPool(db.url);
  journal = new PgTradeJournal(pool);
  abi = (await loadArtifacts()).ArbExecutor.abi;
  await chain.devnet.setAutomine(true);
  aa = await deployDevnetAccountAbstraction(chain.devnet.provider, {
    deployer: chain.markets.traders[0]!,
    owner: chain.executorAccount.address,
    treasury: chain.markets.executor.treasury,
  });
  await chain.devnet.setAutomine(false);
  bundler = await start();
}, 300_000);

afterAll(async () => {
  await bundler?.close();
  provider?.destroy();
  await pool?.end();
  await Promise.all([chain?.close(), db?.drop()]);
});

const unavailable: { outcome: string; reason: string }[] = [];

function executor(
  o: {
    mode?: Mode;
    fallbackToEoa?: boolean;
    profitToWei?: () => bigint;
    submitter?: UserOperationSubmitter;
    estimateEachTrade?: boolean;
  } = {},
): Executor {
  const live = (o.mode ?? "live") === "live";
  return new Executor({
    provider,
    journal,
    readMode: async () => o.mode ?? "live",
    contract: { address: chain.markets.executor.address, abi },
    account: chain.executorAccount.address,
    signer: live ? privateKeySigner(chain.executorAccount.privateKey) : null,
    userOperations: {
      account: aa.account,
      contract: aa.executor,
      owner: chain.executorAccount.address,
      entryPoint: aa.entryPoint,
      submitter: live ? (o.submitter ?? bundler.submitter) : null,
      fallbackToEoa: o.fallbackToEoa ?? false,
      ...(o.estimateEachTrade ? { estimateEachTrade: true } : {}),
      onUnavailable: (_order, outcome, reason) => unavailable.push({ outcome, reason }),
    },
    feeOf: () => 30,
    options: { deadlineBlocks: 3, ...(o.profitToWei ? { profitToWei: o.profitToWei } : {}) },
  });
}

async function order(mode: Mode = "live", minProfit?: bigint): Promise<{ order: Order; profit: bigint }> {
  const { opportunity } = await createArbitrage(chain, provider);
  return {
    order: await orderFor(pool, provider, mode, opportunity, minProfit ?? opportunity.profit),
    profit: opportunity.profit,
  };
}

function sent(s: Submission): Extract<Submission, { kind: "sent" }> {
  if (s.kind !== "sent") throw new Error(`expected a sent trade, got ${JSON.stringify(s, (_, v) => String(v))}`);
  return s;
}

/** Waits until alto has handed its bundle to the node (the pending block holds a transaction). */
async function bundleSubmitted(): Promise<void> {
  for (let i = 0; i < 800; i++) {
    const pending = (await provider.send("eth_getBlockByNumber", ["pending", false])) as { transactions: string[] };
    if (pending.transactions.length > 0) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("the bundler submitted no bundle within 20 s");
}

/** Mines the block that includes the operation's bundle, as soon as the bundle is there. */
async function mineUntilIncluded(userOpHash: string): Promise<void> {
  await bundleSubmitted();
  await chain.devnet.mine();
  if (!(await bundler.submitter.outcome(userOpHash as `0x${string}`))) {
    throw new Error(`user operation ${userOpHash} not in the mined block`);
  }
}

/** One JSON-RPC call to alto (its debug methods have no typed client). */
async function bundlerCall(url: string, method: string, params: unknown[]): Promise<unknown> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: unknown; error?: { message?: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message ?? "error"}`);
  return body.result;
}

/** What the executor asked the bundler, in order: the method and the operation's sender and nonce. */
interface BundlerRelay {
  url: string;
  calls: { method: string; sender?: string; nonce?: string }[];
  close(): Promise<void>;
}

/** An HTTP relay in front of alto that records every user operation the executor's route hands it. */
async function relayTo(target: string): Promise<BundlerRelay> {
  const calls: BundlerRelay["calls"] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      const parsed = JSON.parse(body) as unknown;
      for (const r of (Array.isArray(parsed) ? parsed : [parsed]) as { method: string; params?: unknown[] }[]) {
        const op = r.params?.[0] as { sender?: string; nonce?: string } | undefined;
        calls.push({ method: r.method, sender: op?.sender?.toLowerCase(), nonce: op?.nonce });
      }
      void fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body })
        .then(async (upstream) =>
          res.writeHead(upstream.status, { "content-type": "application/json" }).end(await upstream.text()),
        )
        .catch(() => res.destroy());
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    calls,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** The executor key's smart account, reaching the bundler through `bundlerUrl` (and a sponsor of the test's choice). */
function submitterVia(
  bundlerUrl: string,
  sponsorship: { paymasterUrl: string } | { paymaster: Hex; sponsor: ReturnType<typeof privateKeyToAccount> },
) {
  return createSmartAccountRoute({
    rpcUrl: chain.devnet.url!,
    bundlerUrl,
    chainId: chain.devnet.chainId,
    entryPoint: aa.entryPoint as Hex,
    accountFactory: aa.accountFactory as Hex,
    owner: privateKeyToAccount(chain.executorAccount.privateKey as Hex),
    sponsorship,
    bundlerTimeoutMs: 10_000,
  });
}

async function rowsFor(opportunityId: string) {
  const rows = await listTrades(pool, "live", 1, since);
  return rows.filter((r) => r.opportunityId === opportunityId);
}

async function operationEvents(userOpHash: string): Promise<number> {
  const topic = new Interface([
    "event UserOperationEvent(bytes32 indexed userOpHash, address indexed sender, address indexed paymaster, uint256 nonce, bool success, uint256 actualGasCost, uint256 actualGasUsed)",
  ]).getEvent("UserOperationEvent")!.topicHash;
  return (await provider.getLogs({ address: aa.entryPoint, topics: [topic, userOpHash], fromBlock: 0 })).length;
}

describe("the ERC-4337 route with a real bundler", () => {
  it("a sponsored trade confirms exact to the wei; its gas cost is exactly what the paymaster paid", async () => {
    const ex = executor();
    expect(await ex.reconcile()).toEqual({ resolved: [], inFlight: 0 });
    const { order: o, profit } = await order();
    const eoaNonce = await provider.getTransactionCount(chain.executorAccount.address, "latest");
    const deposit = await paymasterDeposit();
    const s = sent(await ex.submit(o));
    expect(s).toMatchObject({ route: "erc4337", txHash: null });
    expect(s.userOpHash).toMatch(/^0x[0-9a-f]{64}$/);
    // Durable before it went to the bundler, with its user-operation hash and no transaction hash yet.
    expect((await rowsFor(o.opportunityId))[0]).toMatchObject({ route: "erc4337", userOpHash: s.userOpHash });
    await mineUntilIncluded(s.userOpHash!);
    const result = await s.final;
    expect(result).toMatchObject({ status: "confirmed", route: "erc4337", precededBy: 0, realizedProfit: profit });
    expect(result.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(result.gasCostWei).toBe(deposit - (await paymasterDeposit()));
    const [row] = await rowsFor(o.opportunityId);
    expect(row).toMatchObject({ status: "confirmed", userOpHash: s.userOpHash, txHash: result.txHash });
    expect(row!.gasCostWei).toBe(result.gasCostWei);
    // The smart account paid nothing and the EOA sent nothing.
    expect(await provider.getBalance(aa.account)).toBe(0n);
    expect(await provider.getTransactionCount(chain.executorAccount.address, "latest")).toBe(eoaNonce);
  });

  it("by default the bundler estimates no trade: one probe per call length before the first order, then each trade's gas is given", async () => {
    // The bundler's estimation runs the whole trade many times on the node; per trade, it held a block's orders
    // seconds behind each other on the devnet. The route's own submitter, counting what it is asked to estimate.
    const probes: string[] = [];
    const counting: UserOperationSubmitter = {
      ...bundler.submitter,
      estimate: (call, nonceKey) => {
        probes.push(call.to.toLowerCase());
        return bundler.submitter.estimate(call, nonceKey);
      },
    };
    const ex = executor({ submitter: counting });
    await ex.reconcile();
    await ex.warm();
    // 2, 3 and 4 hops, each a call to the owner's address (no code), never to the executor contract.
    expect(probes).toEqual([
      chain.executorAccount.address,
      chain.executorAccount.address,
      chain.executorAccount.address,
    ]);
    const { order: o, profit } = await order();
    const s = sent(await ex.submit(o));
    await mineUntilIncluded(s.userOpHash!);
    expect(await s.final).toMatchObject({ status: "confirmed", precededBy: 0, realizedProfit: profit });
    expect(probes).toHaveLength(3);
  });

  it("with estimateEachTrade the bundler estimates every trade's own operation before it is sent (counted through a relay)", async () => {
    const relay = await relayTo(bundler.bundler.url);
    try {
      const ex = executor({
        submitter: await submitterVia(relay.url, { paymasterUrl: bundler.paymaster.url }),
        estimateEachTrade: true,
      });
      await ex.reconcile();
      await ex.warm();
      // Before the first order: one probe per call length (2, 3 and 4 hops), for the operation's overheads.
      const estimates = () => relay.calls.filter((c) => c.method === "eth_estimateUserOperationGas");
      expect(estimates()).toHaveLength(3);
      const { order: o, profit } = await order();
      const s = sent(await ex.submit(o));
      // The operation sent (its sender and nonce key) was estimated by the bundler first, and once.
      const sends = relay.calls.filter((c) => c.method === "eth_sendUserOperation");
      expect(sends).toHaveLength(1);
      const [op] = sends;
      expect(op!.sender).toBe(aa.account);
      const same = (c: BundlerRelay["calls"][number]) => c.sender === op!.sender && c.nonce === op!.nonce;
      expect(estimates().filter(same)).toHaveLength(1);
      expect(relay.calls.findIndex(same)).toBeLessThan(relay.calls.indexOf(op!));
      await mineUntilIncluded(s.userOpHash!);
      expect(await s.final).toMatchObject({ status: "confirmed", precededBy: 0, realizedProfit: profit });
    } finally {
      await relay.close();
    }
  });

  it("with estimateEachTrade an operation whose inner call passes but the bundler's estimation refuses (AA31) is rejected and never sent", async () => {
    // A paymaster of its own whose deposit pays for the probes (warm-up), then is withdrawn down to 1 wei: the
    // inner call's eth_call still passes, but the EntryPoint would refuse the operation (paymaster deposit too low).
    const sponsor = privateKeyToAccount(generatePrivateKey());
    const owner = chain.markets.traders[0]!;
    await chain.devnet.setAutomine(true);
    const poor = await deployAccountAbstraction(chain.devnet.provider, {
      from: owner,
      sponsorSigner: sponsor.address,
      paymasterOwner: owner,
      deposit: parseEther("1"),
    });
    await chain.devnet.setAutomine(false);
    const relay = await relayTo(bundler.bundler.url);
    try {
      const ex = executor({
        submitter: await submitterVia(relay.url, { paymaster: poor.paymaster as Hex, sponsor }),
        estimateEachTrade: true,
      });
      await ex.reconcile();
      await ex.warm();
      const withdraw = new Interface(["function withdrawTo(address to, uint256 amount)"]).encodeFunctionData(
        "withdrawTo",
        [owner, parseEther("1") - 1n],
      );
      await chain.devnet.setAutomine(true);
      await provider.send("eth_sendTransaction", [{ from: owner, to: poor.paymaster, data: withdraw }]);
      await chain.devnet.setAutomine(false);
      const { order: o } = await order();
      const r = await ex.handle(o);
      expect(r).toMatchObject({ status: "rejected", route: "erc4337", userOpHash: null });
      expect(r!.reason).toMatch(
        /^the bundler's gas estimation refused the user operation: Paymaster deposit .* too low/,
      );
      expect(relay.calls.filter((c) => c.method === "eth_sendUserOperation")).toEqual([]);
      expect(await rowsFor(o.opportunityId)).toMatchObject([{ status: "rejected", userOpHash: null }]);
    } finally {
      await relay.close();
    }
  });

  it("a losing operation is rejected by simulation and never sent; so is one whose profit cannot pay the sponsor", async () => {
    const deposit = await paymasterDeposit();
    const { order: losing } = await order("live", 10n ** 30n);
    const a = await executor().handle(losing);
    expect(a).toMatchObject({ status: "rejected", userOpHash: null, route: "erc4337" });
    expect(a!.reason).toMatch(/^InsufficientProfit/);
    // A token worth 1 wei in all: the trade wins in the base token and loses once the sponsor's gas is counted.
    const { order: cheap } = await order("live", 0n);
    const b = await executor({ profitToWei: () => 1n }).handle(cheap);
    expect(b).toMatchObject({ status: "rejected", userOpHash: null });
    expect(b!.reason).toMatch(/^profit 1 wei does not cover the sponsor's gas \(up to \d+ wei\): not sent$/);
    await chain.devnet.mine();
    expect(await paymasterDeposit()).toBe(deposit);
  });

  it("a restart between sending and inclusion reconciles by user-operation hash and sends nothing again", async () => {
    const first = executor();
    await first.reconcile();
    const { order: o, profit } = await order();
    const s = sent(await first.submit(o));
    first.stop(); // the process dies: its row stays in flight
    await expect(s.final).rejects.toThrow(/stopped/);
    const second = executor();
    expect(await second.reconcile()).toEqual({ resolved: [], inFlight: 1 });
    await mineUntilIncluded(s.userOpHash!);
    expect(await second.reconcile()).toEqual({ resolved: [{ id: s.id, status: "confirmed" }], inFlight: 0 });
    const rows = await rowsFor(o.opportunityId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: "confirmed", realizedProfit: profit, userOpHash: s.userOpHash });
    expect(await operationEvents(s.userOpHash!)).toBe(1);
    // The order redelivered after the restart is recognised and not sent again.
    expect(await second.submit(o)).toEqual({ kind: "duplicate" });
  });

  it("three operations on one pool in one bundle: each counts the operations ahead of it in precededBy", async () => {
    const ex = executor();
    await ex.reconcile();
    const { opportunity, state } = await createArbitrage(chain, provider);
    // Three thirds of the opportunity, each priced alone on the same state: all stay profitable whatever their order,
    // and each behind another realizes less than its own prediction.
    const third = opportunity.amountIn / 3n;
    const pools = new Map(state.pools().map((p) => [p.address, p]));
    const quoted = quoteOpportunity({ ...opportunity, amountIn: third }, pools);
    const predicted = quoted[quoted.length - 1]! - third;
    const part = { ...opportunity, amountIn: third, profit: predicted };
    const orders = [];
    for (let i = 0; i < 3; i++) orders.push(await orderFor(pool, provider, "live", part, 1n));
    // alto holds the operations, then puts them all into one handleOps transaction.
    const url = bundler.bundler.url;
    await bundlerCall(url, "debug_bundler_setBundlingMode", ["manual"]);
    const trades: Extract<Submission, { kind: "sent" }>[] = [];
    try {
      for (const o of orders) trades.push(sent(await ex.submit(o)));
      await bundlerCall(url, "debug_bundler_sendBundleNow", []);
    } finally {
      await bundlerCall(url, "debug_bundler_setBundlingMode", ["auto"]);
    }
    await bundleSubmitted();
    await chain.devnet.mine();
    const results = await Promise.all(trades.map((t) => t.final));
    expect(results.map((r) => r.status)).toEqual(["confirmed", "confirmed", "confirmed"]);
    expect(new Set(results.map((r) => r.txHash)).size).toBe(1);
    const receipt = await provider.getTransactionReceipt(results[0]!.txHash!);
    const position = (hash: string | null) => receipt!.logs.findIndex((l) => l.topics[1] === hash);
    const inBundle = [...results].sort((a, b) => position(a.userOpHash) - position(b.userOpHash));
    expect(inBundle.map((r) => r.precededBy)).toEqual([0, 1, 2]);
    expect(inBundle[0]!.realizedProfit).toBe(predicted);
    // Each behind moved pools realizes less, and less again.
    expect(inBundle[1]!.realizedProfit!).toBeLessThan(predicted);
    expect(inBundle[2]!.realizedProfit!).toBeLessThan(inBundle[1]!.realizedProfit!);
  });

  it("an operation sent while a bundle waits for its block goes out in a bundle of its own, into the same block", async () => {
    const ex = executor();
    await ex.reconcile();
    const { opportunity, state } = await createArbitrage(chain, provider);
    const half = opportunity.amountIn / 2n;
    const quoted = quoteOpportunity(
      { ...opportunity, amountIn: half },
      new Map(state.pools().map((p) => [p.address, p])),
    );
    const part = { ...opportunity, amountIn: half, profit: quoted[quoted.length - 1]! - half };
    const first = sent(await ex.submit(await orderFor(pool, provider, "live", part, 1n)));
    await bundleSubmitted();
    const second = sent(await ex.submit(await orderFor(pool, provider, "live", part, 1n)));
    // With one submitting account alto keeps the second operation until the first bundle is mined.
    await expect
      .poll(
        async () =>
          ((await provider.send("eth_getBlockByNumber", ["pending", false])) as { transactions: string[] }).transactions
            .length,
      )
      .toBe(2);
    await chain.devnet.mine();
    const results = await Promise.all([first.final, second.final]);
    expect(results.map((r) => r.status)).toEqual(["confirmed", "confirmed"]);
    expect(results[0]!.txHash).not.toBe(results[1]!.txHash);
    expect(results[0]!.blockNumber).toBe(results[1]!.blockNumber);
  });

  it("the bundler killed: an operation it already passed on still lands once; then fallback or rejection", async () => {
    const ex = executor();
    await ex.reconcile();
    const { order: o } = await order();
    const s = sent(await ex.submit(o));
    // alto has handed the bundle to the node; it dies before the block is mined.
    await bundleSubmitted();
    await bundler.bundler.kill();
    await chain.devnet.mine();
    expect(await s.final).toMatchObject({ status: "confirmed", userOpHash: s.userOpHash });
    expect(await operationEvents(s.userOpHash!)).toBe(1);

    unavailable.length = 0;
    const { order: refused } = await order();
    const r = await executor().handle(refused);
    expect(r).toMatchObject({ status: "rejected", route: "erc4337" });
    expect(r!.reason).toMatch(/^bundler unavailable: .*; EOA fallback not allowed, nothing sent$/);

    const eoaNonce = await provider.getTransactionCount(chain.executorAccount.address, "latest");
    const { order: fallback, profit } = await order();
    const f = sent(await executor({ fallbackToEoa: true }).submit(fallback));
    expect(f).toMatchObject({ route: "eoa", userOpHash: null });
    await chain.devnet.mine();
    expect(await f.final).toMatchObject({ status: "confirmed", route: "eoa", realizedProfit: profit });
    expect(await provider.getTransactionCount(chain.executorAccount.address, "latest")).toBe(eoaNonce + 1);
    expect(unavailable.map((u) => u.outcome)).toEqual(["rejected", "fallback"]);
    // One row per order, whichever way it went.
    for (const id of [o.opportunityId, refused.opportunityId, fallback.opportunityId]) {
      expect(await rowsFor(id)).toHaveLength(1);
    }
  });

  it("sim mode holds no key and sends nothing: the inner call is simulated from the smart account", async () => {
    const { order: o, profit } = await order("sim");
    const deposit = await paymasterDeposit();
    const r = await executor({ mode: "sim" }).handle(o);
    expect(r).toMatchObject({ status: "simulated", route: "erc4337", simulatedProfit: profit, userOpHash: null });
    await chain.devnet.mine();
    expect(await paymasterDeposit()).toBe(deposit);
  });
});
