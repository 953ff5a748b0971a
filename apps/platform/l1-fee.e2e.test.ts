/**
 * The L1 data fee on an OP-stack chain (the devnet as EDR's `chainType: "op"`, with a real chain's fee scalars): the
 * cost model prices it from the chain's GasPriceOracle, every order's minimum profit covers it, and the journal keeps
 * what the receipt charged, so the trade's net result is exact.
 */
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMigratedTestDatabase, type TestDatabase } from "../../test/support/postgres.ts";
import { createMemoryBus, type BlockOpportunities } from "../bus/index.ts";
import {
  eip1193Transport,
  estimateL1Fee,
  FailoverProvider,
  l1FeeEstimator,
  startLocalChain,
  type LocalChain,
} from "../chain/index.ts";
import { createArbitrage } from "../chain/testing/arbitrage.ts";
import { loadArtifacts } from "../contracts/index.ts";
import { createMemoryControlStore } from "../control/index.ts";
import type { Candidate } from "../domain/index.ts";
import { Executor, ExecutorService, privateKeySigner, type TradeResult } from "../executor/index.ts";
import { decide, gasCostWei, OrchestratorService, RiskLedger } from "../orchestrator/index.ts";
import { DEFAULT_GAS_MODEL, EXECUTOR_TIP_WEI } from "../services/index.ts";
import { createPgPool, PgTradeJournal } from "../store/index.ts";

let chain: LocalChain;
let provider: FailoverProvider;
let db: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  [chain, db] = await Promise.all([startLocalChain({ seed: 55, chainType: "op" }), createMigratedTestDatabase()]);
  provider = new FailoverProvider([eip1193Transport("devnet", chain.devnet.provider)], { chainId: 31337 });
  pool = createPgPool(db.url);
});

afterAll(async () => {
  provider?.destroy();
  await pool?.end();
  await Promise.all([chain?.close(), db?.drop()]);
});

describe("the L1 data fee on an OP-stack chain", () => {
  it("is priced from the oracle, covered by every order's minimum profit, and journaled from the receipt", async () => {
    const { ArbExecutor } = await loadArtifacts();
    const contract = chain.markets.executor.address;
    const l1Fee = l1FeeEstimator(ArbExecutor.abi, 31337n);
    const [two, three] = [await estimateL1Fee(provider, l1Fee, 2), await estimateL1Fee(provider, l1Fee, 3)];
    // A longer route is a longer transaction: more bytes to post to L1.
    expect(two).toBeGreaterThan(0n);
    expect(three).toBeGreaterThan(two);

    const { opportunity } = await createArbitrage(chain, provider);
    const head = await provider.getBlockNumber();
    const gasPriceWei = BigInt((await provider.send("eth_gasPrice", [])) as string) + EXECUTOR_TIP_WEI;
    const block = (candidates: Candidate[], withL1: boolean): BlockOpportunities => ({
      blockNumber: head,
      seenAt: performance.timeOrigin + performance.now(),
      rpcMs: 0,
      gasPriceWei,
      ...(withL1 ? { l1FeeWeiByHops: { "2": two, "3": three } } : {}),
      basePerNative: { [opportunity.baseToken]: { num: 1n, den: 1n } },
      candidates,
    });
    const hops = opportunity.pools.length;
    const l2Gas = gasCostWei(hops, DEFAULT_GAS_MODEL, gasPriceWei);
    const l1 = hops === 2 ? two : three;

    // A route whose profit clears its L2 gas but not the L1 fee on top: ordered only by a model blind to L1.
    const control = createMemoryControlStore();
    const s = await control.switchMode("live", (await control.read()).version, "test");
    const thin: Candidate = {
      ...opportunity,
      id: "thin",
      blockNumber: head,
      profit: l2Gas + s.limits.minProfitAfterGasWei + l1 / 2n,
    };
    const verdict = (withL1: boolean) =>
      decide(
        {
          candidates: [thin],
          control: s,
          storeHealthy: true,
          market: {
            latestBlock: head,
            gasPriceWei,
            basePerNative: { [opportunity.baseToken]: { num: 1n, den: 1n } },
            ...(withL1 ? { l1FeeWeiByHops: { "2": two, "3": three } } : {}),
          },
          gas: DEFAULT_GAS_MODEL,
          now: new Date(),
        },
        new RiskLedger(),
      );
    expect(verdict(false).orders).toHaveLength(1);
    expect(verdict(true).rejections).toEqual([{ opportunityId: "thin", reason: "below-min-profit-after-gas" }]);

    // The real arbitrage through the pipeline: its minimum profit is L2 gas + L1 fee + the configured minimum.
    const bus = createMemoryBus();
    const orchestrator = new OrchestratorService({
      bus,
      control,
      storeHealthy: () => true,
      db: pool,
      gas: DEFAULT_GAS_MODEL,
    });
    const results: TradeResult[] = [];
    const executor = new Executor({
      provider,
      journal: new PgTradeJournal(pool),
      readMode: async () => (await control.read()).mode,
      contract: { address: contract, abi: ArbExecutor.abi },
      account: chain.executorAccount.address,
      signer: privateKeySigner(chain.executorAccount.privateKey),
      feeOf: () => 30,
    });
    const service = new ExecutorService({ bus, executor, onTrade: (r) => results.push(r) });
    await orchestrator.start();
    await service.start();
    const d = await orchestrator.handleBlock(block([{ ...opportunity, id: "real", blockNumber: head }], true));
    expect(d.orders).toHaveLength(1);
    expect(d.orders[0]!.minProfit).toBe(l2Gas + l1 + s.limits.minProfitAfterGasWei);
    await expect.poll(() => service.inFlight).toBe(1);
    await chain.devnet.mine();
    await expect.poll(() => results.length).toBe(1);
    const result = results[0]!;
    expect(result.status).toBe("confirmed");

    // What the chain charged: the receipt's L1 fee, journaled beside the gas, and never more than the estimate.
    const receipt = (await provider.send("eth_getTransactionReceipt", [result.txHash])) as {
      l1Fee: string;
      gasUsed: string;
      effectiveGasPrice: string;
    };
    const charged = BigInt(receipt.l1Fee);
    expect(charged).toBeGreaterThan(0n);
    expect(charged).toBeLessThanOrEqual(l1);
    const { rows } = await pool.query<{ l1_fee_wei: string }>("SELECT l1_fee_wei FROM trades WHERE id = $1", [
      result.id,
    ]);
    expect(rows[0]?.l1_fee_wei).toBe(charged.toString());
    const paid = BigInt(receipt.gasUsed) * BigInt(receipt.effectiveGasPrice) + charged;
    expect(result.gasCostWei).toBe(paid);
    // Net of everything the chain took, the trade still made at least the configured minimum.
    expect(result.realizedProfit! - paid).toBeGreaterThanOrEqual(s.limits.minProfitAfterGasWei);
    await service.stop(0);
    await orchestrator.stop();
    await bus.close();
  });
});
