import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/support/postgres.ts";
import type { EoaIntent, UnsentTrade, UserOpIntent } from "../domain/index.ts";
import {
  createPgPool,
  DuplicateTrade,
  IllegalTransition,
  listTrades,
  migrate,
  PgTradeJournal,
  pnl,
  recordDecisions,
  StoreHealth,
  chainTag,
  nextEpoch,
  PgLeaseStore,
} from "./index.ts";
import { LeaseLost } from "../executor/lease.ts";
import { AlreadyJournaled, UnrecordedOrder } from "../executor/ports.ts";
import { orderOf, recordOrders } from "./testing/orders.ts";
import { startTcpProxy } from "./testing/tcp-proxy.ts";

const A = (n: number) => "0x" + n.toString(16).padStart(40, "0");
const ACCOUNT = A(0xacc);

let db: TestDatabase;
let pool: pg.Pool;
let journal: PgTradeJournal;
beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPgPool(db.url);
  await migrate(pool);
  journal = new PgTradeJournal(pool);
});
afterAll(async () => {
  await pool.end();
  await db.drop();
});

/** A live intent whose order is recorded, as the orchestrator records it before the executor sees it. */
async function intent(over: Partial<EoaIntent> = {}): Promise<EoaIntent> {
  const t: EoaIntent = {
    id: randomUUID(),
    opportunityId: `opp-${randomUUID()}`,
    mode: "live",
    epoch: 2,
    orderBlock: 10,
    baseToken: A(1),
    pools: [A(10), A(11)],
    tokens: [A(1), A(2), A(1)],
    amountIn: 10n ** 30n,
    predictedProfit: 123_456_789_012_345_678_901n,
    minProfit: 1n,
    account: ACCOUNT,
    nonce: 0,
    txHash: "0x" + "ab".repeat(32),
    deadlineBlock: 12,
    deadlineAt: 1_800_000_000,
    route: "eoa",
    ...over,
  };
  await recordOrders(pool, [orderOf(t)]);
  return t;
}

/** A simulated trade whose order is recorded. */
async function unsent(over: Partial<UnsentTrade> = {}): Promise<UnsentTrade> {
  const t: UnsentTrade = {
    id: randomUUID(),
    opportunityId: `opp-${randomUUID()}`,
    mode: "sim",
    epoch: 1,
    orderBlock: 10,
    baseToken: A(1),
    pools: [A(10), A(11)],
    tokens: [A(1), A(2), A(1)],
    amountIn: 5n,
    predictedProfit: 7n,
    minProfit: 1n,
    status: "simulated",
    blockNumber: 10,
    simulatedProfit: 7n,
    gasEstimate: 150_000n,
    reason: null,
    ...over,
  };
  await recordOrders(pool, [orderOf(t)]);
  return t;
}

describe("migrations", () => {
  it("create the trading tables and are idempotent", async () => {
    expect(await migrate(pool)).toEqual([]);
    const { rows } = await pool.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
    );
    expect(rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining(["opportunities", "orders", "trades", "pnl_by_epoch"]),
    );
  });

  it("the database itself refuses a sim trade that claims a broadcast", async () => {
    await expect(
      pool.query(
        `INSERT INTO trades (id, opportunity_id, mode, epoch, order_block, base_token, pools, tokens, amount_in,
           predicted_profit, min_profit, status, account, nonce, tx_hash)
         VALUES ($1, 'x', 'sim', 1, 1, 'a', '{}', '{}', 1, 1, 1, 'sent', 'a', 1, '0x1')`,
        [randomUUID()],
      ),
    ).rejects.toThrow(/sim_never_broadcasts/);
  });
});

