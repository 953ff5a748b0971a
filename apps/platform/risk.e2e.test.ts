/**
 * The orchestrator's risk memory against the real pipeline on the local chain: the day's loss, exact in wei from the
 * receipts' effective gas prices, is read back from the journal by a restarted orchestrator and still halts; and a
 * pool whose routes revert is quarantined on its own while the rest of the market trades and the breaker stays shut.
 */
import { Interface } from "ethers";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createMemoryBus, ordersTopic, tradesTopic, type BlockOpportunities } from "../bus/index.ts";
import { deploy, sendFromUnlocked, type FailoverProvider, type LocalChain } from "../chain/index.ts";
import { createArbitrage, outbid } from "../chain/testing/arbitrage.ts";
import { loadArtifacts } from "../contracts/index.ts";
import { createMemoryControlStore, type ControlStore, type RiskLimits } from "../control/index.ts";
import type { Candidate, Mode, Order } from "../domain/index.ts";
import { Executor, ExecutorService, privateKeySigner, type TradeResult } from "../executor/index.ts";
import { openDevnetFixture, type DevnetFixture } from "../executor/testing/devnet-executor.ts";
import { orderFor } from "../executor/testing/orders.ts";
import { OrchestratorService } from "../orchestrator/index.ts";
import { PgTradeJournal } from "../store/index.ts";

const GAS = { fixed: 50_000n, perHop: 50_000n };
const E18 = 10n ** 18n;

let fixture: DevnetFixture | undefined;
let chain: LocalChain;
let provider: FailoverProvider;
let pool: pg.Pool;
let abi: DevnetFixture["abi"];

beforeAll(async () => {
  fixture = await openDevnetFixture(44);
  ({ chain, provider, pool, abi } = fixture);
});

afterAll(async () => {
  await fixture?.close();
});

/** The pipeline after the scanner: orchestrator and executor on one bus, the executor on the devnet. */
async function pipeline(
  control: ControlStore,
  mode: Mode,
  withExecutor = true,
  over: { journal?: PgTradeJournal; claimIdleMs?: number } = {},
) {
  const bus = createMemoryBus(over.claimIdleMs === undefined ? {} : { claimIdleMs: over.claimIdleMs });
  const orchestrator = new OrchestratorService({ bus, control, storeHealthy: () => true, db: pool, gas: GAS });
  const results: TradeResult[] = [];
  const executor = new Executor({
    provider,
    journal: over.journal ?? new PgTradeJournal(pool),
    readMode: async () => (await control.read()).mode,
    contract: { address: chain.markets.executor.address, abi },
    account: chain.executorAccount.address,
    signer: mode === "live" ? privateKeySigner(chain.executorAccount.privateKey) : null,
    feeOf: () => 30,
  });
  const service = new ExecutorService({ bus, executor, onTrade: (r) => results.push(r) });
  await orchestrator.start();
  // Without the executor, orders are decided and published but nobody takes them: for checks of the decision alone.
  if (withExecutor) await service.start();
  return {
    bus,
    orchestrator,
    service,
    results,
    async stop() {
      await service.stop(0);
      await orchestrator.stop();
      await bus.close();
    },
  };
}

async function limited(control: ControlStore, over: Partial<RiskLimits>): Promise<void> {
  const s = await control.read();
  await control.setRiskLimits({ ...s.limits, ...over }, s.version, "test");
}

function blockOf(n: number, candidates: Candidate[], base: string): BlockOpportunities {
  return {
    blockNumber: n,
    seenAt: performance.timeOrigin + performance.now(),
    rpcMs: 0,
    // One wei per gas: every candidate clears the gas cost, so only the rules under test decide.
    gasPriceWei: 1n,
    basePerNative: { [base]: { num: 1n, den: 1n } },
    candidates,
  };
}

