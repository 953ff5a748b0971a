/**
 * One kill switch for every region (README, "One kill switch for every region"). Two real redis-servers stand for two
 * regions' Memorystores: region 1 is the primary (its Redis holds the authoritative control store, reached over TLS
 * with AUTH and a CA as the cloud variables name it), region 2 another region (its own Redis carries its bus). Each
 * region runs an orchestrator started by `runBot` from its env contract alone; region 2 runs the API. An operator
 * engages the kill switch through region 2's API, and the very next block halts both regions' orchestrators.
 */
import { Writable } from "node:stream";
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../test/support/postgres.ts";
import { deleteKeysWithPrefix, TEST_REDIS_URL, testKeyPrefix } from "../../../test/support/redis.ts";
import { until } from "../../../test/support/until.ts";
import { createRedisBus, opportunitiesTopic, type BlockOpportunities, type Bus } from "../../bus/index.ts";
import { startTlsRedis, type TlsRedis } from "../../connections/testing/tls-redis.ts";
import { SubjectKeyVault } from "../../audit/index.ts";
import { generateKeyFile, loadKeyMaterial, totpCode, UserDirectory } from "../../identity/index.ts";
import { runBot } from "./run-bot.ts";
import type { BotName } from "../bot.ts";

const quiet = new Writable({ write: (_chunk, _enc, done) => done() });
const addr = (n: number) => `0x${n.toString(16).padStart(40, "0")}`;
const BASE = addr(0xba5e);

/** A block with one candidate that passes every risk check: only a gate (kill switch) can stop its order. */
function block(region: string, blockNumber: number): BlockOpportunities {
  return {
    blockNumber,
    seenAt: performance.timeOrigin + performance.now(),
    rpcMs: 0,
    gasPriceWei: 1n,
    basePerNative: { [BASE]: { num: 1n, den: 1n } },
    candidates: [
      {
        id: `${region}:${blockNumber}`,
        blockNumber,
        baseToken: BASE,
        pools: [addr(blockNumber * 2 + (region === "r1" ? 0 : 1_000)), addr(blockNumber * 2 + 1)],
        tokens: [BASE, addr(0x70c), BASE],
        amountIn: 10n ** 18n,
        amountOut: 10n ** 18n + 10n ** 15n,
        profit: 10n ** 15n,
      },
    ],
  };
}

interface Running {
  stop(): Promise<void>;
  url(): string;
}

/** A bot as `orion run <bot>` starts it, in this process; resolves once /readyz answers 200. */
async function start(bot: BotName, env: Record<string, string>): Promise<Running> {
  const abort = new AbortController();
  let url = "";
  const done = runBot(bot, {
    // This file's ORION_HOME (test/support/orion-home.ts): the API's anchors go there, not to the checkout.
    env: { PORT: "0", LOG_LEVEL: "warn", ORION_HOME: process.env.ORION_HOME ?? "", ...env },
    signal: abort.signal,
    logTo: quiet,
    onListening: (u) => (url = u),
  });
  let failed: unknown = null;
  done.catch((err: unknown) => (failed = err));
  await until(async () => {
    if (failed) throw new Error(`${bot} failed: ${String(failed)}`);
    return url && (await fetch(`${url}/readyz`)).status === 200 ? true : undefined;
  }, `${bot} ready`);
  return {
    url: () => url,
    async stop() {
      abort.abort();
      await done;
    },
  };
}

