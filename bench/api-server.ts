/**
 * The control plane as the API benchmarks load it, on 127.0.0.1 against real PostgreSQL and Redis (like the tests):
 * a migrated database of its own, a signed-in viewer, and the same server `orion api` runs. Also the yardstick, a bare
 * fastify route, so each run measures the machine's own ceiling at that moment.
 */
import Fastify from "fastify";
import { Redis } from "ioredis";
import pg from "pg";
import { SubjectKeyVault } from "../apps/audit/index.ts";
import { buildApi } from "../apps/api/index.ts";
import { createRedisControlStore } from "../apps/control/index.ts";
import {
  generateKeyFile,
  loadKeyMaterial,
  redisSessionState,
  type KeyFile,
  totpCode,
  UserDirectory,
} from "../apps/identity/index.ts";
import { migrate } from "../apps/store/migrate.ts";
import { createTestDatabase } from "../test/support/postgres.ts";
import { deleteKeysWithPrefix, TEST_REDIS_URL, testKeyPrefix } from "../test/support/redis.ts";

export interface BenchApi {
  url: string;
  /** A viewer's bearer token for the authenticated routes. */
  accessToken: string;
  pool: pg.Pool;
  databaseUrl: string;
  vault: SubjectKeyVault;
  /** The API's key file (as `orion keys` writes it), for CLI runs against the same database. */
  keyFile: KeyFile;
  close(): Promise<void>;
}

export async function startBenchApi(): Promise<BenchApi> {
  const db = await createTestDatabase("orion_bench_api");
  const pool = new pg.Pool({ connectionString: db.url, max: 20 });
  const prefix = testKeyPrefix();
  const redis = new Redis(TEST_REDIS_URL, { enableAutoPipelining: true });
  const control = createRedisControlStore({ url: TEST_REDIS_URL, keyPrefix: prefix });
  let app: Awaited<ReturnType<typeof buildApi>> | null = null;
  const close = async () => {
    await app?.close();
    await control.close();
    redis.disconnect();
    await pool.end();
    await db.drop();
    await deleteKeysWithPrefix(prefix);
  };
  try {
    await migrate(pool);
    const keyFile = await generateKeyFile();
    const keys = await loadKeyMaterial(keyFile);
    app = await buildApi({
      pool,
      state: redisSessionState(redis, prefix),
      control,
      keys,
      tokens: { issuer: "bench", audience: "bench" },
      // The level a deployment logs at (LOG_LEVEL's default), its lines discarded: what each request costs as deployed.
      logLevel: "info",
      logStream: { write: () => undefined },
      // The limits are still counted (and shared through Redis) on every request; they are only set high enough not to refuse the load.
      rateLimits: { perIp: 1e9, perUser: 1e9 },
    });
    const url = await app.listen({ port: 0, host: "127.0.0.1" });
    const vault = new SubjectKeyVault(pool, keys.kek);
    const { totpSecret } = await new UserDirectory(pool, vault, keys.pepper).create({
      email: "bench@example.com",
      role: "viewer",
      password: "bench password 123",
    });
    const login = await fetch(`${url}/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        email: "bench@example.com",
        password: "bench password 123",
        totp: totpCode(totpSecret as string, new Date()),
      }),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    return { url, accessToken, pool, databaseUrl: db.url, vault, keyFile, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** One bare fastify route answering `{ ok: true }`: what the machine serves at this moment with no work per request. */
export async function startBareFastify(): Promise<{ url: string; close(): Promise<void> }> {
  const bare = Fastify();
  bare.get("/x", async () => ({ ok: true }));
  const url = await bare.listen({ port: 0, host: "127.0.0.1" });
  return { url: `${url}/x`, close: () => bare.close() };
}
