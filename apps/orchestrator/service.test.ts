import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type pg from "pg";
import { createMigratedTestDatabase, type TestDatabase } from "../../test/support/postgres.ts";
import { deleteKeysWithPrefix, TEST_REDIS_URL, testKeyPrefix } from "../../test/support/redis.ts";
import { createMemoryBus, ordersTopic, type BlockOpportunities, type Bus, type OrderEnvelope } from "../bus/index.ts";
import { createMemoryControlStore, createRedisControlStore, type ControlStore } from "../control/index.ts";
import type { Candidate } from "../domain/index.ts";
import { createPgPool, PgTradeJournal } from "../store/index.ts";
import { recordOrders } from "../store/testing/orders.ts";
import { startTcpProxy } from "../store/testing/tcp-proxy.ts";
import { PipelineMetrics } from "../metrics/index.ts";
import { OrchestratorService } from "./index.ts";

const A = (n: number) => "0x" + n.toString(16).padStart(40, "0");
const E = 10n ** 18n;
const GAS = { fixed: 50_000n, perHop: 50_000n };

let db: TestDatabase;
let pool: pg.Pool;
const prefix = testKeyPrefix();
const stores: ControlStore[] = [];
beforeAll(async () => {
  db = await createMigratedTestDatabase();
  pool = createPgPool(db.url);
});
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await pool.end();
  await db.drop();
  await deleteKeysWithPrefix(prefix);
});

function block(n: number): BlockOpportunities {
  return {
    blockNumber: n,
    seenAt: performance.timeOrigin + performance.now(),
    rpcMs: 0.5,
    gasPriceWei: 10n ** 9n,
    basePerNative: { [A(1)]: { num: 1n, den: 1n } },
    candidates: [
      {
        id: `${n}:a`,
        blockNumber: n,
        baseToken: A(1),
        pools: [A(10), A(11)],
        tokens: [A(1), A(2), A(1)],
        amountIn: E,
        amountOut: E + E / 100n,
        profit: E / 100n,
      },
      {
        id: `${n}:b`,
        blockNumber: n,
        baseToken: A(1),
        pools: [A(11), A(12)],
        tokens: [A(1), A(2), A(1)],
        amountIn: E,
        amountOut: E + E / 200n,
        profit: E / 200n,
      },
    ],
  };
}

async function harness(control: ControlStore, db: pg.Pool | null, healthy = () => true) {
  const bus = createMemoryBus();
  const published: OrderEnvelope[] = [];
  await bus.subscribe(ordersTopic, { group: "executor", consumer: "t" }, async (o) => void published.push(o));
  const svc = new OrchestratorService({ bus, control, storeHealthy: healthy, db, gas: GAS });
  return { svc, published, bus };
}

