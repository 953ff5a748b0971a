import { randomUUID } from "node:crypto";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalChain } from "../chain/local-chain.ts";
import type { FailoverProvider, RpcTransport } from "../chain/rpc.ts";
import { createArbitrage } from "../chain/testing/arbitrage.ts";
import type { ExecutorOptions } from "./executor.ts";
import { HeadTicks } from "./heads.ts";
import { devnetExecutor, openDevnetFixture, type DevnetFixture } from "./testing/devnet-executor.ts";
import { orderFor } from "./testing/orders.ts";

let fixture: DevnetFixture | undefined;
let chain: LocalChain;
let pool: pg.Pool;
let provider: FailoverProvider;
/** The methods of every JSON-RPC request made through `provider`, and when each receipt lookup went. */
const methods: string[] = [];
const receiptLookAt: number[] = [];
/** Requests sent to the node (a batch is one), and those it has answered. */
let sends = 0;
let answered = 0;
/** While set, requests with an eth_call wait for it before they reach the node (`held` counts them). */
let hold: Promise<void> | null = null;
let held = 0;

beforeAll(async () => {
  fixture = await openDevnetFixture(29, (devnet): RpcTransport => ({
    name: "devnet",
    send: async (payloads, timeoutMs) => {
      sends++;
      for (const p of payloads) methods.push(p.method);
      if (payloads.some((p) => p.method === "eth_getTransactionReceipt")) receiptLookAt.push(performance.now());
      if (hold && payloads.some((p) => p.method === "eth_call")) {
        held++;
        await hold;
      }
      try {
        return await devnet.send(payloads, timeoutMs);
      } finally {
        answered++;
      }
    },
  }));
  ({ chain, pool, provider } = fixture);
});

