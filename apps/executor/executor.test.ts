import { keccak256, toQuantity, Wallet } from "ethers";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createMigratedTestDatabase } from "../../test/support/postgres.ts";
import type { TestDatabase } from "../../test/support/postgres.ts";
import { ArbitrageScanner, type Opportunity } from "../core/index.ts";
import { startLocalChain } from "../chain/local-chain.ts";
import type { LocalChain } from "../chain/local-chain.ts";
import { FailoverProvider, eip1193Transport } from "../chain/rpc.ts";
import { createArbitrage, outbid } from "../chain/testing/arbitrage.ts";
import { recordingProvider } from "../chain/testing/recording-provider.ts";
import { rpcBatch } from "../chain/rpc-batch.ts";
import { loadArtifacts } from "../contracts/index.ts";
import { PgTradeJournal, createPgPool, listTrades, loadRiskSnapshot } from "../store/index.ts";
import { startTcpProxy } from "../store/testing/tcp-proxy.ts";
import { createMemoryBus, ordersTopic, tradesTopic } from "../bus/index.ts";
import type { TradeOutcome } from "../bus/index.ts";
import { ExecutorCodec, V2_FLASH_SWAP } from "./calldata.ts";
import { BACKSTOP_SECONDS } from "./deadline.ts";
import { Executor } from "./executor.ts";
import { HeadTicks } from "./heads.ts";
import { ExecutorService } from "./service.ts";
import type { ExecutorDeps, Submission, TradeResult } from "./executor.ts";
import type { Mode, Order } from "../domain/index.ts";
import { AlreadyJournaled, type TradeJournal } from "./ports.ts";
import { NonceManager, type NonceSteps } from "./nonce-manager.ts";
import { publicMempool, type Broadcaster } from "./submission/broadcaster.ts";
import { privateKeySigner, type TxSigner } from "./signer.ts";
import { orderFor } from "./testing/orders.ts";

let chain: LocalChain;
let provider: FailoverProvider;
let db: TestDatabase;
let pool: pg.Pool;
let journal: PgTradeJournal;
let abi: ExecutorDeps["contract"]["abi"];
/** The executor's sending account (devnet account 1, owner of the contract). */
let account: string;
const since = new Date(Date.now() - 60_000);

beforeAll(async () => {
  [chain, db] = await Promise.all([startLocalChain({ seed: 21 }), createMigratedTestDatabase()]);
  provider = new FailoverProvider([eip1193Transport("devnet", chain.devnet.provider)], { chainId: 31337 });
  pool = createPgPool(db.url);
  journal = new PgTradeJournal(pool);
  abi = (await loadArtifacts()).ArbExecutor.abi;
  account = chain.executorAccount.address;
});

afterAll(async () => {
  provider?.destroy();
  await pool?.end();
  await Promise.all([chain?.close(), db?.drop()]);
});

function executor(mode: Mode | (() => Promise<Mode>), over: Partial<ExecutorDeps> = {}): Executor {
  const live = mode === "live";
  return new Executor({
    provider,
    journal,
    readMode: typeof mode === "function" ? mode : async () => mode,
    contract: { address: chain.markets.executor.address, abi },
    account,
    // A key exists only for a live executor, as in the service.
    signer: live ? privateKeySigner(chain.executorAccount.privateKey) : null,
    feeOf: () => 30,
    ...over,
  });
}

/** NonceManager steps that only note what ran, each resolving with its nonce. */
function plainSteps(events: string[] = []): NonceSteps<number, number> {
  return {
    prepare: (n) => {
      events.push(`prepare ${n}`);
      return Promise.resolve(n);
    },
    send: (_p, n) => {
      events.push(`send ${n}`);
      return Promise.resolve(n);
    },
    abandon: (_p, n, cause) => {
      events.push(`abandon ${n}`);
      return Promise.resolve(new Error(`abandoned ${n} after: ${(cause as Error).message}`));
    },
  };
}

const order = (mode: Mode, o: Opportunity, minProfit = o.profit): Promise<Order> =>
  orderFor(pool, provider, mode, o, minProfit);

const nonces = async () => ({
  latest: await provider.getTransactionCount(account, "latest"),
  pending: await provider.getTransactionCount(account, "pending"),
});

async function pendingTxCount(): Promise<number> {
  const block = (await provider.send("eth_getBlockByNumber", ["pending", false])) as { transactions: string[] };
  return block.transactions.length;
}

async function sent(s: Submission): Promise<Extract<Submission, { kind: "sent" }>> {
  if (s.kind !== "sent") throw new Error(`expected a broadcast, got ${JSON.stringify(s, (_, v) => String(v))}`);
  return s;
}

async function row(id: string) {
  const rows = [...(await listTrades(pool, "live", 1, since)), ...(await listTrades(pool, "sim", 1, since))];
  return rows.find((r) => r.id === id);
}

/** The test database's journal, with some of its methods replaced. */
function journalWith(over: Partial<TradeJournal>): TradeJournal {
  return {
    recordIntent: (t, fence, leaseAccount) => journal.recordIntent(t, fence, leaseAccount),
    markSent: (id, hash) => journal.markSent(id, hash),
    markFinal: (id, o) => journal.markFinal(id, o),
    markReplaced: (id, from, to) => journal.markReplaced(id, from, to),
    recordSimulated: (t) => journal.recordSimulated(t),
    listInFlight: (a) => journal.listInFlight(a),
    tradeFor: (id) => journal.tradeFor(id),
    ...over,
  };
}

/**
 * A journal that "dies" right after one of its writes, as a process killed at that point would; with `times`, only
 * after the first so many (a connection lost once, after the server committed).
 */
