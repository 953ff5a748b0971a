import { Interface } from "ethers";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalChain } from "../chain/local-chain.ts";
import type { FailoverProvider, RpcTransport } from "../chain/rpc.ts";
import { createArbitrage } from "../chain/testing/arbitrage.ts";
import { orderProtocols } from "../domain/index.ts";
import { PgTradeJournal } from "../store/index.ts";
import { ExecutorCodec, V2_FLASH_SWAP } from "./calldata.ts";
import { BACKSTOP_SECONDS } from "./deadline.ts";
import type { ExecutorDeps } from "./executor.ts";
import { gasLimitFor } from "./fee-policy.ts";
import { gasBudget } from "./gas-budget.ts";
import { GasEstimates } from "./gas-estimates.ts";
import { RECHECK_HEADROOM_BPS } from "./routes/call-gas.ts";
import { EoaRoute, type EoaRouteDeps } from "./routes/eoa.ts";
import { MinedTrades } from "./routes/mined.ts";
import { devnetExecutor, openDevnetFixture, type DevnetFixture } from "./testing/devnet-executor.ts";
import { orderFor } from "./testing/orders.ts";

let fixture: DevnetFixture | undefined;
let chain: LocalChain;
let pool: pg.Pool;
let abi: ExecutorDeps["contract"]["abi"];
/** Every JSON-RPC request the executor under test made, with its parameters. */
const calls: { method: string; params: unknown[] }[] = [];
let provider: FailoverProvider;

beforeAll(async () => {
  fixture = await openDevnetFixture(23, (devnet): RpcTransport => ({
    name: "devnet",
    send: (payloads, timeoutMs) => {
      for (const p of payloads) calls.push({ method: p.method, params: p.params as unknown[] });
      return devnet.send(payloads, timeoutMs);
    },
  }));
  ({ chain, pool, abi, provider } = fixture);
});

afterAll(async () => {
  await fixture?.close();
});

const made = (method: string) => calls.filter((c) => c.method === method);

/** A live executor on the devnet's ArbExecutor, through the counting provider. */
const liveExecutor = () => devnetExecutor(chain, provider, pool);
/** The eth_calls limited to a gas amount: the re-checks of an earlier estimate. */
const gasChecks = () =>
  made("eth_call")
    .map((c) => (c.params[0] as { gas?: string }).gas)
    .filter((g): g is string => g !== undefined)
    .map(BigInt);

/** The EOA route without a signer (prepare only), whose routes are what `routeOf` says. */
function unsignedRoute(routeOf: () => { route: string; shape: string }, more: Partial<EoaRouteDeps> = {}) {
  const codec = new ExecutorCodec(abi);
  const contract = chain.markets.executor.address;
  const route = new EoaRoute({
    provider,
    journal: new PgTradeJournal(pool),
    account: chain.executorAccount.address,
    contract,
    signer: null,
    routeOf,
    mined: new MinedTrades(provider, codec, contract.toLowerCase(), 0),
    fees: { type: "eip1559", minPriorityFeeWei: 0n },
    tip: 0n,
    gasLimit: null,
    ...more,
  });
  return { codec, route };
}

/** A fresh arbitrage's live order, and its call with no deadlines. */
async function arbitrageCall(codec: ExecutorCodec) {
  const { opportunity } = await createArbitrage(chain, provider);
  const order = await orderFor(pool, provider, "live", opportunity);
  const trade = codec.encodeExecute(
    order,
    order.pools.map(() => 30),
    V2_FLASH_SWAP,
    null,
    null,
  );
  return { order, trade };
}