describe("orchestrator service", () => {
  it("reads the mode from Redis, records every verdict, and publishes the best order per pool", async () => {
    const control = createRedisControlStore({ url: TEST_REDIS_URL, keyPrefix: prefix });
    stores.push(control);
    const s = await control.read();
    await control.switchMode("live", s.version, "test");
    const { svc, published, bus } = await harness(control, pool);
    const header = { timestamp: 1_700_000_010, baseFeeWei: 7n * 10n ** 8n };
    const d = await svc.handleBlock({ ...block(10), header });
    await bus.close();
    expect(d.orders.map((o) => [o.opportunityId, o.mode, o.epoch])).toEqual([["10:a", "live", 2]]);
    expect(d.rejections).toEqual([{ opportunityId: "10:b", reason: "pool-already-ordered" }]);
    // The order goes with its block's header, for the executor to time and price it without reading it.
    expect(published.map((p) => [p.order.opportunityId, p.header])).toEqual([["10:a", header]]);
    const { rows } = await pool.query(
      "SELECT id, decision, mode, epoch FROM opportunities WHERE block_number = 10 ORDER BY id",
    );
    expect(rows).toEqual([
      { id: "10:a", decision: "order", mode: "live", epoch: 2 },
      { id: "10:b", decision: "pool-already-ordered", mode: "live", epoch: 2 },
    ]);
  });

  it("publishes an order only once its own record and its opportunity's are in PostgreSQL", async () => {
    const control = createRedisControlStore({ url: TEST_REDIS_URL, keyPrefix: prefix });
    stores.push(control);
    const s = await control.read();
    if (s.mode !== "live") await control.switchMode("live", s.version, "test");
    const bus = createMemoryBus();
    const seen: { order: number; opportunity: string | undefined }[] = [];
    await bus.subscribe(ordersTopic, { group: "executor", consumer: "t" }, async ({ order }) => {
      // Read on delivery, with no await before it: what the executor could rely on when the order reached it.
      const [o, opp] = await Promise.all([
        pool.query("SELECT 1 FROM orders WHERE opportunity_id = $1", [order.opportunityId]),
        pool.query<{ decision: string }>("SELECT decision FROM opportunities WHERE id = $1", [order.opportunityId]),
      ]);
      seen.push({ order: o.rowCount ?? 0, opportunity: opp.rows[0]?.decision });
    });
    const svc = new OrchestratorService({ bus, control, storeHealthy: () => true, db: pool, gas: GAS });
    await svc.handleBlock(block(15));
    await bus.close();
    expect(seen).toEqual([{ order: 1, opportunity: "order" }]);
  });

  it("counts every rejected candidate under its rule on /metrics", async () => {
    const metrics = new PipelineMetrics("orchestrator");
    const control = createMemoryControlStore({ mode: "live", epoch: 3 });
    const svc = new OrchestratorService({
      bus: createMemoryBus(),
      control,
      storeHealthy: () => true,
      db: null,
      gas: GAS,
      metrics,
    });
    const [a, b] = block(17).candidates as [Candidate, Candidate];
    // Three more candidates on the ordered pool, and one whose profit the gas eats.
    const more = [2, 3, 4].map((i) => ({ ...b, id: `17:${i}`, profit: E / 300n }));
    const poor = { ...a, id: "17:poor", pools: [A(20), A(21)], amountOut: E + 1n, profit: 1n };
    const d = await svc.handleBlock({ ...block(17), candidates: [a, b, ...more, poor] });
    const counted = (await metrics.rejections.get()).values.map((v) => [v.labels.reason, v.labels.epoch, v.value]);
    const expected = new Map<string, number>();
    for (const r of d.rejections) expected.set(r.reason, (expected.get(r.reason) ?? 0) + 1);
    expect(d.rejections).toHaveLength(5);
    expect(new Map(counted.map(([reason, , n]) => [reason, n]))).toEqual(expected);
    expect(counted.every(([, epoch]) => String(epoch) === "3")).toBe(true);
  });

  it("hands a block's orders to the bus together, in profit order, not one publish round trip after another", async () => {
    const memory = createMemoryBus();
    const calls: string[] = [];
    let inFlight = 0;
    let most = 0;
    // A bus whose every publish takes a round trip, as Redis's does.
    const bus: Bus = {
      ...memory,
      async publish(topic, value) {
        if (topic.name === ordersTopic.name) calls.push((value as OrderEnvelope).order.opportunityId);
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, 20));
        inFlight--;
        await memory.publish(topic, value);
      },
    };
    const control = createMemoryControlStore({ mode: "live", epoch: 1 });
    const svc = new OrchestratorService({ bus, control, storeHealthy: () => true, db: null, gas: GAS });
    const [a, b] = block(16).candidates as [Candidate, Candidate];
    // Two candidates on pools of their own, the second the more profitable.
    const d = await svc.handleBlock({
      ...block(16),
      candidates: [a, { ...b, pools: [A(13), A(14)], profit: E / 50n, amountOut: E + E / 50n }],
    });
    expect(d.orders.map((o) => o.opportunityId)).toEqual(["16:b", "16:a"]);
    expect(calls).toEqual(["16:b", "16:a"]);
    expect(most).toBe(2);
  });

  it("records a block's rejected verdicts a quarter block after its orders go, and any still waiting when it stops", async () => {
    const bus = createMemoryBus();
    await bus.subscribe(ordersTopic, { group: "executor", consumer: "t" }, async () => undefined);
    const scheduled: { run: () => void; delayMs: number }[] = [];
    const svc = new OrchestratorService({
      bus,
      control: createMemoryControlStore(),
      storeHealthy: () => true,
      db: pool,
      gas: GAS,
      schedule: (run, delayMs) => {
        scheduled.push({ run, delayMs });
        return { cancel: () => undefined };
      },
    });
    const verdicts = async (n: number) =>
      (
        await pool.query<{ id: string; decision: string }>(
          "SELECT id, decision FROM opportunities WHERE block_number = $1 ORDER BY id",
          [n],
        )
      ).rows;
    const t0 = performance.timeOrigin + performance.now();
    // The first block: no block time known yet, so everything is written before handleBlock returns, as before.
    await svc.handleBlock({ ...block(40), seenAt: t0 });
    expect(await verdicts(40)).toEqual([
      { id: "40:a", decision: "order" },
      { id: "40:b", decision: "pool-already-ordered" },
    ]);
    // 400 ms later: its order is recorded and published at once, its rejected verdict 100 ms later (a quarter block).
    const d = await svc.handleBlock({ ...block(41), seenAt: t0 + 400 });
    expect(scheduled.map((x) => x.delayMs)).toEqual([100]);
    const rejected = d.rejections.map((r) => r.opportunityId);
    expect(rejected.length).toBeGreaterThan(0);
    expect((await verdicts(41)).filter((r) => rejected.includes(r.id))).toEqual([]);
    scheduled[0]!.run();
    await svc.flushVerdicts();
    expect((await verdicts(41)).map((r) => r.id)).toEqual(["41:a", "41:b"]);
    // A block whose verdicts are still waiting when the service stops: stopping writes them.
    await svc.handleBlock({ ...block(42), seenAt: t0 + 800 });
    expect(scheduled).toHaveLength(2);
    await svc.stop();
    expect((await verdicts(42)).map((r) => r.id)).toEqual(["42:a", "42:b"]);
    // The timer firing after the flush writes nothing twice.
    scheduled[1]!.run();
    await svc.flushVerdicts();
    expect(await verdicts(42)).toHaveLength(2);
    await bus.close();
  });

  it("halts when the control store is unreachable (dead port): no order, never a fallback mode", async () => {
    const dead = createRedisControlStore({ url: "redis://127.0.0.1:1", keyPrefix: prefix });
    stores.push(dead);
    const { svc, published, bus } = await harness(dead, pool);
    const d = await svc.handleBlock(block(20));
    await bus.close();
    expect(d.halted).toBe("control-store-unavailable");
    expect(d.orders).toEqual([]);
    expect(published).toEqual([]);
  });

  it("fails closed when PostgreSQL is unreachable: no orders while unhealthy, and none whose record failed", async () => {
    const control = createRedisControlStore({ url: TEST_REDIS_URL, keyPrefix: prefix });
    stores.push(control);
    const url = new URL(db.url);
    const proxy = await startTcpProxy(url.hostname, Number(url.port || 5432));
    const flaky = createPgPool(proxy.url(db.url), 2);
    try {
      await proxy.down();
      // Health not yet noticed the outage: the record fails and the order is withheld.
      const unnoticed = await harness(control, flaky, () => true);
      const d1 = await unnoticed.svc.handleBlock(block(30));
      await unnoticed.bus.close();
      expect(d1.unrecorded).toBe(true);
      expect(unnoticed.published).toEqual([]);
      expect(unnoticed.svc.ledger.openExposureWei).toBe(0n);
      // Health noticed: nothing is even decided.
      const noticed = await harness(control, flaky, () => false);
      const d2 = await noticed.svc.handleBlock(block(31));
      await noticed.bus.close();
      expect(d2.halted).toBe("trade-store-unavailable");
      expect(noticed.published).toEqual([]);
      // Back: orders flow again.
      await proxy.up();
      const back = await harness(control, flaky, () => true);
      const d3 = await back.svc.handleBlock(block(32));
      await back.bus.close();
      expect(back.published.map((p) => p.order.opportunityId)).toEqual(["32:a"]);
      expect(d3.unrecorded).toBe(false);
    } finally {
      await flaky.end();
      await proxy.close();
    }
  });

  it("restores its risk ledger from the journal at start: open trades keep exposure and pools, the streak goes on", async () => {
    const prefix2 = testKeyPrefix();
    const control = createRedisControlStore({ url: TEST_REDIS_URL, keyPrefix: prefix2 });
    stores.push(control);
    const s = await control.read();
    await control.switchMode("live", s.version, "test");
    const first = await harness(control, pool);
    const d = await first.svc.handleBlock(block(40));
    await first.bus.close();
    const [order] = d.orders;
    if (!order) throw new Error("expected an order");
    const journal = new PgTradeJournal(pool, "restore-test");
    const intent = (opportunityId: string, nonce: number) => ({
      ...order,
      id: randomUUID(),
      opportunityId,
      mode: "live" as const,
      orderBlock: order.blockNumber,
      account: A(0xabc),
      nonce,
      txHash: "0x" + nonce.toString(16).padStart(64, "0"),
      deadlineBlock: 41,
      deadlineAt: null,
    });
    await journal.recordIntent(intent(order.opportunityId, 0));
    for (let i = 1; i <= 3; i++) {
      const t = intent(`failed-${prefix2}-${i}`, i);
      await recordOrders(pool, [{ ...order, opportunityId: t.opportunityId }]);
      await journal.recordIntent(t);
      await journal.markFinal(t.id, {
        status: "reverted",
        realizedProfit: null,
        gasUsed: 1n,
        effectiveGasPrice: 1n,
        l1FeeWei: null,
        precededBy: 0,
        blockNumber: 41,
      });
    }
    await deleteKeysWithPrefix(prefix2); // nothing else in Redis carries over: only the journal
    const again = createRedisControlStore({ url: TEST_REDIS_URL, keyPrefix: prefix2 });
    stores.push(again);
    const s2 = await again.read();
    await again.switchMode("live", s2.version, "test");
    const restarted = await harness(again, pool);
    await restarted.svc.start();
    expect(restarted.svc.ledger.openExposureWei).toBe(d.exposureWei[order.opportunityId]);
    expect(restarted.svc.ledger.isBusy(order.pools[0]!)).toBe(true);
    expect(restarted.svc.ledger.consecutiveFailures).toBe(3);
    expect((await restarted.svc.handleBlock(block(42))).halted).toBe("circuit-open");
    await restarted.svc.stop();
    await restarted.bus.close();
  });

  it("halts while Redis is down mid-session and resumes in the same mode and epoch once it is back", async () => {
    const redisUrl = new URL(TEST_REDIS_URL);
    const proxy = await startTcpProxy(redisUrl.hostname, Number(redisUrl.port || 6379));
    const keyPrefix = testKeyPrefix();
    const control = createRedisControlStore({ url: proxy.url(TEST_REDIS_URL), keyPrefix });
    stores.push(control);
    try {
      const s = await control.read();
      const live = await control.switchMode("live", s.version, "test");
      const { svc, published, bus } = await harness(control, pool);
      expect((await svc.handleBlock(block(50))).orders).toHaveLength(1);
      await proxy.down();
      const down = await svc.handleBlock(block(51));
      expect(down.halted).toBe("control-store-unavailable");
      expect(down.orders).toEqual([]);
      await proxy.up();
      let next = 52;
      await expect
        .poll(async () => (await svc.handleBlock(block(next++))).halted, {
          timeout: 10_000,
          interval: 200,
        })
        .toBeNull();
      await bus.close();
      expect(published[0]?.order).toMatchObject({ mode: "live", epoch: live.epoch });
      expect(published.every((p) => p.order.mode === "live" && p.order.epoch === live.epoch)).toBe(true);
    } finally {
      await proxy.close();
      await deleteKeysWithPrefix(keyPrefix);
    }
  });
});