function killedAfter(step: "recordIntent" | "markSent", times = Infinity): TradeJournal {
  let left = times;
  const killed = () => new Error(`process killed after ${step}`);
  const dies = (at: typeof step) => at === step && left-- > 0;
  return journalWith({
    recordIntent: async (t) => {
      await journal.recordIntent(t);
      if (dies("recordIntent")) throw killed();
    },
    markSent: async (id, hash) => {
      await journal.markSent(id, hash);
      if (dies("markSent")) throw killed();
    },
  });
}

describe("Executor in sim mode", () => {
  it("simulates at the latest block, records a simulated trade, and broadcasts nothing", async () => {
    const { opportunity } = await createArbitrage(chain, provider);
    const before = await nonces();
    const o = await order("sim", opportunity);
    const result = (await executor("sim").handle(o)) as TradeResult;
    expect(result).toMatchObject({ status: "simulated", txHash: null, simulatedProfit: opportunity.profit });
    expect(await pendingTxCount()).toBe(0);
    await chain.devnet.mine();
    expect(await nonces()).toEqual(before);
    expect(await row(result.id)).toMatchObject({ status: "simulated", simulatedProfit: opportunity.profit });
    // A redelivered order is recognised by its opportunity id and not executed again.
    expect(await executor("sim").submit(o)).toEqual({ kind: "duplicate" });
  });

  it("records a route the simulation reverts as rejected, with the contract's reason", async () => {
    const { opportunity } = await createArbitrage(chain, provider);
    const result = (await executor("sim").handle(await order("sim", opportunity, opportunity.profit + 1n)))!;
    expect(result.status).toBe("rejected");
    expect(result.reason).toMatch(/^InsufficientProfit/);
  });

  it("records an order simulated past its deadline as an expired verdict: no failure, no strike, kept across a restart", async () => {
    const { opportunity } = await createArbitrage(chain, provider);
    const o = await order("sim", opportunity);
    const before = await loadRiskSnapshot(pool, "sim", o.epoch, new Date(0));
    // The order comes two blocks past its one-block deadline (a slow first block at 400 ms blocks, say).
    await chain.devnet.mine();
    await chain.devnet.mine();
    const result = (await executor("sim", { options: { deadlineBlocks: 1 } }).handle(o))!;
    expect(result).toMatchObject({ status: "rejected", routeReverted: false, verdict: "expired" });
    expect(result.reason).toMatch(/^Expired\(/);
    const { rows } = await pool.query<{ verdict: string | null }>("SELECT verdict FROM trades WHERE id = $1", [
      result.id,
    ]);
    expect(rows[0]?.verdict).toBe("expired");
    // The restored ledger skips it as the live one does: no failure streak from late orders after a restart.
    expect((await loadRiskSnapshot(pool, "sim", o.epoch, new Date(0))).recentStatuses).toEqual(before.recentStatuses);
  });

  it("sends nothing for a live order whose deadline block is the head: it would land a block too late", async () => {
    const { opportunity } = await createArbitrage(chain, provider);
    const before = await nonces();
    const o = await order("live", opportunity);
    // One block on: the simulation at the head (its number, the deadline) passes; the trade could land only after it.
    await chain.devnet.mine();
    const late = executor("live", { options: { deadlineBlocks: 1 } });
    await late.reconcile();
    const result = (await late.handle(o))!;
    expect(result).toMatchObject({ status: "rejected", routeReverted: false, verdict: "expired", txHash: null });
    expect(result.reason).toMatch(/cannot land in time, nothing sent$/);
    expect(await pendingTxCount()).toBe(0);
    expect(await nonces()).toEqual(before);
  });

  it("sends nothing for a live order when the mode store says sim or cannot be read", async () => {
    const { opportunity } = await createArbitrage(chain, provider);
    const before = await nonces();
    const key = { signer: privateKeySigner(chain.executorAccount.privateKey) };
    const modeSim = executor("sim", key);
    await modeSim.reconcile();
    const a = (await modeSim.handle(await order("live", opportunity)))!;
    expect(a).toMatchObject({ status: "rejected", reason: "mode is sim: live order not sent" });
    const storeDown = executor(() => Promise.reject(new Error("ECONNREFUSED 127.0.0.1:6379")), key);
    await storeDown.reconcile();
    const b = (await storeDown.handle(await order("live", opportunity)))!;
    expect(b.status).toBe("rejected");
    expect(b.reason).toMatch(/^mode unreadable, nothing sent/);
    const noKey = executor("live", { signer: null });
    await noKey.reconcile();
    expect((await noKey.handle(await order("live", opportunity)))!.reason).toBe("no signing key loaded");
    expect(await pendingTxCount()).toBe(0);
    expect(await nonces()).toEqual(before);
  });

  it("reads a live order's mode while the node simulates it, and still refuses it when the store says sim", async () => {
    const { opportunity } = await createArbitrage(chain, provider);
    let readAt: number | null = null;
    const ex = executor(
      async () => {
        readAt = performance.now();
        return "sim";
      },
      { signer: privateKeySigner(chain.executorAccount.privateKey) },
    );
    await ex.reconcile();
    const result = (await ex.handle(await order("live", opportunity)))!;
    expect(result).toMatchObject({ status: "rejected", reason: "mode is sim: live order not sent" });
    // Asked before the simulation's answer came back, not once it had.
    expect(readAt).not.toBeNull();
    expect(readAt!).toBeLessThan(result.timings.simulatedAt!);
    expect(await pendingTxCount()).toBe(0);
  });
});

describe("Executor in live mode", () => {
  it("confirms a trade whose realized profit equals the prediction to the wei when nothing preceded it", async () => {
    const { opportunity } = await createArbitrage(chain, provider);
    const before = await nonces();
    const ex = executor("live");
    expect(await ex.reconcile()).toEqual({ resolved: [], inFlight: 0 });
    const s = await sent(await ex.submit(await order("live", opportunity)));
    expect(s.nonce).toBe(before.pending);
    expect((await row(s.id))?.status).toBe("sent");
    await chain.devnet.mine();
    const result = await s.final;
    expect(result).toMatchObject({ status: "confirmed", precededBy: 0, realizedProfit: opportunity.profit });
    expect(result.gasUsed).toBeGreaterThan(0n);
    expect(await row(s.id)).toMatchObject({ status: "confirmed", realizedProfit: opportunity.profit, precededBy: 0 });
    expect((await nonces()).latest).toBe(before.latest + 1);
  });

  it("prices by the chain's fee policy, with a gas limit from eth_estimateGas plus its margin", async () => {
    const GWEI = 1_000_000_000n;
    // A chain with a 25 gwei floor on the tip (Polygon PoS): the executor's own 2 gwei would be refused there.
    const { opportunity } = await createArbitrage(chain, provider);
    const floor = executor("live", { options: { fees: { type: "eip1559", minPriorityFeeWei: 25n * GWEI } } });
    const o1 = await order("live", opportunity);
    const data = new ExecutorCodec(abi).encodeExecute(
      o1,
      o1.pools.map(() => 30),
      V2_FLASH_SWAP,
      o1.blockNumber + 2,
      (await provider.getBlock(o1.blockNumber))!.timestamp + BACKSTOP_SECONDS,
    );
    // At "latest", where the order is simulated (not "pending", where other swaps may already be waiting).
    const estimate = BigInt(
      (await provider.send("eth_estimateGas", [
        { from: account, to: chain.markets.executor.address, data },
        "latest",
      ])) as string,
    );
    const s1 = await sent(await floor.submit(o1));
    const tx1 = await provider.getTransaction(s1.txHash!);
    expect(tx1).toMatchObject({ type: 2, maxPriorityFeePerGas: 25n * GWEI });
    expect(tx1?.gasLimit).toBe((estimate * 12_000n + 9_999n) / 10_000n);
    expect(tx1?.gasLimit).toBeLessThan(500_000n);
    await chain.devnet.mine();
    expect(await s1.final).toMatchObject({ status: "confirmed", realizedProfit: opportunity.profit });

    // A legacy chain: a type-0 transaction with one gas price.
    const next = await createArbitrage(chain, provider);
    const legacy = executor("live", { options: { fees: { type: "legacy", minPriorityFeeWei: 30n * GWEI } } });
    const s2 = await sent(await legacy.submit(await order("live", next.opportunity)));
    const tx2 = await provider.getTransaction(s2.txHash!);
    const base = (await provider.getBlock("latest"))?.baseFeePerGas ?? 0n;
    expect(tx2?.type).toBe(0);
    expect(tx2?.gasPrice).toBe(base + base / 8n + 30n * GWEI);
    await chain.devnet.mine();
    expect(await s2.final).toMatchObject({ status: "confirmed", realizedProfit: next.opportunity.profit });
  });

  it("holds a trade until it is N blocks deep, and reclassifies one a reorg orphaned", async () => {
    const GWEI = 1_000_000_000n;
    const { opportunity } = await createArbitrage(chain, provider);
    const ex = executor("live", { options: { confirmations: 2 } });
    const s = await sent(await ex.submit(await order("live", opportunity)));
    let final: TradeResult | null = null;
    void s.final.then((r) => (final = r));
    const snapshot = await provider.send("evm_snapshot", []);
    await chain.devnet.mine();
    expect(await provider.getTransactionReceipt(s.txHash!)).not.toBeNull();
    // Mined, but one block deep: not final yet, whatever the receipt says.
    await new Promise((r) => setTimeout(r, 300));
    expect(final).toBeNull();
    expect((await row(s.id))?.status).toBe("sent");

    // A reorg: the trade's block is gone, and another transaction takes its nonce on the new branch.
    await provider.send("evm_revert", [snapshot]);
    const other = await privateKeySigner(chain.executorAccount.privateKey).signTransaction({
      type: 2,
      chainId: 31337n,
      to: account,
      nonce: s.nonce,
      gasLimit: 21_000n,
      maxFeePerGas: 1_000n * GWEI,
      maxPriorityFeePerGas: 100n * GWEI,
      value: 0n,
    });
    await provider.send("eth_sendRawTransaction", [other]);
    await chain.devnet.mine(3);
    const result = await s.final;
    expect(result.status).toBe("dropped");
    expect(await provider.getTransactionReceipt(s.txHash!)).toBeNull();
    expect((await row(s.id))?.status).toBe("dropped");
  });

  it("does not replace a trade that is mined and waits for its confirmations", async () => {
    const { opportunity } = await createArbitrage(chain, provider);
    const requests: string[][] = [];
    const counting = recordingProvider(chain.devnet.provider, requests);
    const heads = new HeadTicks();
    const pause = () => new Promise((r) => setTimeout(r, 1_200));
    try {
      const ex = executor("live", { provider: counting, heads, options: { confirmations: 3 } });
      const s = await sent(await ex.submit(await order("live", opportunity)));
      // Mined in the next block; the heads that follow leave time for the full checks, where a stuck trade is replaced.
      for (let i = 0; i < 4; i++) {
        await chain.devnet.mine();
        heads.seen(await chain.devnet.blockNumber());
        await pause();
      }
      expect((await s.final).status).toBe("confirmed");
      // Mined, it was never taken for stuck: one broadcast, and the journal keeps the mined hash.
      expect(requests.flat().filter((m) => m === "eth_sendRawTransaction")).toHaveLength(1);
      expect((await row(s.id))?.txHash).toBe(s.txHash);
    } finally {
      counting.destroy();
    }
  });

  it("simulates with one request to the node: the call and the head it ran on, in one batch", async () => {
    const { opportunity } = await createArbitrage(chain, provider);
    const requests: string[][] = [];
    const counting = recordingProvider(chain.devnet.provider, requests);
    try {
      const ex = executor("sim", { provider: counting });
      const o = await order("sim", opportunity);
      requests.length = 0;
      const result = await ex.handle(o);
      expect(result).toMatchObject({ status: "simulated", blockNumber: await chain.devnet.blockNumber() });
      expect(result?.simulatedProfit).toBe(o.predictedProfit);
      expect(requests.filter((r) => r.includes("eth_call"))).toEqual([["eth_call", "eth_getBlockByNumber"]]);
    } finally {
      counting.destroy();
    }
  });

  it("asks the node for a new route shape's gas only once the orders in hand whose gas it knows are sent", async () => {
    const requests: string[][] = [];
    const counting = recordingProvider(chain.devnet.provider, requests);
    try {
      const ex = executor("live", { provider: counting });
      await ex.reconcile();
      // A 2-hop route's shape learns its gas from an estimate.
      const learnt = await sent(
        await ex.submit(await order("live", (await createArbitrage(chain, provider)).opportunity)),
      );
      await chain.devnet.mine();
      await learnt.final;
      // The next block: a 2-hop route of that shape, and a 3-hop one (a shape not estimated yet), in hand together.
      const { state } = await createArbitrage(chain, provider);
      const found = new ArbitrageScanner({
        tokens: chain.markets.tokens,
        pools: state.pools(),
        baseTokens: [chain.markets.baseToken],
        maxHops: 3,
      }).fullScan();
      const known = found.find((o) => o.pools.length === 2)!;
      const fresh = found.find((o) => o.pools.length === 3)!;
      const [freshOrder, knownOrder] = await Promise.all([order("live", fresh), order("live", known)]);
      requests.length = 0;
      const [a, b] = await Promise.all([ex.submit(freshOrder), ex.submit(knownOrder)]);
      const asked = requests.flat();
      // The estimate (30-130 ms of the devnet's one queue) comes after the known route's broadcast, not before it.
      expect(asked.indexOf("eth_estimateGas")).toBeGreaterThan(asked.indexOf("eth_sendRawTransaction"));
      expect(asked.filter((m) => m === "eth_estimateGas")).toHaveLength(1);
      await chain.devnet.mine();
      for (const s of [a, b]) if (s.kind === "sent") await s.final;
    } finally {
      counting.destroy();
    }
  });

  it("replaces a stuck trade on its nonce with a fee bump: the replacement confirms, the journal points at it", async () => {
    const { opportunity } = await createArbitrage(chain, provider);
    const before = await nonces();
    const ex = executor("live", { options: { deadlineBlocks: 10, replaceAfterBlocks: 1 } });
    await ex.reconcile();
    const s = await sent(await ex.submit(await order("live", opportunity)));
    const stuck = await provider.getTransaction(s.txHash!);
    // The base fee jumps past everything the trade offered: it cannot be included and stays in the mempool.
    await provider.send("hardhat_setNextBlockBaseFeePerGas", [toQuantity(stuck!.maxFeePerGas! * 3n)]);
    await chain.devnet.mine();
    expect(await provider.getTransactionReceipt(s.txHash!)).toBeNull();
    expect((await provider.getTransaction(s.txHash!))?.blockNumber).toBeNull();

    // A block went by without it: the executor re-signs it on the same nonce above the new base fee, and journals the
    // new hash before broadcasting it.
    await expect.poll(async () => (await row(s.id))?.txHash, { timeout: 30_000 }).not.toBe(s.txHash!);
    const replacement = (await row(s.id))!.txHash!;
    const bumped = await provider.getTransaction(replacement);
    expect(bumped).toMatchObject({ nonce: s.nonce, data: stuck!.data, gasLimit: stuck!.gasLimit });
    expect(bumped!.maxFeePerGas!).toBeGreaterThan(stuck!.maxFeePerGas! * 3n);
    expect(bumped!.maxPriorityFeePerGas!).toBeGreaterThanOrEqual((stuck!.maxPriorityFeePerGas! * 1125n) / 1000n);
    // The node holds one transaction for the nonce: the replacement took the stuck one's place.
    expect(await provider.getTransaction(s.txHash!)).toBeNull();

    await chain.devnet.mine();
    const result = await s.final;
    expect(result).toMatchObject({ status: "confirmed", txHash: replacement, nonce: s.nonce, precededBy: 0 });
    expect(result.realizedProfit).toBe(opportunity.profit);
    expect(await provider.getTransactionReceipt(s.txHash!)).toBeNull();
    expect((await nonces()).latest).toBe(before.latest + 1);
    const { rows } = await pool.query<{ tx_hash: string; replaced_tx_hashes: string[]; status: string }>(
      "SELECT tx_hash, replaced_tx_hashes, status FROM trades WHERE id = $1",
      [s.id],
    );
    expect(rows[0]).toEqual({ tx_hash: replacement, replaced_tx_hashes: [s.txHash], status: "confirmed" });
  });

  it("with no block deadline (Arbitrum), a trade mined after its time deadline reverts in the contract", async () => {
    const { opportunity } = await createArbitrage(chain, provider);
    const ex = executor("live", { options: { deadlineBlocks: null, deadlineSeconds: 30 } });
    await ex.reconcile();
    const head = (await provider.getBlock("latest"))!;
    const s = await sent(await ex.submit(await order("live", opportunity)));
    const tx = await provider.getTransaction(s.txHash!);
    const args = new ExecutorCodec(abi).iface.decodeFunctionData("execute", tx!.data);
    expect(args[5]).toBe(2n ** 256n - 1n);
    expect(args[6]).toBe(BigInt(head.timestamp + 30));
    // The block comes a minute later (a slow sequencer): past the deadline, whatever block number it carries.
    await provider.send("evm_increaseTime", [60]);
    await chain.devnet.mine();
    const result = await s.final;
    expect(result.status).toBe("reverted");
    expect(result.realizedProfit).toBeNull();
    expect((await row(s.id))?.status).toBe("reverted");
  });

  it("declares an unbroadcast intent with no block deadline dropped only once its time deadline has passed", async () => {
    const { opportunity } = await createArbitrage(chain, provider);
    const dying = executor("live", { journal: killedAfter("recordIntent"), options: { deadlineBlocks: null } });
    await dying.reconcile();
    await expect(dying.submit(await order("live", opportunity))).rejects.toThrow(/killed after recordIntent/);
    const [stuck] = await journal.listInFlight(account);
    expect(stuck).toMatchObject({ deadlineBlock: null, deadlineAt: expect.any(Number) });
    const restarted = executor("live", { options: { deadlineBlocks: null } });
    // Blocks alone decide nothing here.
    await chain.devnet.mine(5);
    expect(await restarted.reconcile()).toEqual({ resolved: [], inFlight: 1 });
    await provider.send("evm_increaseTime", [120]);
    await chain.devnet.mine();
    expect(await restarted.reconcile()).toEqual({ resolved: [{ id: stuck!.id, status: "dropped" }], inFlight: 0 });
  });

  it("gives concurrent orders distinct consecutive nonces", async () => {
    const { opportunity } = await createArbitrage(chain, provider);
    const before = await nonces();
    const ex = executor("live");
    await ex.reconcile();
    const orders = await Promise.all([1, 2, 3].map(() => order("live", opportunity, 1n)));
    const submissions = await Promise.all(orders.map(async (o) => sent(await ex.submit(o))));
    expect(submissions.map((s) => s.nonce).sort((a, b) => a - b)).toEqual([0, 1, 2].map((i) => before.pending + i));
    await chain.devnet.mine();
    const results = await Promise.all(submissions.map((s) => s.final));
    // The first takes the arbitrage; the others find it gone and revert, but each used its own nonce.
    expect(results.map((r) => r.status).sort()).toEqual(["confirmed", "reverted", "reverted"]);
    expect((await nonces()).latest).toBe(before.latest + 3);
  });

  it("takes two deliveries of one order in hand at once for one trade: one sent, the other a duplicate, its nonce unspent", async () => {
    const { opportunity } = await createArbitrage(chain, provider);
    const before = await nonces();
    const ex = executor("live");
    await ex.reconcile();
    const o = await order("live", opportunity);
    // Both simulate side by side; the journal's one trade per opportunity refuses the second intent before its send.
    const both = await Promise.all([ex.submit(o), ex.submit(o)]);
    expect(both.map((s) => s.kind).sort()).toEqual(["duplicate", "sent"]);
    expect(await pendingTxCount()).toBe(1);
    await chain.devnet.mine();
    expect(await sent(both.find((s) => s.kind === "sent")!).then((s) => s.final)).toMatchObject({
      status: "confirmed",
    });
    // The duplicate wrote and sent nothing: the next order takes the nonce right after the sent trade's.
    const next = await createArbitrage(chain, provider);
    const s = await sent(await ex.submit(await order("live", next.opportunity)));
    expect(s.nonce).toBe(before.pending + 1);
    await chain.devnet.mine();
    await s.final;
  });

  it("signs a trade whose gas is known while the node simulates it, and sends that signature only past every gate", async () => {
    const key = privateKeySigner(chain.executorAccount.privateKey);
    const signatures: string[] = [];
    const signer: TxSigner = {
      address: key.address,
      signTransaction: async (tx) => {
        const raw = await key.signTransaction(tx);
        signatures.push(raw);
        return raw;
      },
    };
    let mode: Mode = "live";
    const ex = executor(async () => mode, { signer });
    await ex.reconcile();
    // The route's first trade: its gas is estimated, and it is signed at the send.
    const first = await createArbitrage(chain, provider);
    const s1 = await sent(await ex.submit(await order("live", first.opportunity)));
    expect(signatures.map((raw) => keccak256(raw))).toEqual([s1.txHash]);
    await chain.devnet.mine();
    await s1.final;
    // The same route again: signed once, beside its simulation, and that very transaction is sent.
    const second = await createArbitrage(chain, provider, undefined, first.opportunity.pools);
    const s2 = await sent(await ex.submit(await order("live", second.opportunity)));
    expect(signatures.map((raw) => keccak256(raw))).toEqual([s1.txHash, s2.txHash]);
    expect(s2.nonce).toBe(s1.nonce + 1);
    await chain.devnet.mine();
    expect(await s2.final).toMatchObject({ status: "confirmed", realizedProfit: second.opportunity.profit });
    // Signed ahead, then refused at the mode gate: the signature never leaves, and its nonce is the next trade's.
    const third = await createArbitrage(chain, provider, undefined, first.opportunity.pools);
    const before = await nonces();
    mode = "sim";
    const refused = await ex.handle(await order("live", third.opportunity));
    expect(refused).toMatchObject({ status: "rejected", txHash: null });
    expect(signatures).toHaveLength(3);
    expect(await pendingTxCount()).toBe(0);
    expect(await provider.getTransaction(keccak256(signatures[2]!))).toBeNull();
    mode = "live";
    const fourth = await createArbitrage(chain, provider);
    const s4 = await sent(await ex.submit(await order("live", fourth.opportunity)));
    expect(s4.nonce).toBe(before.pending);
    await chain.devnet.mine();
    expect(await s4.final).toMatchObject({ status: "confirmed" });
  });

  it("reserves nonces for transactions signed ahead in turn, behind the calls not prepared yet", async () => {
    const fresh = Wallet.createRandom().address.toLowerCase();
    const nm = new NonceManager(provider, journal, fresh);
    // Unknown until derived from the chain and the journal: nothing to sign ahead with.
    expect(nm.reserve()).toBeNull();
    expect(await nm.withNonce(plainSteps())).toBe(0);
    const a = nm.reserve()!;
    const b = nm.reserve()!;
    expect([a.nonce, b.nonce]).toEqual([1, 2]);
    // Released (twice: idempotent) when a's order joins the queue, which counts it from then on.
    a.release();
    a.release();
    const held = nm.withNonce(plainSteps());
    expect(nm.reserve()!.nonce).toBe(3);
    expect(await held).toBe(1);
  });

  it("journals a block's next transaction while the one before is broadcast, one journal write at a time", async () => {
    const nm = new NonceManager(provider, journal, Wallet.createRandom().address.toLowerCase());
    const events: string[] = [];
    let broadcastFirst!: () => void;
    const firstAtTheNode = new Promise<void>((r) => (broadcastFirst = r));
    let journalSecond!: () => void;
    const secondJournaled = new Promise<void>((r) => (journalSecond = r));
    const first = nm.withNonce({
      ...plainSteps(events),
      send: async (_p, n) => {
        events.push(`send ${n} starts`);
        await firstAtTheNode;
        events.push(`send ${n} done`);
        return n;
      },
    });
    const second = nm.withNonce({
      ...plainSteps(events),
      prepare: async (n) => {
        events.push(`prepare ${n} starts`);
        await secondJournaled;
        events.push(`prepare ${n} done`);
        return n;
      },
    });
    const third = nm.withNonce(plainSteps(events));
    await vi.waitFor(() => expect(events).toContain("prepare 1 starts"), { timeout: 5_000 });
    // The second is journaled while the first is at the node; the third waits for the second's journal write.
    expect([...events].sort()).toEqual(["prepare 0", "prepare 1 starts", "send 0 starts"]);
    journalSecond();
    await vi.waitFor(() => expect(events).toContain("prepare 2"), { timeout: 5_000 });
    expect(events).not.toContain("send 1");
    broadcastFirst();
    expect(await Promise.all([first, second, third])).toEqual([0, 1, 2]);
    expect(events.slice(3)).toEqual(["prepare 1 done", "prepare 2", "send 0 done", "send 1", "send 2"]);
  });

  it("abandons the transactions after one that was not sent, then takes the nonce the chain is at", async () => {
    const nm = new NonceManager(provider, journal, Wallet.createRandom().address.toLowerCase());
    const events: string[] = [];
    const refused = new Error("nonce too low");
    const first = nm.withNonce({ ...plainSteps(events), send: () => Promise.reject(refused) });
    const second = nm.withNonce(plainSteps(events));
    await expect(first).rejects.toBe(refused);
    // Prepared on nonce 1, which nothing can be mined on while nonce 0 is unused: undone, never broadcast.
    await expect(second).rejects.toThrow("abandoned 1 after: nonce too low");
    expect(events).toEqual(["prepare 0", "prepare 1", "abandon 1"]);
    // Derived afresh behind the gap, a redelivered order refused at its intent hands nonce 0 on: nothing waits behind
    // the gap any more.
    const duplicate = nm.withNonce({
      ...plainSteps(events),
      prepare: () => Promise.reject(new AlreadyJournaled("order already journaled")),
    });
    await expect(duplicate).rejects.toBeInstanceOf(AlreadyJournaled);
    expect(await nm.withNonce(plainSteps(events))).toBe(0);
  });

  it("hands the nonce of a transaction refused at its intent to the next one", async () => {
    const nm = new NonceManager(provider, journal, Wallet.createRandom().address.toLowerCase());
    expect(await nm.withNonce(plainSteps())).toBe(0);
    const duplicate = nm.withNonce({
      ...plainSteps(),
      prepare: () => Promise.reject(new AlreadyJournaled("order already journaled")),
    });
    const next = nm.withNonce(plainSteps());
    await expect(duplicate).rejects.toBeInstanceOf(AlreadyJournaled);
    expect(await next).toBe(1);
  });

  it("counts the transactions that touched the route's pools before it in the same block", async () => {
    const { opportunity } = await createArbitrage(chain, provider);
    const ex = executor("live");
    await ex.reconcile();
    const s = await sent(await ex.submit(await order("live", opportunity, 1n)));
    // A trader outbids the executor's tip on the route's first pool: it lands first in the block.
    await outbid(chain, provider, {
      trader: chain.markets.traders[3]!,
      pool: opportunity.pools[0]!,
      tokenIn: opportunity.tokens[1]!,
      amountIn: 10n ** 6n,
    });
    await chain.devnet.mine();
    const result = await s.final;
    expect(["confirmed", "reverted"]).toContain(result.status);
    expect(result.precededBy).toBe(1);
  });

  it("records a trade as dropped when another transaction takes its nonce", async () => {
    const { opportunity } = await createArbitrage(chain, provider);
    const ex = executor("live");
    await ex.reconcile();
    const s = await sent(await ex.submit(await order("live", opportunity)));
    // The same account replaces it (a higher fee on the same nonce), as a wallet "cancel" would.
    const wallet = new Wallet(chain.executorAccount.privateKey, provider);
    await wallet.sendTransaction({
      to: account,
      value: 0n,
      nonce: s.nonce,
      gasLimit: 21_000n,
      maxPriorityFeePerGas: 20_000_000_000n,
      maxFeePerGas: 200_000_000_000n,
    });
    await chain.devnet.mine();
    expect(await s.final).toMatchObject({ status: "dropped", realizedProfit: null, blockNumber: null });
    expect((await row(s.id))?.status).toBe("dropped");
    expect(await provider.getTransactionReceipt(s.txHash!)).toBeNull();
  });

  it("sends nothing while PostgreSQL is unreachable, and trades again once it is back", async () => {
    const url = new URL(db.url);
    const proxy = await startTcpProxy(url.hostname, Number(url.port || 5432));
    const flaky = createPgPool(proxy.url(db.url), 2);
    try {
      const ex = executor("live", { journal: new PgTradeJournal(flaky) });
      await ex.reconcile();
      const { opportunity } = await createArbitrage(chain, provider);
      const before = await nonces();
      await proxy.down();
      await expect(ex.submit(await order("live", opportunity))).rejects.toThrow();
      expect(await pendingTxCount()).toBe(0);
      expect(await nonces()).toEqual(before);

      await proxy.up();
      const s = await sent(await ex.submit(await order("live", opportunity)));
      expect(s.nonce).toBe(before.pending);
      await chain.devnet.mine();
      expect((await s.final).status).toBe("confirmed");
    } finally {
      await flaky.end();
      await proxy.close();
    }
  });

  it("reconciles a trade killed between journaling and broadcast as dropped, and reuses its nonce once", async () => {
    const { opportunity } = await createArbitrage(chain, provider);
    const before = await nonces();
    const dying = executor("live", { journal: killedAfter("recordIntent") });
    await dying.reconcile();
    await expect(dying.submit(await order("live", opportunity))).rejects.toThrow(/killed after recordIntent/);
    expect(await pendingTxCount()).toBe(0);
    const [stuck] = await journal.listInFlight(account);
    expect(stuck).toMatchObject({ status: "pending", nonce: before.pending });

    const restarted = executor("live");
    // Before its deadline the intent cannot be declared dead, and new live orders wait for it.
    expect(await restarted.reconcile()).toEqual({ resolved: [], inFlight: 1 });
    const waiting = (await restarted.handle(await order("live", opportunity)))!;
    expect(waiting.reason).toMatch(/not reconciled/);
    await chain.devnet.mine(3);

    // Past the deadline, the next live order reconciles first: the intent is dropped and its nonce reused.
    const { opportunity: next } = await createArbitrage(chain, provider);
    const s = await sent(await restarted.submit(await order("live", next)));
    expect((await row(stuck!.id))?.status).toBe("dropped");
    expect(s.nonce).toBe(before.pending);
    await chain.devnet.mine();
    expect((await s.final).status).toBe("confirmed");
    expect((await nonces()).latest).toBe(before.latest + 1);
  });

  /**
   * A live order `ex` fails with `error` after a journal write failed, leaving its row in flight with `broadcast`
   * transactions in the mempool; then the same executor's next order. That one settles the row first (to `status`),
   * goes out on nonce `nonceAfter` places past the failed one's, and confirms.
   */
  async function failedWriteThenNext(
    ex: Executor,
    error: RegExp | string,
    broadcast: number,
    status: string,
    nonceAfter: number,
  ): Promise<void> {
    const { opportunity } = await createArbitrage(chain, provider);
    const before = await nonces();
    await ex.reconcile();
    await expect(ex.submit(await order("live", opportunity))).rejects.toThrow(error);
    expect(await pendingTxCount()).toBe(broadcast);
    const [left] = await journal.listInFlight(account);
    expect(left).toMatchObject({ nonce: before.pending });

    const { opportunity: next } = await createArbitrage(chain, provider);
    const s = await sent(await ex.submit(await order("live", next)));
    expect((await row(left!.id))?.status).toBe(status);
    expect(s.nonce).toBe(before.pending + nonceAfter);
    await chain.devnet.mine();
    expect((await s.final).status).toBe("confirmed");
  }

  it("reuses at once the nonce of an intent whose write failed after its commit: no gap for the next trade", async () => {
    // The row left behind is dropped first (its transaction never went out), and its nonce is the next trade's. One
    // nonce beyond it, that trade would wait behind the gap and never be mined.
    const ex = executor("live", { journal: killedAfter("recordIntent", 1) });
    await failedWriteThenNext(ex, /killed after recordIntent/, 0, "dropped", 0);
  });

  it("reuses at once the nonce of a transaction the node refused when marking it dropped failed", async () => {
    const mempool = publicMempool(provider);
    let refusals = 1;
    const broadcaster: Broadcaster = {
      ...mempool,
      broadcast: (raw, target) =>
        refusals-- > 0 ? Promise.reject(new Error("txpool is full")) : mempool.broadcast(raw, target),
    };
    let failures = 1;
    const journalDown = journalWith({
      markFinal: (id, o) =>
        failures-- > 0 ? Promise.reject(new Error("connection terminated")) : journal.markFinal(id, o),
    });
    const ex = executor("live", { journal: journalDown, options: { broadcaster } });
    await failedWriteThenNext(ex, "connection terminated", 0, "dropped", 0);
  });

  it("settles a trade whose sent mark failed from the chain, without a restart", async () => {
    // No longer followed by the submission that failed: the next live order settles it first (mined meanwhile, with
    // the blocks that made the next opportunity), where before it stayed "sent" until a restart.
    const ex = executor("live", { journal: killedAfter("markSent", 1) });
    await failedWriteThenNext(ex, /killed after markSent/, 1, "confirmed", 1);
  });

  it("reconciles a trade killed between broadcast and receipt from its receipt, without sending it again", async () => {
    const { opportunity } = await createArbitrage(chain, provider);
    const before = await nonces();
    const dying = executor("live", { journal: killedAfter("markSent") });
    await dying.reconcile();
    await expect(dying.submit(await order("live", opportunity))).rejects.toThrow(/killed after markSent/);
    expect(await pendingTxCount()).toBe(1);

    const restarted = executor("live");
    expect(await restarted.reconcile()).toEqual({ resolved: [], inFlight: 1 });
    await chain.devnet.mine();
    const report = await restarted.reconcile();
    expect(report.inFlight).toBe(0);
    expect(report.resolved).toHaveLength(1);
    expect(report.resolved[0]!.status).toBe("confirmed");
    expect(await row(report.resolved[0]!.id)).toMatchObject({
      status: "confirmed",
      realizedProfit: opportunity.profit,
      precededBy: 0,
    });
    expect(await nonces()).toEqual({ latest: before.latest + 1, pending: before.pending + 1 });
  });

  it("simulates by the way the head came when the heads offer one, and broadcasts by the provider only", async () => {
    const { opportunity } = await createArbitrage(chain, provider);
    const overHttp: string[][] = [];
    const overSocket: string[][] = [];
    const http = recordingProvider(chain.devnet.provider, overHttp);
    // The scanner's socket, as HeadTicks is handed it: a second way to the same node, recorded apart.
    const socket = recordingProvider(chain.devnet.provider, overSocket);
    const heads = new HeadTicks();
    heads.seen(await chain.devnet.blockNumber(), (requests) => rpcBatch(socket, requests));
    try {
      const ex = executor("live", { provider: http, heads });
      await ex.reconcile();
      const o = await order("live", opportunity);
      overHttp.length = 0;
      const s = await sent(await ex.submit(o));
      expect(overSocket.filter((r) => r.includes("eth_call"))).toEqual([["eth_call", "eth_getBlockByNumber"]]);
      expect(overHttp.flat()).not.toContain("eth_call");
      expect(overHttp.flat()).toContain("eth_sendRawTransaction");
      expect(overSocket.flat()).not.toContain("eth_sendRawTransaction");
      await chain.devnet.mine();
      heads.seen(await chain.devnet.blockNumber());
      expect(await s.final).toMatchObject({ status: "confirmed", realizedProfit: opportunity.profit });
    } finally {
      http.destroy();
      socket.destroy();
    }
  });
});

describe("ExecutorService", () => {
  it("takes orders from the bus, sends them, and publishes each trade's outcome once", async () => {
    const { opportunity } = await createArbitrage(chain, provider);
    const bus = createMemoryBus();
    const outcomes: TradeOutcome[] = [];
    await bus.subscribe(tradesTopic, { group: "test", consumer: "t" }, async (t) => {
      outcomes.push(t);
    });
    const results: TradeResult[] = [];
    const service = new ExecutorService({ bus, executor: executor("live"), onTrade: (r) => results.push(r) });
    await service.start();
    const o = await order("live", opportunity);
    const seenAt = performance.timeOrigin + performance.now();
    await bus.publish(ordersTopic, { order: o, seenAt });
    // Redelivery of the same order: handled once.
    await bus.publish(ordersTopic, { order: o, seenAt });
    await expect.poll(() => service.inFlight, { interval: 5 }).toBe(1);
    await chain.devnet.mine();
    await service.stop();
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ status: "confirmed", realizedProfit: opportunity.profit, precededBy: 0 });
    expect(outcomes).toEqual([
      {
        tradeId: results[0]!.id,
        opportunityId: o.opportunityId,
        mode: "live",
        epoch: 1,
        status: "confirmed",
        netWei: opportunity.profit - results[0]!.gasCostWei!,
        routeReverted: false,
        // Wall-clock stamps, for the latency of processes that do not share a clock origin.
        simulatedAt: expect.any(Number),
        sentAt: expect.any(Number),
      },
    ]);
    expect(outcomes[0]!.sentAt!).toBeGreaterThanOrEqual(outcomes[0]!.simulatedAt!);
    await bus.close();
  });

  it("on stop, leaves a trade still in flight after the grace period to the next start's reconciliation", async () => {
    const { opportunity } = await createArbitrage(chain, provider);
    const bus = createMemoryBus();
    const results: TradeResult[] = [];
    const service = new ExecutorService({ bus, executor: executor("live"), onTrade: (r) => results.push(r) });
    await service.start();
    const o = await order("live", opportunity);
    await bus.publish(ordersTopic, { order: o, seenAt: performance.timeOrigin + performance.now() });
    await expect.poll(() => service.inFlight, { interval: 5 }).toBe(1);
    await service.stop(50);
    expect(results).toEqual([]);
    const [open] = await journal.listInFlight(account);
    expect(open).toMatchObject({ opportunityId: o.opportunityId, status: "sent" });

    await chain.devnet.mine();
    const next = executor("live");
    expect(await next.reconcile()).toEqual({ resolved: [{ id: open!.id, status: "confirmed" }], inFlight: 0 });
    await bus.close();
  });

  it("an order whose handling failed after its broadcast comes back from the in-process bus and is not sent again", async () => {
    const { opportunity } = await createArbitrage(chain, provider);
    const bus = createMemoryBus({ claimIdleMs: 50 });
    const before = await nonces();
    const service = new ExecutorService({ bus, executor: executor("live", { journal: killedAfter("markSent") }) });
    await service.start();
    const o = await order("live", opportunity);
    await bus.publish(ordersTopic, { order: o, seenAt: performance.timeOrigin + performance.now() });
    // The first delivery throws once the transaction is out; the second finds the journal's row and stops there.
    await expect.poll(() => service.handled, { interval: 5 }).toBe(2);
    expect(await bus.unfinished(ordersTopic, "executor")).toBe(0);
    await service.stop(0);
    await bus.close();
    expect(await pendingTxCount()).toBe(1);
    await chain.devnet.mine();
    expect(await nonces()).toEqual({ latest: before.latest + 1, pending: before.pending + 1 });
    // Settled here, so no later test starts with a trade in flight.
    expect((await executor("live").reconcile()).inFlight).toBe(0);
  });
});