describe("the kill switch across regions", () => {
  const prefix = testKeyPrefix();
  let primary: TlsRedis;
  let db: TestDatabase;
  let pool: pg.Pool;
  const running: Running[] = [];
  const buses: Bus[] = [];

  beforeAll(async () => {
    primary = await startTlsRedis({ plaintextToo: true });
    db = await createTestDatabase("orion_killswitch");
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
  }, 60_000);

  afterAll(async () => {
    for (const r of running.reverse()) await r.stop();
    for (const b of buses) await b.close();
    await pool?.end();
    await db?.drop();
    await primary?.stop();
    await deleteKeysWithPrefix(prefix);
  }, 60_000);

  it("engaged through one region's API, halts the next block in every region", async () => {
    const r1Url = `redis://:${primary.password}@127.0.0.1:${primary.plainPort}`;
    const r2Url = TEST_REDIS_URL;
    const common = { DATABASE_URL: db.url, ORION_KEY_PREFIX: prefix };
    // Region 2's bots name the primary's Memorystore the way the Region component does: host, port, CA, AUTH.
    const controlInPrimary = {
      ORION_CONTROL_REDIS_HOST: "127.0.0.1",
      ORION_CONTROL_REDIS_PORT: String(primary.tlsPort),
      ORION_CONTROL_REDIS_CA_CERT: primary.ca,
      ORION_CONTROL_REDIS_PASSWORD: primary.password,
    };
    const keyFile = await generateKeyFile();

    running.push(await start("orchestrator", { ...common, REDIS_URL: r1Url }));
    running.push(await start("orchestrator", { ...common, REDIS_URL: r2Url, ...controlInPrimary }));
    const api = await start("api", {
      ...common,
      REDIS_URL: r2Url,
      ...controlInPrimary,
      ORION_KEYS: JSON.stringify(keyFile),
    });
    running.push(api);

    const bus = {
      r1: createRedisBus({ url: r1Url, keyPrefix: prefix }),
      r2: createRedisBus({ url: r2Url, keyPrefix: prefix }),
    };
    buses.push(bus.r1, bus.r2);
    const decision = (id: string) =>
      until(async () => {
        const { rows } = await pool.query<{ decision: string }>("SELECT decision FROM opportunities WHERE id = $1", [
          id,
        ]);
        return rows[0]?.decision;
      }, `decision on ${id}`);

    await bus.r1.publish(opportunitiesTopic, block("r1", 100));
    await bus.r2.publish(opportunitiesTopic, block("r2", 100));
    expect(await decision("r1:100")).toBe("order");
    expect(await decision("r2:100")).toBe("order");

    const keys = await loadKeyMaterial(keyFile);
    const users = new UserDirectory(pool, new SubjectKeyVault(pool, keys.kek), keys.pepper);
    const email = "operator@example.com";
    const password = "correct horse battery staple";
    const { user, totpSecret } = await users.create({ email, role: "operator", password });
    await users.beginTotpEnrolment(user.id, totpSecret as string);
    await users.completeTotpEnrolment(user.id, new Date());
    const post = (path: string, body: unknown, token?: string) =>
      fetch(`${api.url()}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
    const login = await post("/auth/login", { email, password, totp: totpCode(totpSecret as string, new Date()) });
    expect(login.status).toBe(200);
    const { accessToken } = (await login.json()) as { accessToken: string };
    const engaged = await post("/killswitch", { engaged: true, reason: "incident 12" }, accessToken);
    expect(engaged.status).toBe(200);

    // The next block, in either region, is the first one the switch must stop.
    await bus.r1.publish(opportunitiesTopic, block("r1", 101));
    await bus.r2.publish(opportunitiesTopic, block("r2", 101));
    expect(await decision("r1:101")).toBe("kill-switch");
    expect(await decision("r2:101")).toBe("kill-switch");

    // One authoritative store: the switch lives in the primary's Redis, and region 2's own Redis holds no copy.
    const r1 = new Redis(r1Url);
    const r2 = new Redis(r2Url);
    try {
      expect(JSON.parse((await r1.hget(`${prefix}control:state`, "state")) ?? "{}")).toMatchObject({
        killSwitch: { engaged: true, reason: "incident 12" },
      });
      expect(await r2.exists(`${prefix}control:state`)).toBe(0);
    } finally {
      r1.disconnect();
      r2.disconnect();
    }
  }, 180_000);
});
