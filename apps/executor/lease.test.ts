import { randomUUID } from "node:crypto";
import type pg from "pg";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMigratedTestDatabase } from "../../test/support/postgres.ts";
import type { TestDatabase } from "../../test/support/postgres.ts";
import { startLocalChain } from "../chain/local-chain.ts";
import type { LocalChain } from "../chain/local-chain.ts";
import { FailoverProvider, eip1193Transport } from "../chain/rpc.ts";
import { createArbitrage } from "../chain/testing/arbitrage.ts";
import { loadArtifacts } from "../contracts/index.ts";
import type { Order } from "../domain/index.ts";
import { PgLeaseStore, PgTradeJournal, createPgPool } from "../store/index.ts";
import { Executor } from "./executor.ts";
import type { ExecutorDeps } from "./executor.ts";
import { ExecutorLease, LeaseLost } from "./lease.ts";
import type { Fence } from "./lease.ts";
import { privateKeySigner } from "./signer.ts";
import { orderFor } from "./testing/orders.ts";

let chain: LocalChain;
let provider: FailoverProvider;
let db: TestDatabase;
let pool: pg.Pool;
let store: PgLeaseStore;
let abi: ExecutorDeps["contract"]["abi"];

beforeAll(async () => {
  [chain, db] = await Promise.all([startLocalChain({ seed: 23 }), createMigratedTestDatabase()]);
  provider = new FailoverProvider([eip1193Transport("devnet", chain.devnet.provider)], { chainId: 31337 });
  pool = createPgPool(db.url);
  store = new PgLeaseStore(pool, "lease-test");
  abi = (await loadArtifacts()).ArbExecutor.abi;
});
afterAll(async () => {
  provider?.destroy();
  await pool?.end();
  await Promise.all([chain?.close(), db?.drop()]);
});

const account = () => `0x${randomUUID().replace(/-/g, "").padEnd(40, "0")}`;

describe("PgLeaseStore", () => {
  it("one holder at a time; the same holder renews its term; a new holder gets the next token after expiry", async () => {
    const key = account();
    // Terms long enough that a busy machine cannot let one run out between two statements; expiry is waited for.
    expect(await store.acquire(key, "us-east4", 3_000)).toEqual({ token: 1n });
    expect(await store.acquire(key, "us-west1", 3_000)).toBeNull();
    expect(await store.acquire(key, "us-east4", 3_000)).toEqual({ token: 1n });
    await expect.poll(() => store.acquire(key, "us-west1", 60_000), { interval: 100 }).toEqual({ token: 2n });
    // The old holder, back from a pause, is refused: its term is over.
    expect(await store.acquire(key, "us-east4", 300)).toBeNull();
    await store.release(key, { holder: "us-west1", token: 2n });
    expect(await store.acquire(key, "us-east4", 300)).toEqual({ token: 3n });
  });

  it("of many executors racing for a free lease, exactly one wins", async () => {
    const key = account();
    const grants = await Promise.all(Array.from({ length: 8 }, (_, i) => store.acquire(key, `region-${i}`, 60_000)));
    expect(grants.filter((g) => g !== null)).toEqual([{ token: 1n }]);
  });
});

describe("ExecutorLease", () => {
  it("the standby takes over when the leader stops renewing, and the leader learns it lost", async () => {
    const key = account();
    const events: string[] = [];
    const logged: { level: number; msg: string }[] = [];
    const log = pino({ level: "info" }, { write: (line: string) => logged.push(JSON.parse(line)) });
    const a = new ExecutorLease(store, key, { holder: "a", ttlMs: 600, renewMs: 100, log });
    const b = new ExecutorLease(store, key, { holder: "b", ttlMs: 600, renewMs: 100 });
    a.onChange((f) => events.push(`a:${f ? f.token : "lost"}`));
    b.onChange((f) => events.push(`b:${f ? f.token : "lost"}`));
    await a.start();
    await b.start();
    expect(a.current()).toEqual({ holder: "a", token: 1n });
    expect(b.current()).toBeNull();
    // A graceful stop hands over at once.
    await a.stop();
    await expect.poll(() => b.current(), { timeout: 5_000, interval: 20 }).toEqual({ holder: "b", token: 2n });
    await b.stop();
    expect(events).toEqual(["a:1", "a:lost", "b:2", "b:lost"]);
    // Stopping gives the lease up on purpose: an info line, not the warning an operator would chase.
    expect(logged.map((l) => [l.level, l.msg])).toEqual([
      [30, "signing lease acquired"],
      [30, "signing lease released"],
    ]);
  });
});