describe("PgTradeJournal", () => {
  it("records a live intent as pending before broadcast, then sent, then final, with exact amounts", async () => {
    const t = await intent({ nonce: 1 });
    await journal.recordIntent(t);
    expect(await journal.tradeFor(t.opportunityId)).toMatchObject({ settled: false, trade: { id: t.id } });
    let inFlight = await journal.listInFlight(ACCOUNT.toUpperCase().replace("0X", "0x"));
    expect(inFlight).toEqual([{ ...t, status: "pending", replacedTxHashes: [] }]);
    await journal.markSent(t.id, t.txHash);
    await journal.markSent(t.id, t.txHash); // a retry is harmless
    inFlight = await journal.listInFlight(ACCOUNT);
    expect(inFlight[0]?.status).toBe("sent");
    const outcome = {
      status: "confirmed" as const,
      realizedProfit: t.predictedProfit,
      gasUsed: 180_000n,
      effectiveGasPrice: 3_000_000_007n,
      l1FeeWei: null,
      precededBy: 0,
      blockNumber: 11,
    };
    await journal.markFinal(t.id, outcome);
    await journal.markFinal(t.id, outcome); // reconciliation may repeat the executor's verdict
    expect(await journal.listInFlight(ACCOUNT)).toEqual([]);
    await expect(journal.markFinal(t.id, { ...outcome, status: "reverted" })).rejects.toBeInstanceOf(IllegalTransition);
    await expect(journal.markSent(t.id, t.txHash)).rejects.toBeInstanceOf(IllegalTransition);
    const [row] = (await listTrades(pool, "live", 2, new Date(0))).filter((r) => r.id === t.id);
    expect(row).toMatchObject({
      status: "confirmed",
      realizedProfit: t.predictedProfit,
      blockNumber: 11,
      precededBy: 0,
    });
  });

  it("refuses a second trade for one opportunity (AlreadyJournaled) and a second live trade on one nonce", async () => {
    const t = await intent({ nonce: 2 });
    await journal.recordIntent(t);
    // The executor's duplicate check: the insert itself, fenced or not, intent or unsent row, writing nothing.
    await expect(journal.recordIntent({ ...t, id: randomUUID(), nonce: 3 })).rejects.toBeInstanceOf(AlreadyJournaled);
    await expect(journal.recordSimulated(await unsent({ opportunityId: t.opportunityId }))).rejects.toBeInstanceOf(
      AlreadyJournaled,
    );
    const tag = `fence-${randomUUID()}`;
    const grant = await new PgLeaseStore(pool, tag).acquire(ACCOUNT, "leader", 60_000);
    if (!grant) throw new Error("no lease");
    await expect(
      new PgTradeJournal(pool, tag).recordIntent({ ...t, id: randomUUID() }, { holder: "leader", token: grant.token }),
    ).rejects.toBeInstanceOf(AlreadyJournaled);
    expect(await journal.tradeFor(t.opportunityId)).toMatchObject({ trade: { id: t.id, nonce: 2 } });
    // Another opportunity on a nonce in flight is not a redelivery: the nonce's own refusal.
    await expect(journal.recordIntent(await intent({ nonce: 2 }))).rejects.toBeInstanceOf(DuplicateTrade);
  });

  it("frees the nonce of a dropped intent for reuse and lists in-flight trades lowest nonce first", async () => {
    const account = A(0xbeef);
    const dropped = await intent({ account, nonce: 7 });
    await journal.recordIntent(dropped);
    await journal.markFinal(dropped.id, {
      status: "dropped",
      realizedProfit: null,
      gasUsed: null,
      effectiveGasPrice: null,
      l1FeeWei: null,
      precededBy: null,
      blockNumber: null,
    });
    const b = await intent({ account, nonce: 8 });
    const a = await intent({ account, nonce: 7 });
    await journal.recordIntent(b);
    await journal.recordIntent(a);
    expect((await journal.listInFlight(account)).map((t) => t.nonce)).toEqual([7, 8]);
  });

  it("records simulated and rejected trades and never lists them in flight", async () => {
    const s = await unsent();
    const r = await unsent({ status: "rejected", simulatedProfit: null, reason: "execution reverted: profit" });
    await journal.recordSimulated(s);
    await journal.recordSimulated(r);
    const rows = await listTrades(pool, "sim", 1, new Date(0));
    expect(rows.find((x) => x.id === r.id)).toMatchObject({ status: "rejected", reason: "execution reverted: profit" });
    expect(rows.find((x) => x.id === s.id)).toMatchObject({ status: "simulated", simulatedProfit: 7n, txHash: null });
  });
});