describe("the EOA route's gas limit", () => {
  it("re-checks a route's earlier estimate with one eth_call instead of estimating again", async () => {
    const ex = await liveExecutor();
    await ex.reconcile();
    const { opportunity } = await createArbitrage(chain, provider);
    calls.length = 0;
    const s1 = await ex.submit(await orderFor(pool, provider, "live", opportunity));
    if (s1.kind !== "sent") throw new Error(`first order not sent: ${s1.kind}`);
    expect(made("eth_estimateGas")).toHaveLength(1);
    expect(gasChecks()).toEqual([]);

    // The same route again (its own amounts and deadlines): no estimate, and one execution of the trade, limited to
    // the first estimate: the simulation is the re-check.
    calls.length = 0;
    const s2 = await ex.submit(await orderFor(pool, provider, "live", opportunity, 1n));
    if (s2.kind !== "sent") throw new Error(`second order not sent: ${s2.kind}`);
    expect(made("eth_estimateGas")).toEqual([]);
    const checked = gasChecks();
    expect(checked).toHaveLength(1);
    expect(made("eth_call")).toHaveLength(1);
    const tx1 = await provider.getTransaction(s1.txHash!);
    const tx2 = await provider.getTransaction(s2.txHash!);
    // The re-check ran with the headroom over the estimate, and the limit sent is the margin over what it checked.
    expect(tx2?.gasLimit).toBe(gasLimitFor(checked[0]!));
    expect(tx1!.gasLimit).toBeLessThan(tx2!.gasLimit);
    await chain.devnet.mine();
    // The first takes the arbitrage; the second finds it gone and reverts in the contract, not out of gas.
    expect(await s1.final).toMatchObject({ status: "confirmed", realizedProfit: opportunity.profit });
    const second = await s2.final;
    expect(second.status).toBe("reverted");
    expect(second.gasUsed).toBeLessThan(tx2!.gasLimit);
  });

  it("estimates afresh when the earlier estimate no longer suffices, and keeps the new one", async () => {
    const contract = chain.markets.executor.address;
    // Every call counts as one route here, so a cheap call's estimate stands for an arbitrage's.
    const { codec, route } = unsignedRoute(() => ({ route: "one route", shape: "one shape" }));
    const { opportunity } = await createArbitrage(chain, provider);
    const order = await orderFor(pool, provider, "live", opportunity);
    const cheap = new Interface(abi).encodeFunctionData("owner");
    const trade = codec.encodeExecute(
      order,
      order.pools.map(() => 30),
      V2_FLASH_SWAP,
      order.blockNumber + 2,
      (await provider.getBlock(order.blockNumber))!.timestamp + BACKSTOP_SECONDS,
    );
    const estimate = async (data: string) =>
      BigInt(
        (await provider.send("eth_estimateGas", [
          { from: chain.executorAccount.address, to: contract, data },
          "latest",
        ])) as string,
      );
    const cheapGas = await estimate(cheap);
    const tradeGas = await estimate(trade);
    expect(tradeGas).toBeGreaterThan(cheapGas);

    calls.length = 0;
    expect(await route.prepare(order, cheap)).toMatchObject({ ok: true });
    expect(await route.prepare(order, trade)).toMatchObject({ ok: true });
    // The cheap call's estimate was tried for the trade, failed (out of gas), and the trade was estimated itself.
    expect(gasChecks()).toEqual([gasLimitFor(cheapGas, RECHECK_HEADROOM_BPS)]);
    expect(made("eth_estimateGas")).toHaveLength(2);

    calls.length = 0;
    expect(await route.prepare(order, trade)).toMatchObject({ ok: true });
    expect(gasChecks()).toEqual([gasLimitFor(tradeGas, RECHECK_HEADROOM_BPS)]);
    expect(made("eth_estimateGas")).toEqual([]);
  });
});

describe("an order whose route has an estimate", () => {
  it("that reverts within the known gas is simulated again without a limit, for the contract's reason", async () => {
    const ex = await liveExecutor();
    await ex.reconcile();
    const { opportunity } = await createArbitrage(chain, provider);
    const s1 = await ex.submit(await orderFor(pool, provider, "live", opportunity));
    if (s1.kind !== "sent") throw new Error(`first order not sent: ${s1.kind}`);
    await chain.devnet.mine();
    expect(await s1.final).toMatchObject({ status: "confirmed" });

    // The arbitrage is gone: the same route, limited to its estimate, reverts; the reason comes from a call without
    // the limit, and the route estimates afresh beside it as it would with no estimate (a revert there too).
    calls.length = 0;
    const s2 = await ex.submit(await orderFor(pool, provider, "live", opportunity));
    expect(s2).toMatchObject({ kind: "done", result: { status: "rejected", routeReverted: true } });
    if (s2.kind !== "done") return;
    expect(s2.result.reason).toMatch(/^InsufficientProfit|^reverted/);
    expect(s2.result.reason).not.toMatch(/gas/);
    expect(made("eth_call").map((c) => (c.params[0] as { gas?: string }).gas === undefined)).toEqual([false, true]);
    expect(made("eth_estimateGas")).toHaveLength(1);
  });

  it("is not checked again by the route once the simulation ran with that gas", async () => {
    const { codec, route } = unsignedRoute(() => ({ route: "a route", shape: "a shape" }));
    const { order, trade } = await arbitrageCall(codec);
    expect(route.knownGas(trade)).toBeNull();
    expect(await route.prepare(order, trade)).toMatchObject({ ok: true });
    const estimate = route.knownGas(trade);
    expect(estimate).toBeGreaterThan(0n);

    // Passed with the known gas: the limit is that gas plus the margin, with no request at all.
    calls.length = 0;
    expect(await route.prepare(order, trade, undefined, { gas: 1_000n, passed: true })).toMatchObject({ ok: true });
    expect(calls).toEqual([]);
    // Failed with it: estimated afresh, without re-checking the gas that just failed.
    expect(await route.prepare(order, trade, undefined, { gas: estimate!, passed: false })).toMatchObject({ ok: true });
    expect(made("eth_estimateGas")).toHaveLength(1);
    expect(gasChecks()).toEqual([]);
  });
});