describe("the fence on the live path", () => {
  const liveOrder = async (): Promise<Order> =>
    orderFor(pool, provider, "live", (await createArbitrage(chain, provider)).opportunity);

  function executor(journal: PgTradeJournal, lease: ExecutorDeps["lease"]): Executor {
    return new Executor({
      provider,
      journal,
      readMode: async () => "live",
      contract: { address: chain.markets.executor.address, abi },
      account: chain.executorAccount.address,
      signer: privateKeySigner(chain.executorAccount.privateKey),
      feeOf: () => 30,
      lease,
    });
  }

  async function journaled(opportunityId: string): Promise<string[]> {
    const { rows } = await pool.query<{ status: string }>("SELECT status FROM trades WHERE opportunity_id = $1", [
      opportunityId,
    ]);
    return rows.map((r) => r.status);
  }

  it("a leader paused past its expiry journals nothing and broadcasts nothing, though it still believes it leads", async () => {
    const tag = `fence-${randomUUID()}`;
    const leases = new PgLeaseStore(pool, tag);
    const journal = new PgTradeJournal(pool, tag);
    const key = chain.executorAccount.address;
    const grant = await leases.acquire(key, "paused-leader", 200);
    if (!grant) throw new Error("no lease");
    // What the leader saw just before its process was paused: a valid fence.
    const stale: Fence = { holder: "paused-leader", token: grant.token };
    // Its term runs out while it is paused: the next leader gets in once the database's clock says so.
    await expect
      .poll(() => leases.acquire(key, "new-leader", 60_000), { interval: 50 })
      .toEqual({ token: grant.token + 1n });

    const o = await liveOrder();
    const pending = await provider.getTransactionCount(key, "pending");
    await expect(executor(journal, { current: () => stale }).submit(o)).rejects.toThrow(LeaseLost);
    expect(await journaled(o.opportunityId)).toEqual([]);
    expect(await provider.getTransactionCount(key, "pending")).toBe(pending);
  });

  it("a lease lost between the journal and the broadcast: the intent is marked dropped and nothing is sent", async () => {
    const tag = `fence-${randomUUID()}`;
    const leases = new PgLeaseStore(pool, tag);
    const key = chain.executorAccount.address;
    const grant = await leases.acquire(key, "leader", 60_000);
    if (!grant) throw new Error("no lease");
    const fence: Fence = { holder: "leader", token: grant.token };
    // Valid for the gate and the journal write, gone at the last check before the broadcast.
    let checks = 0;
    const lease = { current: () => (++checks <= 1 ? fence : null) };

    const o = await liveOrder();
    const pending = await provider.getTransactionCount(key, "pending");
    await expect(executor(new PgTradeJournal(pool, tag), lease).submit(o)).rejects.toThrow(/lost before the broadcast/);
    expect(await journaled(o.opportunityId)).toEqual(["dropped"]);
    expect(await provider.getTransactionCount(key, "pending")).toBe(pending);
  });

  it("a standby that does not hold the lease takes no order (it stays on the bus for the leader)", async () => {
    const o = await liveOrder();
    await expect(executor(new PgTradeJournal(pool, "standby"), { current: () => null }).submit(o)).rejects.toThrow(
      /does not hold the signing lease/,
    );
    expect(await journaled(o.opportunityId)).toEqual([]);
  });
});