describe("the fenced intent (one statement under the signing lease)", () => {
  const leaseToken = async (id: string) =>
    (await pool.query<{ lease_token: string }>("SELECT lease_token FROM trades WHERE id = $1", [id])).rows[0]
      ?.lease_token;

  it("writes under the current lease with its token, and nothing under a stale or another holder's fence", async () => {
    const tag = `fence-${randomUUID()}`;
    const leases = new PgLeaseStore(pool, tag);
    const fenced = new PgTradeJournal(pool, tag);
    const grant = await leases.acquire(ACCOUNT, "leader", 60_000);
    if (!grant) throw new Error("no lease");
    const t = await intent({ nonce: 1 });
    await fenced.recordIntent(t, { holder: "leader", token: grant.token });
    expect(await leaseToken(t.id)).toBe(grant.token.toString());

    const stale = await intent({ nonce: 2 });
    await expect(fenced.recordIntent(stale, { holder: "leader", token: grant.token + 1n })).rejects.toBeInstanceOf(
      LeaseLost,
    );
    await expect(fenced.recordIntent(stale, { holder: "other", token: grant.token })).rejects.toBeInstanceOf(LeaseLost);
    await leases.release(ACCOUNT, { holder: "leader", token: grant.token });
    await expect(fenced.recordIntent(stale, { holder: "leader", token: grant.token })).rejects.toBeInstanceOf(
      LeaseLost,
    );
    expect(await fenced.tradeFor(stale.opportunityId)).toBeNull();
  });

  it("waits for a takeover in progress and then refuses: the lease row is locked against the write", async () => {
    const tag = `fence-${randomUUID()}`;
    const leases = new PgLeaseStore(pool, tag);
    const fenced = new PgTradeJournal(pool, tag);
    const grant = await leases.acquire(ACCOUNT, "leader", 60_000);
    if (!grant) throw new Error("no lease");
    // A new term being written (not yet committed) when the old leader journals.
    const takeover = await pool.connect();
    try {
      await takeover.query("BEGIN");
      await takeover.query("UPDATE executor_leases SET holder = 'next', token = token + 1 WHERE chain = $1", [tag]);
      const t = await intent({ nonce: 3 });
      let settled = false;
      const write = fenced.recordIntent(t, { holder: "leader", token: grant.token }).finally(() => (settled = true));
      write.catch(() => undefined);
      await new Promise((r) => setTimeout(r, 200));
      expect(settled).toBe(false);
      await takeover.query("COMMIT");
      await expect(write).rejects.toBeInstanceOf(LeaseLost);
      expect(await fenced.tradeFor(t.opportunityId)).toBeNull();
    } finally {
      takeover.release();
    }
  });
});

describe("the ERC-4337 route in the journal", () => {
  const SMART = A(0x5a);
  const userOp = async (over: Partial<UserOpIntent> = {}): Promise<UserOpIntent> => {
    const {
      txHash: _,
      route: __,
      ...base
    } = await intent({ account: SMART, nonce: Number(randomUUID().replace(/\D/g, "").slice(0, 12)) });
    return {
      ...base,
      route: "erc4337",
      userOpHash: "0x" + randomUUID().replace(/-/g, "").repeat(2),
      txHash: null,
      ...over,
    };
  };

  it("a live operation's row is durable with its user-operation hash before any transaction hash exists", async () => {
    const t = await userOp();
    await journal.recordIntent(t);
    expect(await journal.listInFlight(SMART)).toContainEqual({ ...t, status: "pending", replacedTxHashes: [] });
    await journal.markSent(t.id, null);
    await journal.markSent(t.id, null); // a retry is harmless
    const bundle = "0x" + "cd".repeat(32);
    const outcome = {
      status: "confirmed" as const,
      txHash: bundle,
      realizedProfit: 5n,
      gasUsed: 250_000n,
      effectiveGasPrice: 3_950n,
      l1FeeWei: null,
      precededBy: 0,
      blockNumber: 11,
    };
    await journal.markFinal(t.id, outcome);
    const row = (await listTrades(pool, "live", 2, new Date(0))).find((r) => r.id === t.id);
    expect(row).toMatchObject({
      route: "erc4337",
      userOpHash: t.userOpHash,
      txHash: bundle,
      gasCostWei: 987_500_000n,
      status: "confirmed",
    });
  });

  it("the database refuses a live operation without its hash, a hash on the EOA route, and one operation twice", async () => {
    const t = await userOp();
    const raw = (sql: string, params: unknown[]) => pool.query(sql, params);
    const insert = `INSERT INTO trades (id, opportunity_id, mode, epoch, order_block, base_token, pools, tokens, amount_in,
      predicted_profit, min_profit, status, account, nonce, tx_hash, route, user_op_hash)
      VALUES ($1, $2, 'live', 1, 1, $3, '{}', '{}', 1, 1, 1, 'pending', $3, $4, $5, $6, $7)`;
    await expect(raw(insert, [randomUUID(), randomUUID(), SMART, 1, null, "erc4337", null])).rejects.toThrow(
      /live_rows_carry_tx/,
    );
    await expect(raw(insert, [randomUUID(), randomUUID(), ACCOUNT, 901, "0x01", "eoa", "0x02"])).rejects.toThrow(
      /user_op_hash_only_on_erc4337/,
    );
    await journal.recordIntent(t);
    await expect(
      journal.recordIntent(await userOp({ userOpHash: t.userOpHash, nonce: t.nonce + 1 })),
    ).rejects.toBeInstanceOf(DuplicateTrade);
  });
});

