/**
 * `orion run executor` configured from its environment alone sends through a relay (issue 17 item 3, the cloud
 * half): ORION_RELAY_URL names the relay, the reputation key arrives as a file (ORION_RELAY_KEY_FILE, as Secret
 * Manager mounts it), ORION_BID_SHARE_BPS sets the bid. The relay on 127.0.0.1 builds the devnet's blocks; the
 * order the service takes off the bus lands as a bundle signed by the reputation key, never seen by the mempool.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { Wallet } from "ethers";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../test/support/postgres.ts";
import { deleteKeysWithPrefix, TEST_REDIS_URL, testKeyPrefix } from "../../../test/support/redis.ts";
import { createRedisBus, ordersTopic, tradesTopic, type Bus, type TradeOutcome } from "../../bus/index.ts";
import {
  devnetProfile,
  eip1193Transport,
  FailoverProvider,
  startLocalChain,
  type LocalChain,
} from "../../chain/index.ts";
import { createArbitrage } from "../../chain/testing/arbitrage.ts";
import { startLocalRelay, type LocalRelay } from "../../chain/local-relay.ts";
import { createRedisControlStore } from "../../control/index.ts";
import { discover } from "../../discover/index.ts";
import { orderFor } from "../../executor/testing/orders.ts";
import { runBot } from "./run-bot.ts";

const quiet = new Writable({ write: (_chunk, _enc, done) => done() });
const prefix = testKeyPrefix();
const reputation = Wallet.createRandom();

let chain: LocalChain;
let provider: FailoverProvider;
let relay: LocalRelay;
let db: TestDatabase;
let dir: string;
let bus: Bus;
const env: Record<string, string> = {};

beforeAll(async () => {
  [chain, db] = await Promise.all([startLocalChain({ seed: 33, listen: { port: 0 } }), createTestDatabase()]);
  provider = new FailoverProvider([eip1193Transport("devnet", chain.devnet.provider)], { chainId: 31337 });
  relay = await startLocalRelay(chain.devnet.provider);
  dir = await mkdtemp(join(tmpdir(), "orion-run-relay-"));
  // The devnet's profile names no relay: ORION_RELAY_URL is what sends this executor's trades to one.
  const profile = devnetProfile(chain.markets, 1_000);
  await writeFile(join(dir, "devnet.json"), JSON.stringify(profile));
  await discover({ profile, provider, out: join(dir, "pools.json"), minLiquidity: 1000n, progress: () => undefined });
  await writeFile(join(dir, "executor.key"), chain.executorAccount.privateKey + "\n", { mode: 0o600 });
  await writeFile(join(dir, "relay.key"), reputation.privateKey + "\n", { mode: 0o600 });
  const control = createRedisControlStore({ url: TEST_REDIS_URL, keyPrefix: prefix });
  await control.switchMode("live", (await control.read()).version, "test");
  await control.close();
  bus = createRedisBus({ url: TEST_REDIS_URL, keyPrefix: prefix });
  Object.assign(env, {
    PORT: "0",
    LOG_LEVEL: "warn",
    REDIS_URL: TEST_REDIS_URL,
    ORION_KEY_PREFIX: prefix,
    DATABASE_URL: db.url,
    // And the node's socket, as a cloud executor may have it: it takes its heads by subscription (ExecutorConfig.heads).
    RPC_URLS: `${chain.devnet.url},${chain.devnet.url!.replace(/^http/, "ws")}`,
    ORION_CHAIN: join(dir, "devnet.json"),
    ORION_POOLS: join(dir, "pools.json"),
    ORION_EXECUTOR_CONTRACT: chain.markets.executor.address,
    ORION_EXECUTOR_ACCOUNT: chain.executorAccount.address,
    ORION_SIGNER_KEY_FILE: join(dir, "executor.key"),
    ORION_RELAY_URL: relay.url,
    ORION_RELAY_KEY_FILE: join(dir, "relay.key"),
    ORION_BID_SHARE_BPS: "8000",
  });
}, 120_000);

afterAll(async () => {
  await bus?.close();
  provider?.destroy();
  await relay?.close();
  await Promise.all([chain?.close(), db?.drop(), deleteKeysWithPrefix(prefix)]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function pendingTxCount(): Promise<number> {
  const block = (await provider.send("eth_getBlockByNumber", ["pending", false])) as { transactions: string[] };
  return block.transactions.length;
}

describe("orion run executor with a relay from its env", () => {
  it("lands an order from the bus as a bundle signed by the reputation key, realizing its prediction", async () => {
    const abort = new AbortController();
    let url = "";
    const done = runBot("executor", { env, signal: abort.signal, logTo: quiet, onListening: (u) => (url = u) });
    let failed: unknown = null;
    done.catch((err: unknown) => (failed = err));
    const outcomes: TradeOutcome[] = [];
    const sub = await bus.subscribe(tradesTopic, { group: "test", consumer: "test" }, async (t) => {
      outcomes.push(t);
    });
    try {
      await expect
        .poll(async () => {
          if (failed) throw new Error(`executor failed: ${String(failed)}`);
          return url ? (await fetch(`${url}/readyz`)).status : 0;
        })
        .toBe(200);
      const { opportunity } = await createArbitrage(chain, provider);
      // Recorded as the orchestrator records it (the service migrated the database at start).
      const recorder = new pg.Pool({ connectionString: db.url, max: 1 });
      const order = await orderFor(recorder, provider, "live", opportunity, opportunity.profit / 10n).finally(() =>
        recorder.end(),
      );
      await bus.publish(ordersTopic, { order, seenAt: Date.now() });

      // Handed to the relay, not the mempool: the trade waits there for its block.
      await expect.poll(() => relay.pending()).toBe(1);
      expect(await pendingTxCount()).toBe(0);
      const head = await provider.getBlockNumber();
      const built = await relay.buildBlock();
      expect(built).toMatchObject({ number: head + 1, included: { signer: reputation.address.toLowerCase() } });
      // The bid: 80% of the profit over the gas limit, as the priority fee the relay ranks bundles by.
      expect(built.included?.bid).toBeGreaterThan(0n);

      // Final two blocks on top (the profile's confirmations).
      for (let i = 0; i < 2; i++) await relay.buildBlock();
      await expect.poll(() => outcomes.find((t) => t.opportunityId === order.opportunityId)?.status).toBe("confirmed");
      const check = new pg.Pool({ connectionString: db.url, max: 1 });
      try {
        const { rows } = await check.query<{ realized_profit: string; block_number: string }>(
          "SELECT realized_profit, block_number FROM trades WHERE opportunity_id = $1",
          [order.opportunityId],
        );
        expect(rows[0]).toEqual({ realized_profit: opportunity.profit.toString(), block_number: String(head + 1) });
      } finally {
        await check.end();
      }
    } finally {
      await sub.stop();
      abort.abort();
      await done;
    }
  }, 120_000);
});