describe("an order that comes with its block's header", () => {
  it("is timed from that header: the executor does not read it", async () => {
    const ex = await liveExecutor();
    await ex.reconcile();
    const { opportunity } = await createArbitrage(chain, provider);
    const order = await orderFor(pool, provider, "live", opportunity);
    const block = (await provider.getBlock(order.blockNumber))!;
    // A timestamp the node would not give, so the deadline shows where it came from.
    const header = { timestamp: block.timestamp - 5, baseFee: block.baseFeePerGas ?? 0n };
    calls.length = 0;
    const s = await ex.submit(order, header);
    if (s.kind !== "sent") throw new Error(`order not sent: ${s.kind}`);
    const blockReads = made("eth_getBlockByNumber").map((c) => c.params[0]);
    expect(blockReads).toEqual(["latest"]);
    const [intent] = (await new PgTradeJournal(pool).listInFlight(chain.executorAccount.address)).filter(
      (t) => t.id === s.id,
    );
    expect(intent?.deadlineAt).toBe(header.timestamp + BACKSTOP_SECONDS);
    await chain.devnet.mine();
    expect(await s.final).toMatchObject({ status: "confirmed" });
  });
});

describe("a route not estimated yet", () => {
  it("is re-checked with the last estimate of a route of its shape", async () => {
    let key = { route: "first route", shape: "their shape" };
    const { codec, route } = unsignedRoute(() => key);
    const { order, trade } = await arbitrageCall(codec);
    calls.length = 0;
    expect(await route.prepare(order, trade)).toMatchObject({ ok: true });
    expect(made("eth_estimateGas")).toHaveLength(1);
    key = { route: "second route", shape: "their shape" };
    calls.length = 0;
    expect(await route.prepare(order, trade)).toMatchObject({ ok: true });
    expect(made("eth_estimateGas")).toEqual([]);
    expect(gasChecks()).toHaveLength(1);
  });

  it("that needs a little more than that estimate is not estimated again", async () => {
    let key = { route: "first route", shape: "a shared shape" };
    const { codec, route } = unsignedRoute(() => key);
    const { order, trade } = await arbitrageCall(codec);
    expect(await route.prepare(order, trade)).toMatchObject({ ok: true });
    const estimate = route.knownGas(trade)!;
    // The same call with 64 more non-zero calldata bytes (ignored by the contract): 1,024 more gas than estimated.
    const dearer = trade + "ff".repeat(64);
    key = { route: "second route", shape: "a shared shape" };
    calls.length = 0;
    expect(await route.prepare(order, dearer)).toMatchObject({ ok: true });
    expect(made("eth_estimateGas")).toEqual([]);
    expect(gasChecks()).toEqual([estimate]);
  });
});