describe("chain instances", () => {
  it("scope nonces and in-flight lists: a fresh devnet reuses account and nonce 0 without clashing", async () => {
    const older = new PgTradeJournal(pool, chainTag(31337, "0x" + "aa".repeat(32)));
    const fresh = new PgTradeJournal(pool, chainTag(31337, "0x" + "BB".repeat(32)));
    const account = A(0x5ca1e);
    const old = await intent({ account, nonce: 0 });
    await older.recordIntent(old);
    await fresh.recordIntent(await intent({ account, nonce: 0 }));
    await expect(fresh.recordIntent(await intent({ account, nonce: 0 }))).rejects.toBeInstanceOf(DuplicateTrade);
    expect((await older.listInFlight(account)).map((t) => t.id)).toEqual([old.id]);
    expect(await fresh.listInFlight(account)).toHaveLength(1);
  });

  it("a new single-process session starts after every recorded epoch", async () => {
    const { rows } = await pool.query<{ m: number }>("SELECT max(epoch)::int AS m FROM trades");
    expect(await nextEpoch(pool)).toBe((rows[0]?.m ?? 0) + 1);
  });
});

describe("decisions and P&L", () => {
  /** An opportunity of a block, decided at `epoch`, through `pools`. */
  const opportunityAt = (epoch: number, blockNumber: number, pools: string[]) => ({
    mode: "live" as const,
    epoch,
    blockNumber,
    baseToken: A(1),
    pools,
    tokens: [A(1), A(2), A(1)],
    amountIn: 100n,
    amountOut: 150n,
    profit: 50n,
    detectedAt: new Date(),
  });

  it("records opportunities with verdicts and orders once, even when a block is delivered twice", async () => {
    const base = opportunityAt(5, 30, [A(10), A(11)]);
    const decided = [
      { ...base, id: "o-1", decision: "order" },
      { ...base, id: "o-2", decision: "pool-already-ordered" },
    ];
    const order = {
      opportunityId: "o-1",
      mode: "live" as const,
      epoch: 5,
      blockNumber: 30,
      baseToken: A(1),
      pools: base.pools,
      tokens: base.tokens,
      amountIn: 100n,
      predictedProfit: 50n,
      minProfit: 40n,
    };
    await recordDecisions(pool, decided, [order]);
    await recordDecisions(pool, decided, [order]);
    const { rows } = await pool.query("SELECT id, decision, pools FROM opportunities WHERE epoch = 5 ORDER BY id");
    expect(rows).toEqual([
      { id: "o-1", decision: "order", pools: base.pools },
      { id: "o-2", decision: "pool-already-ordered", pools: base.pools },
    ]);
    const orders = await pool.query("SELECT opportunity_id, min_profit FROM orders WHERE epoch = 5");
    expect(orders.rows).toEqual([{ opportunity_id: "o-1", min_profit: "40" }]);
  });

  it("records a mixed route's protocols with its opportunity and order, and none for an all-V2 route", async () => {
    const protocols = ["uniswap-v3" as const, "uniswap-v2" as const];
    const base = opportunityAt(6, 31, [A(12), A(13)]);
    const order = { ...base, opportunityId: "m-1", predictedProfit: 50n, minProfit: 40n };
    await recordDecisions(
      pool,
      [
        { ...base, id: "m-1", decision: "order", protocols },
        { ...base, id: "m-2", decision: "pool-already-ordered" },
      ],
      [{ ...order, protocols }],
    );
    const opps = await pool.query("SELECT id, protocols FROM opportunities WHERE epoch = 6 ORDER BY id");
    expect(opps.rows).toEqual([
      { id: "m-1", protocols },
      { id: "m-2", protocols: null },
    ]);
    const orders = await pool.query("SELECT protocols FROM orders WHERE opportunity_id = 'm-1'");
    expect(orders.rows).toEqual([{ protocols }]);
  });

  it("commits a block's orders without waiting for the WAL flush, in that transaction only; other verdicts as usual", async () => {
    // What the session's setting is when each record's statement ends (its transaction commits right after).
    await pool.query(`CREATE TABLE commit_settings (at serial, synchronous_commit text);
      CREATE FUNCTION log_commit_setting() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO commit_settings (synchronous_commit) VALUES (current_setting('synchronous_commit')); RETURN NULL; END $$;
      CREATE TRIGGER orders_commit_setting AFTER INSERT ON orders FOR EACH STATEMENT EXECUTE FUNCTION log_commit_setting()`);
    const one = createPgPool(db.url, 1);
    try {
      const base = opportunityAt(7, 40, [A(14), A(15)]);
      const order = { ...base, opportunityId: "w-1", predictedProfit: 50n, minProfit: 40n };
      await recordDecisions(one, [{ ...base, id: "w-1", decision: "order" }], [order]);
      await recordDecisions(one, [{ ...base, id: "w-2", decision: "pool-already-ordered" }], []);
      const logged = await pool.query("SELECT synchronous_commit FROM commit_settings ORDER BY at");
      expect(logged.rows.map((r) => r.synchronous_commit)).toEqual(["off", "on"]);
      // Local to the transaction: the pooled session commits synchronously again afterwards.
      expect((await one.query("SHOW synchronous_commit")).rows).toEqual([{ synchronous_commit: "on" }]);
    } finally {
      await one.end();
      await pool.query(`DROP TRIGGER orders_commit_setting ON orders; DROP FUNCTION log_commit_setting();
        DROP TABLE commit_settings`);
    }
  });

  it("the journal refuses a trade whose order has no record, live or simulated, and takes it once it is recorded", async () => {
    const recorded = await intent({ account: A(0x0f), nonce: 1 });
    const t = { ...recorded, id: randomUUID(), opportunityId: `unrecorded-${randomUUID()}` };
    await expect(journal.recordIntent(t)).rejects.toBeInstanceOf(UnrecordedOrder);
    await expect(
      journal.recordSimulated({ ...(await unsent()), opportunityId: t.opportunityId }),
    ).rejects.toBeInstanceOf(UnrecordedOrder);
    const rows = async () =>
      (await pool.query("SELECT id FROM trades WHERE opportunity_id = $1", [t.opportunityId])).rows.map((r) => r.id);
    expect(await rows()).toEqual([]);
    await recordOrders(pool, [orderOf(t)]);
    await journal.recordIntent(t);
    expect(await rows()).toEqual([t.id]);
  });

  it("keeps P&L per mode and epoch: a new epoch starts at zero", async () => {
    for (const [profit, status] of [
      [10n, "confirmed"],
      [20n, "confirmed"],
      [null, "reverted"],
    ] as const) {
      const t = await intent({ epoch: 9, account: A(0x99), nonce: Number(profit ?? 0n) });
      await journal.recordIntent(t);
      await journal.markFinal(t.id, {
        status,
        realizedProfit: profit,
        gasUsed: 100n,
        // Each trade's own price: a reverted one on an OP-stack chain also paid its L1 data fee.
        effectiveGasPrice: status === "reverted" ? 9n : 7n,
        l1FeeWei: status === "reverted" ? 55n : null,
        precededBy: 0,
        blockNumber: 40,
      });
    }
    expect(await pnl(pool, "live", 9)).toMatchObject({
      confirmed: 2,
      reverted: 1,
      realizedProfit: 30n,
      gasUsed: 300n,
      gasCostWei: 700n + 700n + 900n + 55n,
    });
    expect(await pnl(pool, "live", 10)).toMatchObject({ confirmed: 0, realizedProfit: 0n });
    expect(await pnl(pool, "sim", 9)).toMatchObject({ confirmed: 0, realizedProfit: 0n });
  });
});

