/**
 * Two executor processes on one signing key (as two regions would run them), real PostgreSQL, real Redis, the devnet
 * over HTTP. The leader sends; kill -9 it with a trade in flight; the standby takes over within a few blocks,
 * reconciles that trade from the chain, and sends the next ones. No nonce is used twice, no trade is sent twice.
 */
import { spawn } from "node:child_process";
import type { ChildProcessWithoutNullStreams } from "node:child_process";
import { fileURLToPath } from "node:url";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMigratedTestDatabase } from "../../test/support/postgres.ts";
import type { TestDatabase } from "../../test/support/postgres.ts";
import { deleteKeysWithPrefix, TEST_REDIS_URL, testKeyPrefix } from "../../test/support/redis.ts";
import { createRedisBus, ordersTopic } from "../bus/index.ts";
import type { Bus } from "../bus/index.ts";
import { startLocalChain } from "../chain/local-chain.ts";
import type { LocalChain } from "../chain/local-chain.ts";
import { FailoverProvider, eip1193Transport } from "../chain/rpc.ts";
import { createArbitrage } from "../chain/testing/arbitrage.ts";
import { createPgPool } from "../store/index.ts";
import { orderFor } from "./testing/orders.ts";

const SCRIPT = fileURLToPath(new URL("./testing/executor-process.ts", import.meta.url));
/** Short enough for a quick takeover, long enough that two busy cores do not make the leader miss its renewals. */
const LEASE_TTL_MS = 4_000;
const BLOCK_MS = 1_000;

let chain: LocalChain;
let provider: FailoverProvider;
let db: TestDatabase;
let pool: pg.Pool;
let bus: Bus;
const prefix = testKeyPrefix();

interface LogLine {
  msg?: string;
  holder?: string;
  token?: string;
}

class ExecutorProcess {
  readonly lines: LogLine[] = [];
  readonly child: ChildProcessWithoutNullStreams;
  private stderr = "";

  constructor(readonly holder: string) {
    this.child = spawn(process.execPath, ["--import", import.meta.resolve("tsx"), SCRIPT], {
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        REDIS_URL: TEST_REDIS_URL,
        ORION_KEY_PREFIX: prefix,
        RPC_URL: chain.devnet.url ?? "",
        EXECUTOR_CONTRACT: chain.markets.executor.address,
        EXECUTOR_KEY: chain.executorAccount.privateKey,
        LEASE_HOLDER: holder,
        LEASE_TTL_MS: String(LEASE_TTL_MS),
        LOG_LEVEL: "info",
      },
    });
    let buffered = "";
    this.child.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const parts = buffered.split("\n");
      buffered = parts.pop() ?? "";
      for (const p of parts) if (p.trim()) this.lines.push(JSON.parse(p) as LogLine);
    });
    this.child.stderr.on("data", (c: Buffer) => (this.stderr += c.toString()));
  }

  /** Lease tokens this process held, in order. */
  get tokens(): bigint[] {
    return this.lines.filter((l) => l.msg === "signing lease acquired").map((l) => BigInt(l.token ?? "0"));
  }

  get leading(): boolean {
    const last = this.lines.filter((l) => l.msg === "signing lease acquired" || l.msg === "signing lease lost").at(-1);
    return last?.msg === "signing lease acquired";
  }

  get diagnostics(): string {
    return `${this.holder}: ${this.stderr.slice(-2000)}`;
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once("exit", r));
    this.child.kill(signal);
    await exited;
  }
}

let executors: ExecutorProcess[] = [];

beforeAll(async () => {
  [chain, db] = await Promise.all([startLocalChain({ seed: 41, listen: { port: 0 } }), createMigratedTestDatabase()]);
  provider = new FailoverProvider([eip1193Transport("devnet", chain.devnet.provider)], { chainId: 31337 });
  pool = createPgPool(db.url);
  bus = createRedisBus({ url: TEST_REDIS_URL, keyPrefix: prefix });
});

afterAll(async () => {
  await Promise.all(executors.map((e) => e.kill("SIGKILL")));
  await bus?.close();
  provider?.destroy();
  await pool?.end();
  await Promise.all([chain?.close(), db?.drop(), deleteKeysWithPrefix(prefix)]);
});

interface TradeRow {
  opportunity_id: string;
  status: string;
  nonce: string;
  tx_hash: string;
  lease_token: string;
}

async function trades(): Promise<TradeRow[]> {
  const { rows } = await pool.query<TradeRow>(
    "SELECT opportunity_id, status, nonce, tx_hash, lease_token FROM trades WHERE mode = 'live' ORDER BY nonce",
  );
  return rows;
}

async function statusOf(opportunityId: string): Promise<string | undefined> {
  return (await trades()).find((t) => t.opportunity_id === opportunityId)?.status;
}

