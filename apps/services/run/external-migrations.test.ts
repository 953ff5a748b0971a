/**
 * ORION_MIGRATIONS=external (the cloud): the bots run no DDL. Started before the migrate job has run, they serve
 * /healthz, keep /readyz false naming the gap ("schema at 0, expected N: the migrate job has not run"), check again,
 * and become ready once `orion migrate` ran; the API, a bare login role made a member of orion_app by the job, then
 * serves as that role.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminQuery, createTestDatabase, type TestDatabase } from "../../../test/support/postgres.ts";
import { deleteKeysWithPrefix, TEST_REDIS_URL, testKeyPrefix } from "../../../test/support/redis.ts";
import { until } from "../../../test/support/until.ts";
import { startApiServer } from "../../api/index.ts";
import { runMigrate } from "../../cli/commands/migrate.ts";
import { generateKeyFile } from "../../identity/index.ts";
import { loadMigrations, migrate } from "../../store/migrate.ts";
import type { BotName } from "../bot.ts";
import { runBot } from "./run-bot.ts";

const quiet = new Writable({ write: (_chunk, _enc, done) => done() });
const prefix = testKeyPrefix();
const apiRole = `orion-api-${randomBytes(4).toString("hex")}@proj.iam`;
let db: TestDatabase;
let home: string;

/** A bot as `orion run <bot>` starts it, in this process. */
function start(bot: BotName, env: Record<string, string>) {
  const abort = new AbortController();
  let url = "";
  let failed: unknown = null;
  const done = runBot(bot, {
    env: { PORT: "0", LOG_LEVEL: "warn", REDIS_URL: TEST_REDIS_URL, ORION_KEY_PREFIX: prefix, ...env },
    signal: abort.signal,
    logTo: quiet,
    onListening: (u) => (url = u),
  });
  done.catch((err: unknown) => (failed = err));
  const get = async (path: string) => {
    if (failed) throw new Error(`${bot} failed: ${String(failed)}`);
    return url ? fetch(`${url}${path}`) : undefined;
  };
  return {
    get,
    async stop() {
      abort.abort();
      await done;
    },
  };
}

beforeAll(async () => {
  db = await createTestDatabase("orion_external");
  home = mkdtempSync(join(tmpdir(), "orion-external-"));
  await adminQuery(`CREATE ROLE "${apiRole}" LOGIN`);
});
afterAll(async () => {
  await db.drop();
  await adminQuery(`DROP ROLE IF EXISTS "${apiRole}"`);
  await deleteKeysWithPrefix(prefix);
  rmSync(home, { recursive: true, force: true });
});

describe("ORION_MIGRATIONS=external", () => {
  it("bots wait unready for the migrate job, never migrating themselves, then serve as members of orion_app", async () => {
    const expected = Math.max(...(await loadMigrations()).map((m) => m.version));
    const gap = `schema at 0, expected ${expected}: the migrate job has not run`;
    const apiUrl = new URL(db.url);
    apiUrl.username = apiRole;
    // The orchestrator connects as a role that could migrate (the test server's superuser): it must not.
    const orchestrator = start("orchestrator", { DATABASE_URL: db.url, ORION_MIGRATIONS: "external" });
    const api = start("api", {
      DATABASE_URL: apiUrl.toString(),
      ORION_MIGRATIONS: "external",
      ORION_HOME: home,
      ORION_KEYS: JSON.stringify(await generateKeyFile()),
    });
    try {
      for (const bot of [orchestrator, api]) {
        const reasons = await until(async () => {
          const r = await bot.get("/readyz");
          if (r === undefined) return undefined;
          const body = JSON.stringify(await r.json());
          return r.status === 503 && body.includes(gap) ? body : undefined;
        }, "not ready naming the gap");
        expect(reasons).toMatch(/PostgreSQL at 127\.0\.0\.1:5432\/orion_external_\w+: schema at 0/);
        expect((await bot.get("/healthz"))?.status).toBe(200);
      }
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      try {
        expect((await c.query("SELECT to_regclass('schema_migrations') AS t")).rows[0]).toEqual({ t: null });
      } finally {
        await c.end();
      }

      const lines: string[] = [];
      await runMigrate({ DATABASE_URL: db.url, ORION_APP_ROLES: apiRole }, (l) => lines.push(l));
      expect(lines).toContain(`granted orion_app to ${apiRole}`);
      for (const bot of [orchestrator, api]) {
        await until(async () => ((await bot.get("/readyz"))?.status === 200 ? true : undefined), "ready", 90_000);
      }
    } finally {
      await orchestrator.stop();
      await api.stop();
    }
  }, 150_000);

  it("`orion run api` migrating itself does so as DATABASE_OWNER_URL, never as its serving role", async () => {
    const fresh = await createTestDatabase("orion_owner_api");
    const role = `orion_api_${randomBytes(4).toString("hex")}`;
    const owner = new pg.Pool({ connectionString: fresh.url, max: 1 });
    try {
      // A deployment on the laptop way: the owner migrated once; the API serves as a member of orion_app.
      await migrate(owner);
      await adminQuery(`CREATE ROLE ${role} LOGIN IN ROLE orion_app`);
      const serving = new URL(fresh.url);
      serving.username = role;
      const api = start("api", {
        DATABASE_URL: serving.toString(),
        DATABASE_OWNER_URL: fresh.url,
        ORION_HOME: home,
        ORION_KEYS: JSON.stringify(await generateKeyFile()),
      });
      try {
        await until(async () => ((await api.get("/readyz"))?.status === 200 ? true : undefined), "ready", 60_000);
      } finally {
        await api.stop();
      }
    } finally {
      await owner.end();
      await fresh.drop();
      await adminQuery(`DROP ROLE IF EXISTS ${role}`);
    }
  }, 90_000);

  it("the API refuses DATABASE_OWNER_URL with external, and a schema behind when started directly", async () => {
    const fresh = await createTestDatabase("orion_external_api");
    const env = {
      DATABASE_URL: fresh.url,
      REDIS_URL: TEST_REDIS_URL,
      ORION_KEY_PREFIX: prefix,
      ORION_HOME: home,
      ORION_KEYS: JSON.stringify(await generateKeyFile()),
      ORION_MIGRATIONS: "external",
    };
    try {
      await expect(
        startApiServer({ port: 0, logLevel: "silent", env: { ...env, DATABASE_OWNER_URL: fresh.url } }),
      ).rejects.toThrow("DATABASE_OWNER_URL is for ORION_MIGRATIONS=self: with external, `orion migrate` migrates");
      await expect(startApiServer({ port: 0, logLevel: "silent", env })).rejects.toThrow(
        /^schema at 0, expected \d+: the migrate job has not run$/,
      );
    } finally {
      await fresh.drop();
    }
  });
});