describe("PostgreSQL unreachable", () => {
  it("fails closed: health turns unhealthy, journal writes reject; recorded rows survive and service resumes", async () => {
    const url = new URL(db.url);
    const proxy = await startTcpProxy(url.hostname, Number(url.port || 5432));
    const flaky = createPgPool(proxy.url(db.url), 2);
    const flakyJournal = new PgTradeJournal(flaky);
    const health = new StoreHealth(flaky, 50);
    const changes: boolean[] = [];
    health.onChange((h) => changes.push(h));
    try {
      expect(await health.start()).toBe(true);
      const before = await intent({ account: A(0x77), nonce: 1 });
      await flakyJournal.recordIntent(before);

      await proxy.down();
      await expect.poll(() => health.healthy).toBe(false);
      await expect(flakyJournal.recordIntent(await intent({ account: A(0x77), nonce: 2 }))).rejects.toThrow();
      await expect(flakyJournal.listInFlight(A(0x77))).rejects.toThrow();

      await proxy.up();
      await expect.poll(() => health.healthy, { timeout: 5_000 }).toBe(true);
      expect((await flakyJournal.listInFlight(A(0x77))).map((t) => t.id)).toEqual([before.id]);
      expect(changes).toEqual([true, false, true]);
    } finally {
      health.stop();
      await flaky.end();
      await proxy.close();
    }
  });

  it("a dead port is unhealthy from the start", async () => {
    const dead = createPgPool("postgres://postgres@127.0.0.1:1/postgres", 1);
    const health = new StoreHealth(dead);
    expect(await health.start()).toBe(false);
    health.stop();
    await dead.end();
  });
});