/** Pushes a price off, publishes the order for the arbitrage it creates, and waits until the trade is broadcast. */
async function placeOrder(): Promise<string> {
  const order = await orderFor(pool, provider, "live", (await createArbitrage(chain, provider)).opportunity);
  const { opportunityId } = order;
  await bus.publish(ordersTopic, { order, seenAt: performance.timeOrigin + performance.now() });
  await expect
    .poll(() => statusOf(opportunityId), { timeout: 60_000, interval: 100 })
    .toBe("sent")
    .catch(async (err: unknown) => {
      // Why the order went otherwise (a rejection's reason), and what each executor said last.
      const { rows } = await pool.query("SELECT status, reason, verdict FROM trades WHERE opportunity_id = $1", [
        opportunityId,
      ]);
      const said = executors.map((e) => `${e.holder}: ${JSON.stringify(e.lines.slice(-5))}`).join("\n");
      throw new Error(`${String(err)}\n${JSON.stringify(rows)}\n${said}`);
    });
  return opportunityId;
}

async function trade(): Promise<string> {
  const id = await placeOrder();
  await chain.devnet.mine();
  await expect.poll(() => statusOf(id), { timeout: 60_000, interval: 100 }).toBe("confirmed");
  return id;
}

describe("one executor per signing key across regions", () => {
  it("kill -9 the leader mid-run: the standby takes over within a few blocks, reconciles, and sends on", async () => {
    executors = [new ExecutorProcess("us-central1"), new ExecutorProcess("us-east4")];
    await expect
      .poll(() => executors.filter((e) => e.leading).length, { timeout: 120_000, interval: 100 })
      .toBe(1)
      .catch((err: unknown) => {
        throw new Error(`${String(err)}\n${executors.map((e) => e.diagnostics).join("\n")}`);
      });
    const leader = executors.find((e) => e.leading) as ExecutorProcess;
    const standby = executors.find((e) => e !== leader) as ExecutorProcess;

    const beforeKill = [await trade(), await trade()];
    // The third is broadcast but not mined when its executor dies.
    const inFlight = await placeOrder();
    await leader.kill("SIGKILL");
    const killedAt = await provider.getBlockNumber();

    // Blocks keep coming, as on a real chain; the dead leader's transaction is mined in the first of them.
    let mining = true;
    const miner = (async () => {
      while (mining) {
        await chain.devnet.mine();
        await new Promise((r) => setTimeout(r, BLOCK_MS));
      }
    })();
    try {
      await expect.poll(() => standby.leading, { timeout: 60_000, interval: 50 }).toBe(true);
    } finally {
      mining = false;
      await miner;
    }
    const takeoverBlocks = (await provider.getBlockNumber()) - killedAt;
    console.log(`takeover after ${takeoverBlocks} blocks (${BLOCK_MS} ms each, lease TTL ${LEASE_TTL_MS} ms)`);
    expect(takeoverBlocks).toBeLessThanOrEqual(12);

    // The in-flight trade is reconciled from the chain by the new leader, who then sends the next ones.
    await expect.poll(() => statusOf(inFlight), { timeout: 60_000, interval: 100 }).toBe("confirmed");
    const afterKill = [await trade(), await trade()];

    const rows = await trades();
    // Every live trade is final; one trade per order.
    expect(rows.map((r) => r.status)).toEqual(["confirmed", "confirmed", "confirmed", "confirmed", "confirmed"]);
    expect(new Set(rows.map((r) => r.opportunity_id)).size).toBe(rows.length);
    // Each nonce once, in sequence, and each as the chain has it.
    const account = chain.executorAccount.address;
    const first = Number(rows[0]?.nonce);
    expect(rows.map((r) => Number(r.nonce))).toEqual([first, first + 1, first + 2, first + 3, first + 4]);
    expect(await provider.getTransactionCount(account, "latest")).toBe(first + 5);
    for (const r of rows) {
      const tx = await provider.getTransaction(r.tx_hash);
      expect(tx?.nonce).toBe(Number(r.nonce));
      expect(tx?.from.toLowerCase()).toBe(account);
    }
    // Who sent what: the dead leader's terms before the kill, the standby's after.
    const termOf = (id: string) => BigInt(rows.find((r) => r.opportunity_id === id)?.lease_token ?? "0");
    for (const id of [...beforeKill, inFlight]) expect(leader.tokens).toContain(termOf(id));
    for (const id of afterKill) expect(standby.tokens).toContain(termOf(id));
    expect(Math.min(...standby.tokens.map(Number))).toBeGreaterThan(Math.max(...leader.tokens.map(Number)));
    // Its waits are bounded by blocks and by the polls' own timeouts (2 min for two cold processes to start, on a busy
    // machine), not by vitest's 60 s for the whole test, which cut one clean clone's run short without saying where.
  }, 420_000);
});
