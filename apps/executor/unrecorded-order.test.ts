/**
 * An order whose decision record is gone (committed without waiting for the WAL flush, then lost in a crash, while its
 * message outlived it on the bus) is refused at the journal: nothing is written, nothing sent, its nonce stays free,
 * and its outcome goes on the bus as rejected, saying why.
 */
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryBus, ordersTopic, tradesTopic, type TradeOutcome } from "../bus/index.ts";
import type { LocalChain } from "../chain/local-chain.ts";
import type { FailoverProvider } from "../chain/rpc.ts";
import { createArbitrage } from "../chain/testing/arbitrage.ts";
import type { Order } from "../domain/index.ts";
import { ExecutorService } from "./service.ts";
import { devnetExecutor, openDevnetFixture, type DevnetFixture } from "./testing/devnet-executor.ts";
import { orderFor } from "./testing/orders.ts";

let fixture: DevnetFixture | undefined;
let chain: LocalChain;
let pool: pg.Pool;
let provider: FailoverProvider;

beforeAll(async () => {
  fixture = await openDevnetFixture(43);
  ({ chain, pool, provider } = fixture);
});

afterAll(async () => {
  await fixture?.close();
});

/** Rows the journal holds for an opportunity. */
async function rowsFor(opportunityId: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM trades WHERE opportunity_id = $1", [
    opportunityId,
  ]);
  return rows[0]?.n ?? 0;
}

const NO_RECORD = /has no decision record \(lost in a crash after it was published\): not journaled, nothing sent/;

/** `order` under an opportunity id nothing recorded. */
const unrecorded = (order: Order): Order => ({ ...order, opportunityId: `lost-${randomUUID()}` });

describe("an order without its decision record", () => {
  it("live: rejected at the journal, nothing sent, and the nonce goes to the next recorded order", async () => {
    const ex = await devnetExecutor(chain, provider, pool);
    await ex.reconcile();
    const account = chain.executorAccount.address;
    const { opportunity } = await createArbitrage(chain, provider);
    const recorded = await orderFor(pool, provider, "live", opportunity);
    const lost = unrecorded(recorded);
    const nonce = await provider.getTransactionCount(account, "pending");

    const s = await ex.submit(lost);
    expect(s.kind).toBe("done");
    if (s.kind !== "done") return;
    expect(s.result).toMatchObject({ status: "rejected", txHash: null, nonce: null, routeReverted: false });
    expect(s.result.reason).toMatch(NO_RECORD);
    expect(await provider.getTransactionCount(account, "pending")).toBe(nonce);
    expect(await rowsFor(lost.opportunityId)).toBe(0);

    const sent = await ex.submit(recorded);
    expect(sent).toMatchObject({ kind: "sent", nonce });
  });

  it("sim: rejected at the journal in place of its simulated row", async () => {
    const ex = await devnetExecutor(chain, provider, pool);
    const { opportunity } = await createArbitrage(chain, provider);
    const lost = unrecorded(await orderFor(pool, provider, "sim", opportunity));
    const s = await ex.submit(lost);
    expect(s).toMatchObject({ kind: "done", result: { status: "rejected" } });
    if (s.kind === "done") expect(s.result.reason).toMatch(NO_RECORD);
    expect(await rowsFor(lost.opportunityId)).toBe(0);
  });

  it("from the bus: its outcome is published once as rejected, and the order is not handed out again", async () => {
    const bus = createMemoryBus({ claimIdleMs: 50 });
    const ex = await devnetExecutor(chain, provider, pool);
    const service = new ExecutorService({ bus, executor: ex, consumer: "test" });
    const outcomes: TradeOutcome[] = [];
    await bus.subscribe(tradesTopic, { group: "test", consumer: "test" }, async (t) => void outcomes.push(t));
    await service.start();
    try {
      const { opportunity } = await createArbitrage(chain, provider);
      const lost = unrecorded(await orderFor(pool, provider, "live", opportunity));
      await bus.publish(ordersTopic, { order: lost, seenAt: Date.now() });
      await expect.poll(() => outcomes.length, { timeout: 10_000 }).toBe(1);
      expect(outcomes[0]).toMatchObject({ opportunityId: lost.opportunityId, status: "rejected", netWei: 0n });
      // Handled, not failed: a failed handling would be handed out again after 50 ms.
      await new Promise((r) => setTimeout(r, 200));
      expect(service.handled).toBe(1);
      expect(await bus.unfinished(ordersTopic, "executor")).toBe(0);
    } finally {
      await service.stop(0);
      await bus.close();
    }
  });
});