describe("a route not estimated yet, with its order's gas budget", () => {
  /** Per hop well above what a V2 swap takes here (about 60k with the flash swap's share). */
  const ROOMY = { fixed: 80_000n, perHop: 80_000n };

  it("is simulated within the budget and sent on it: one execution of the trade on the node, no estimate", async () => {
    const ex = await devnetExecutor(chain, provider, pool, undefined, undefined, undefined, { gasModel: ROOMY });
    await ex.reconcile();
    const { opportunity } = await createArbitrage(chain, provider);
    const order = await orderFor(pool, provider, "live", opportunity);
    calls.length = 0;
    const s = await ex.submit(order);
    if (s.kind !== "sent") throw new Error(`order not sent: ${s.kind}`);
    expect(made("eth_estimateGas")).toEqual([]);
    expect(made("eth_call")).toHaveLength(1);
    const budget = gasBudget(orderProtocols(order), "v2-flash-swap", ROOMY);
    expect(gasChecks()).toEqual([gasLimitFor(budget, RECHECK_HEADROOM_BPS)]);
    const tx = await provider.getTransaction(s.txHash!);
    expect(tx?.gasLimit).toBe(gasLimitFor(gasLimitFor(budget, RECHECK_HEADROOM_BPS)));
    await chain.devnet.mine();
    const final = await s.final;
    expect(final).toMatchObject({ status: "confirmed", realizedProfit: opportunity.profit });
    expect(final.gasUsed).toBeLessThan(budget);
  });

  it("that needs more is simulated again without a limit and estimated, and its estimate comes before the budget", async () => {
    // A budget no trade fits in: 31k, the intrinsic cost and little more.
    const ex = await devnetExecutor(chain, provider, pool, undefined, undefined, undefined, {
      gasModel: { fixed: 30_000n, perHop: 500n },
    });
    await ex.reconcile();
    const { opportunity } = await createArbitrage(chain, provider);
    calls.length = 0;
    const s1 = await ex.submit(await orderFor(pool, provider, "live", opportunity));
    if (s1.kind !== "sent") throw new Error(`first order not sent: ${s1.kind}`);
    // Out of gas within the budget, not a rejection: the call without a limit, and the estimate the trade went on.
    expect(made("eth_call").map((c) => (c.params[0] as { gas?: string }).gas === undefined)).toEqual([false, true]);
    expect(made("eth_estimateGas")).toHaveLength(1);

    calls.length = 0;
    const s2 = await ex.submit(await orderFor(pool, provider, "live", opportunity, 1n));
    if (s2.kind !== "sent") throw new Error(`second order not sent: ${s2.kind}`);
    expect(made("eth_estimateGas")).toEqual([]);
    // Nothing was mined since: the first trade's call estimates as it did when it was sent.
    const tx1 = (await provider.getTransaction(s1.txHash!))!;
    const estimate = BigInt(
      (await provider.send("eth_estimateGas", [
        { from: chain.executorAccount.address, to: tx1.to, data: tx1.data },
        "latest",
      ])) as string,
    );
    expect(tx1.gasLimit).toBe(gasLimitFor(estimate));
    // The second was checked against that estimate with the re-check's headroom, not against the budget.
    expect(gasChecks()).toEqual([gasLimitFor(estimate, RECHECK_HEADROOM_BPS)]);
    await chain.devnet.mine();
    expect(await s1.final).toMatchObject({ status: "confirmed", realizedProfit: opportunity.profit });
    expect((await s2.final).status).toBe("reverted");
  });

  it("is not given one with a profit-share bid, whose tip is spread over the gas limit", async () => {
    const budget = 300_000n;
    const plain = unsignedRoute(() => ({ route: "a bid's route", shape: "a bid's shape" }));
    const { trade } = await arbitrageCall(plain.codec);
    expect(plain.route.knownGas(trade, budget)).toBe(gasLimitFor(budget, RECHECK_HEADROOM_BPS));
    const bidding = unsignedRoute(() => ({ route: "a bid's route", shape: "a bid's shape" }), {
      bid: { shareBps: 5_000, profitToWei: (_token, amount) => amount },
    });
    expect(bidding.route.knownGas(trade, budget)).toBeNull();
  });
});

describe("gasBudget", () => {
  it("is the model's gas for the route with the chosen lender in place of the dearest", () => {
    const model = { fixed: 70_000n, perHop: 65_000n, perV3Hop: 165_000n, flashLoan: 135_000n };
    expect(gasBudget(["uniswap-v2", "uniswap-v2"], "v2-flash-swap", model)).toBe(200_000n);
    expect(gasBudget(["uniswap-v3", "uniswap-v2"], "balancer", model)).toBe(70_000n + 165_000n + 65_000n + 32_000n);
    expect(gasBudget(["uniswap-v3", "uniswap-v2"], "aave-v3", model)).toBe(70_000n + 165_000n + 65_000n + 135_000n);
  });
});

describe("GasEstimates", () => {
  it("forgets the least recently used route first", () => {
    const e = new GasEstimates(2);
    e.set("a", 1n);
    e.set("b", 2n);
    expect(e.get("a")).toBe(1n);
    e.set("c", 3n);
    expect([e.get("a"), e.get("b"), e.get("c"), e.size]).toEqual([1n, undefined, 3n, 2]);
  });
});
