import { Interface } from "ethers";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalChain } from "../chain/local-chain.ts";
import type { FailoverProvider, RpcTransport } from "../chain/rpc.ts";
import { createArbitrage } from "../chain/testing/arbitrage.ts";
import { PgTradeJournal } from "../store/index.ts";
import { ExecutorCodec, V2_FLASH_SWAP } from "./calldata.ts";
import { BACKSTOP_SECONDS } from "./deadline.ts";
import { Executor, type ExecutorDeps } from "./executor.ts";
import { gasLimitFor } from "./fee-policy.ts";
import { GasEstimates } from "./gas-estimates.ts";
import { EoaRoute } from "./routes/eoa.ts";
import { MinedTrades } from "./routes/mined.ts";
import { privateKeySigner } from "./signer.ts";
import { openDevnetFixture, type DevnetFixture } from "./testing/devnet-executor.ts";
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
/** The eth_calls limited to a gas amount: the re-checks of an earlier estimate. */
const gasChecks = () =>
  made("eth_call")
    .map((c) => (c.params[0] as { gas?: string }).gas)
    .filter((g): g is string => g !== undefined)
    .map(BigInt);

/** The EOA route without a signer (prepare only), whose routes are what `routeOf` says. */
function unsignedRoute(routeOf: () => { route: string; shape: string }) {
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
  });
  return { codec, route };
}

describe("the EOA route's gas limit", () => {
  it("re-checks a route's earlier estimate with one eth_call instead of estimating again", async () => {
    const account = chain.executorAccount.address;
    const ex = new Executor({
      provider,
      journal: new PgTradeJournal(pool),
      readMode: async () => "live",
      contract: { address: chain.markets.executor.address, abi },
      account,
      signer: privateKeySigner(chain.executorAccount.privateKey),
      feeOf: () => 30,
    });
    await ex.reconcile();
    const { opportunity } = await createArbitrage(chain, provider);
    calls.length = 0;
    const s1 = await ex.submit(await orderFor(provider, "live", opportunity));
    if (s1.kind !== "sent") throw new Error(`first order not sent: ${s1.kind}`);
    expect(made("eth_estimateGas")).toHaveLength(1);
    expect(gasChecks()).toEqual([]);

    // The same route again (its own amounts and deadlines): no estimate, one call limited to the first estimate.
    calls.length = 0;
    const s2 = await ex.submit(await orderFor(provider, "live", opportunity, 1n));
    if (s2.kind !== "sent") throw new Error(`second order not sent: ${s2.kind}`);
    expect(made("eth_estimateGas")).toEqual([]);
    const checked = gasChecks();
    expect(checked).toHaveLength(1);
    const tx1 = await provider.getTransaction(s1.txHash!);
    const tx2 = await provider.getTransaction(s2.txHash!);
    expect(tx1?.gasLimit).toBe(gasLimitFor(checked[0]!));
    expect(tx2?.gasLimit).toBe(tx1?.gasLimit);
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
    const order = await orderFor(provider, "live", opportunity);
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
    expect(gasChecks()).toEqual([cheapGas]);
    expect(made("eth_estimateGas")).toHaveLength(2);

    calls.length = 0;
    expect(await route.prepare(order, trade)).toMatchObject({ ok: true });
    expect(gasChecks()).toEqual([tradeGas]);
    expect(made("eth_estimateGas")).toEqual([]);
  });
});

describe("a route not estimated yet", () => {
  it("is re-checked with the last estimate of a route of its shape", async () => {
    let key = { route: "first route", shape: "their shape" };
    const { codec, route } = unsignedRoute(() => key);
    const { opportunity } = await createArbitrage(chain, provider);
    const order = await orderFor(provider, "live", opportunity);
    const trade = codec.encodeExecute(
      order,
      order.pools.map(() => 30),
      V2_FLASH_SWAP,
      null,
      null,
    );
    calls.length = 0;
    expect(await route.prepare(order, trade)).toMatchObject({ ok: true });
    expect(made("eth_estimateGas")).toHaveLength(1);
    key = { route: "second route", shape: "their shape" };
    calls.length = 0;
    expect(await route.prepare(order, trade)).toMatchObject({ ok: true });
    expect(made("eth_estimateGas")).toEqual([]);
    expect(gasChecks()).toHaveLength(1);
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