afterAll(async () => {
  await fixture?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const receiptLooks = () => methods.filter((m) => m === "eth_getTransactionReceipt").length;

describe("HeadTicks", () => {
  it("wakes a waiter at the first head newer than it knew, at once if one came already, or at its timeout", async () => {
    const ticks = new HeadTicks();
    const woke: string[] = [];
    void ticks.next(-1, 10_000).then(() => woke.push("first head"));
    ticks.seen(7);
    await sleep(0);
    expect(woke).toEqual(["first head"]);
    // A head seen while the caller was busy (it knew 6): no waiting.
    await ticks.next(6, 10_000);
    // The same head again, or an older one, wakes nobody; only the timeout does.
    const started = performance.now();
    const waiting = ticks.next(7, 50);
    ticks.seen(7);
    ticks.seen(5);
    await waiting;
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    expect(ticks.latest).toBe(7);
  });

  it("offers the reads of the way the latest head came, and none once a head came without one", () => {
    const ticks = new HeadTicks();
    expect(ticks.reads).toBeNull();
    const socket = () => Promise.resolve([]);
    ticks.seen(3, socket);
    expect(ticks.reads).toBe(socket);
    // The socket closed and the heads are polled over HTTP: reads go by the provider again.
    ticks.seen(4);
    expect(ticks.reads).toBeNull();
  });

  it("waits a quarter of a block after the latest head, the block timed between the last two heads", async () => {
    const ticks = new HeadTicks();
    ticks.seen(1);
    await sleep(200);
    ticks.seen(2);
    const seenAt = performance.now();
    await ticks.pastHead();
    // About 50 ms: the block's own orders go to the node first.
    expect(performance.now() - seenAt).toBeGreaterThanOrEqual(45);
    // Already past that moment: at once.
    const started = performance.now();
    await ticks.pastHead();
    expect(performance.now() - started).toBeLessThan(20);
  });
});

/** An executor following on heads given by hand, and a trade it sent at the head its order was priced on. */
async function sentTrade(options: Omit<ExecutorOptions, "priorityFeeWei"> = {}) {
  const ticks = new HeadTicks();
  const ex = await devnetExecutor(chain, provider, pool, undefined, undefined, ticks, options);
  await ex.reconcile();
  const { opportunity } = await createArbitrage(chain, provider);
  const order = await orderFor(pool, provider, "live", opportunity);
  ticks.seen(order.blockNumber);
  const s = await ex.submit(order);
  if (s.kind !== "sent") throw new Error(`order not sent: ${s.kind}`);
  return { ticks, ex, order, opportunity, s };
}

describe("a sent trade followed on new heads", () => {
  it("is looked for once per head, not on a timer, and at least every half second should the heads stop", async () => {
    methods.length = 0;
    const looksBefore = receiptLookAt.length;
    const { ticks, ex, order, opportunity, s } = await sentTrade();
    const sentAt = performance.now();
    // No block the trade can be in yet: no look until a new head, or the full check half a second after the send (a
    // 20 ms timer would have looked about fifteen times; a look at once would queue in front of the block's next
    // orders at the node). Judged by when each look went, not by how late this test wakes on a busy machine.
    await expect.poll(receiptLooks, { timeout: 10_000 }).toBe(1);
    const first = receiptLookAt[looksBefore]!;
    expect(first - sentAt).toBeGreaterThanOrEqual(300);
    await sleep(first + 300 - performance.now());
    expect(receiptLookAt.slice(looksBefore).filter((t) => t < first + 300)).toEqual([first]);

    await chain.devnet.mine();
    ticks.seen(order.blockNumber + 1);
    expect(await s.final).toMatchObject({ status: "confirmed", realizedProfit: opportunity.profit });
    // The look at the new head, and the receipt's L1 fee read for the outcome.
    expect(receiptLooks()).toBe(3);

    // Heads that stop coming: the next trade is still found, by the full check every half second.
    const next = await createArbitrage(chain, provider);
    const second = await ex.submit(await orderFor(pool, provider, "live", next.opportunity));
    if (second.kind !== "sent") throw new Error(`order not sent: ${second.kind}`);
    await chain.devnet.mine();
    const started = performance.now();
    expect(await second.final).toMatchObject({ status: "confirmed" });
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("is not looked for while an order is in hand, so the lookups do not queue in front of its simulation", async () => {
    // The backstop (a look after fullCheckMs, even with an order in hand) out of the way of this test's 300 ms.
    const { ticks, ex, order, opportunity, s } = await sentTrade({ fullCheckMs: 10_000 });
    // The next order's simulation is held at the node while the trade is mined and its head comes.
    let release = () => {};
    hold = new Promise((resolve) => (release = resolve));
    held = 0;
    const next = ex.submit({ ...order, opportunityId: `opp-${randomUUID()}` });
    await expect.poll(() => held, { timeout: 10_000 }).toBe(1);
    await chain.devnet.mine();
    methods.length = 0;
    ticks.seen(order.blockNumber + 1);
    await sleep(300);
    expect(receiptLooks()).toBe(0);
    hold = null;
    release();
    await next;
    expect(await s.final).toMatchObject({ status: "confirmed", realizedProfit: opportunity.profit });
    expect(receiptLooks()).toBeGreaterThan(0);
  });

  it("looks a quarter block after each head, once the block's own orders are out, the look that finds it final too", async () => {
    // The backstop look (no head for fullCheckMs) is out of this test's way: on a busy machine its 500 ms default fired
    // while the test was late announcing a head, and that look, not the head's, came first after it.
    const { ticks, order, s } = await sentTrade({ confirmations: 2, fullCheckMs: 10_000 });
    const n = order.blockNumber;
    // Heads 400 ms apart: a quarter block is 100 ms.
    let last = performance.now();
    const head = async (number: number) => {
      await sleep(last + 400 - performance.now());
      ticks.seen(number);
      last = performance.now();
      return last;
    };
    const firstLook = (at: number) => receiptLookAt.find((t) => t >= at);
    await chain.devnet.mine();
    // Mined in n + 1, final at n + 3 (two confirmations): every look waits for the block's own orders.
    for (const number of [n + 1, n + 2]) {
      const answeredBefore = answered;
      const at = await head(number);
      await expect.poll(() => firstLook(at), { timeout: 5_000 }).toBeDefined();
      expect(firstLook(at)! - at).toBeGreaterThanOrEqual(90);
      // The look's two requests (the receipt, then the head's batch) answered before the next block is mined: on a
      // busy machine a look still in flight would otherwise find the trade final before its head is announced.
      await expect.poll(() => answered - answeredBefore, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
      await chain.devnet.mine();
    }
    const sent = sends;
    const at = await head(n + 3);
    expect(await s.final).toMatchObject({ status: "confirmed", blockNumber: n + 1 });
    expect(firstLook(at)! - at).toBeGreaterThanOrEqual(90);
    // Two requests settle it: the receipt, then the head, the block's hash, the pool logs and the raw receipt (its
    // L1 fee) as one batch.
    expect(sends - sent).toBe(2);
  });
});