describe("the day's loss across a restart", () => {
  it("is exact in wei from each receipt's effective gas price, is read back from the journal, and still halts", async () => {
    const control = createMemoryControlStore();
    const s = await control.read();
    const { epoch } = await control.switchMode("live", s.version, "test");
    await limited(control, { maxConsecutiveFailures: 100 });
    const before = await pipeline(control, "live");
    const trader = chain.markets.traders[2]!;

    // Two trades that lose their race: a trader buys the route's first token first, with a higher tip, so each
    // trade is mined, reverts (InsufficientProfit) and pays for its gas.
    const hashes: string[] = [];
    for (let i = 0; i < 2; i++) {
      const { opportunity } = await createArbitrage(chain, provider);
      const order: Order = { ...(await orderFor(pool, provider, "live", opportunity)), epoch };
      const sent = before.results.length;
      await before.bus.publish(ordersTopic, { order, seenAt: performance.timeOrigin + performance.now() });
      await expect.poll(() => before.service.inFlight).toBe(1);
      await outbid(chain, provider, {
        trader,
        pool: opportunity.pools[0]!,
        tokenIn: opportunity.baseToken,
        amountIn: opportunity.amountIn,
      });
      await chain.devnet.mine();
      await expect.poll(() => before.results.length).toBe(sent + 1);
      const result = before.results[sent]!;
      expect(result.status).toBe("reverted");
      hashes.push(result.txHash!);
    }

    // What the chain charged, from the raw receipts: gas used times the effective gas price, nothing else.
    let loss = 0n;
    for (const hash of hashes) {
      const r = (await provider.send("eth_getTransactionReceipt", [hash])) as {
        gasUsed: string;
        effectiveGasPrice: string;
      };
      loss += BigInt(r.gasUsed) * BigInt(r.effectiveGasPrice);
      const { rows } = await pool.query<{ effective_gas_price: string }>(
        "SELECT effective_gas_price FROM trades WHERE tx_hash = $1",
        [hash],
      );
      expect(rows[0]?.effective_gas_price).toBe(BigInt(r.effectiveGasPrice).toString());
    }
    expect(loss).toBeGreaterThan(0n);
    await expect.poll(() => before.orchestrator.ledger.dailyLossWei(new Date())).toBe(loss);
    await before.stop();

    // A restart with the limit at exactly the loss: the new orchestrator reads the loss back and halts.
    await limited(control, { dailyLossLimitWei: loss });
    const after = await pipeline(control, "live", false);
    expect(after.orchestrator.ledger.dailyLossWei(new Date())).toBe(loss);
    const { opportunity } = await createArbitrage(chain, provider);
    const head = await provider.getBlockNumber();
    const candidate: Candidate = { ...opportunity, id: `loss-${head}`, blockNumber: head };
    const halted = await after.orchestrator.handleBlock(blockOf(head, [candidate], opportunity.baseToken));
    expect(halted.halted).toBe("daily-loss-limit");
    expect(halted.orders).toEqual([]);
    await after.stop();

    // One wei more of headroom, and the same restart trades: the figure read back is the loss to the wei.
    await limited(control, { dailyLossLimitWei: loss + 1n });
    const again = await pipeline(control, "live", false);
    const open = await again.orchestrator.handleBlock(
      blockOf(head, [{ ...candidate, id: `loss-${head}-again` }], opportunity.baseToken),
    );
    expect(open.halted).toBeNull();
    expect(open.orders).toHaveLength(1);
    await again.stop();
  });
});

describe("pool quarantine", () => {
  it("sets aside a pool whose routes revert, without opening the breaker, while other routes trade on", async () => {
    const { markets, devnet } = chain;
    const a = await loadArtifacts();
    const from = markets.traders[5]!;
    const rpc = devnet.provider;
    // A token that refuses every transfer but its minter's, paired with the base token on two DEXes at different
    // prices: a route through both pairs quotes a profit, and every swap out of them reverts.
    await devnet.setAutomine(true);
    const quirky = new Interface(a.QuirkyToken.abi);
    const blk = await deploy(rpc, from, a.QuirkyToken.bytecode, quirky, ["BLK", 0, true]);
    const factory = new Interface(a.UniswapV2Factory.abi);
    const token = new Interface(a.TestToken.abi);
    const pair = new Interface(a.UniswapV2Pair.abi);
    const base = markets.baseToken;
    const pairs: string[] = [];
    for (const [dex, blkReserve] of [
      [markets.dexes[0]!, 10_000n * E18],
      [markets.dexes[1]!, 5_000n * E18],
    ] as const) {
      await sendFromUnlocked(rpc, from, dex.factory, factory.encodeFunctionData("createPair", [base, blk]));
      const got = (
        await provider.call({ to: dex.factory, data: factory.encodeFunctionData("getPair", [base, blk]) })
      ).toString();
      const address = String(factory.decodeFunctionResult("getPair", got)[0]).toLowerCase();
      await sendFromUnlocked(rpc, from, blk, token.encodeFunctionData("mint", [address, blkReserve]));
      await provider.send("eth_sendTransaction", [
        { from: markets.traders[0], to: base, data: token.encodeFunctionData("transfer", [address, 10n * E18]) },
      ]);
      await sendFromUnlocked(rpc, from, address, pair.encodeFunctionData("mint", [from]));
      pairs.push(address);
    }
    await devnet.setAutomine(false);

    const control = createMemoryControlStore();
    await limited(control, { maxConsecutiveFailures: 2 });
    const run = await pipeline(control, "sim");
    const ledger = run.orchestrator.ledger;
    const bad = (n: number): Candidate => ({
      id: `bad-${n}`,
      blockNumber: n,
      baseToken: base,
      pools: pairs,
      tokens: [base, blk, base],
      amountIn: E18 / 10n,
      amountOut: E18 / 10n + E18 / 100n,
      profit: E18 / 100n,
    });

    // Two blocks in a row whose only order goes through the bad pairs and reverts in the simulation. With a breaker
    // at two failures, counting both would halt all trading; the second is the pool's, and the pool is benched.
    for (let i = 0; i < 2; i++) {
      await chain.devnet.mine();
      const n = await provider.getBlockNumber();
      const d = await run.orchestrator.handleBlock(blockOf(n, [bad(n)], base));
      expect(d.orders.map((o) => o.opportunityId)).toEqual([`bad-${n}`]);
      // Settled once the trade's outcome came back over the bus and released the route's pools.
      await expect.poll(() => ledger.isBusy(pairs[0]!)).toBe(false);
    }
    expect(run.results.map((r) => [r.status, r.routeReverted])).toEqual([
      ["rejected", true],
      ["rejected", true],
    ]);
    expect(run.results[0]!.reason).toBe("Error(UniswapV2: TRANSFER_FAILED)");
    expect(ledger.consecutiveFailures).toBe(1);
    for (const p of pairs) expect(ledger.isQuarantined(p)).toBe(true);

    const { opportunity } = await createArbitrage(chain, provider);
    const n = await provider.getBlockNumber();
    const good: Candidate = { ...opportunity, id: `good-${n}`, blockNumber: n };
    const d = await run.orchestrator.handleBlock(blockOf(n, [bad(n), good], base));
    expect(d.halted).toBeNull();
    expect(d.rejections).toEqual([{ opportunityId: `bad-${n}`, reason: "pool-quarantined" }]);
    expect(d.orders.map((o) => o.opportunityId)).toEqual([good.id]);
    await expect.poll(() => run.results.length).toBe(3);
    expect(run.results[2]).toMatchObject({ status: "simulated", simulatedProfit: opportunity.profit });
    await run.stop();
  });
});

/** The journal of an executor whose handling of the first order it sends fails right after the broadcast. */
class FailsOnceAfterSend extends PgTradeJournal {
  private failed = false;
  override async markSent(id: string, txHash: string | null): Promise<void> {
    await super.markSent(id, txHash);
    if (this.failed) return;
    this.failed = true;
    throw new Error("the order's handling failed after the broadcast");
  }
}

describe("a redelivered order whose trade was sent", () => {
  it("publishes the trade's outcome once it is final, without a second send, and the ledger counts it once", async () => {
    const control = createMemoryControlStore();
    const s = await control.read();
    const { epoch } = await control.switchMode("live", s.version, "test");
    await limited(control, { maxConsecutiveFailures: 100 });
    const run = await pipeline(control, "live", true, { journal: new FailsOnceAfterSend(pool), claimIdleMs: 50 });
    const { ledger } = run.orchestrator;
    // Figures restored from the journal (earlier tests of this file): this trade must add to them exactly once.
    const lossBefore = ledger.dailyLossWei(new Date());
    const failuresBefore = ledger.consecutiveFailures;
    const settled = vi.spyOn(ledger, "settled");
    const account = chain.executorAccount.address;
    const nonceBefore = await provider.getTransactionCount(account, "pending");

    const { opportunity } = await createArbitrage(chain, provider);
    const order: Order = { ...(await orderFor(pool, provider, "live", opportunity)), epoch };
    const envelope = { order, seenAt: performance.timeOrigin + performance.now() };
    await run.bus.publish(ordersTopic, envelope);
    // The first delivery throws once the transaction is out; the redelivery finds it journaled and follows it.
    await expect.poll(() => run.service.handled).toBe(2);
    await expect.poll(() => run.service.inFlight).toBe(1);
    // It loses its race and reverts: a loss and a strike the orchestrator must hear of.
    await outbid(chain, provider, {
      trader: chain.markets.traders[3]!,
      pool: opportunity.pools[0]!,
      tokenIn: opportunity.baseToken,
      amountIn: opportunity.amountIn,
    });
    await chain.devnet.mine();
    await expect.poll(() => run.results.length).toBe(1);
    const result = run.results[0]!;
    expect(result).toMatchObject({ status: "reverted", nonce: nonceBefore });
    await expect.poll(() => settled.mock.calls.length).toBe(1);
    expect(settled.mock.calls[0]![0]).toMatchObject({ opportunityId: order.opportunityId, status: "reverted" });
    expect(ledger.dailyLossWei(new Date()) - lossBefore).toBe(result.gasCostWei);
    expect(ledger.consecutiveFailures).toBe(failuresBefore + 1);

    // Delivered once more, as if a handling had failed after the outcome was published: the outcome is read from the
    // journal and published again, and the trades topic drops the copy by trade id; still one send, one settlement.
    await run.service.handle(envelope);
    expect(run.results).toHaveLength(2);
    expect(run.results[1]).toMatchObject({ id: result.id, status: "reverted", gasCostWei: result.gasCostWei });
    expect(await run.bus.unfinished(tradesTopic, "orchestrator")).toBe(0);
    expect(settled).toHaveBeenCalledTimes(1);
    expect(ledger.dailyLossWei(new Date()) - lossBefore).toBe(result.gasCostWei);
    expect(await provider.getTransactionCount(account, "pending")).toBe(nonceBefore + 1);
    await run.stop();
  });
});
