import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { createTestDatabase, TEST_PG_ADMIN_URL, type TestDatabase } from "../../test/support/postgres.ts";
import { deleteKeysWithPrefix, TEST_REDIS_URL, testKeyPrefix } from "../../test/support/redis.ts";
import { ledgerRewriteRisks } from "../audit/index.ts";
import { generateKeyFile } from "../identity/index.ts";
import { migrate } from "../store/migrate.ts";
import { startApiServer } from "./server.ts";

/**
 * Attack test for "the app role owns nothing" (issue 13, item 3): with the credentials the API runs under, try
 * every way to rewrite the ledger. Migrations run as the owner (DATABASE_OWNER_URL); the API as a login role that
 * is only a member of orion_app.
 */
let db: TestDatabase;
let home: string;
const role = `orion_api_${randomBytes(4).toString("hex")}`;
const prefix = testKeyPrefix();

async function admin<T>(run: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await c.connect();
  try {
    return await run(c);
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  db = await createTestDatabase("orion_roles");
  home = mkdtempSync(join(tmpdir(), "orion-roles-"));
});
afterAll(async () => {
  await db.drop();
  await admin((c) => c.query(`DROP ROLE IF EXISTS ${role}`));
  await deleteKeysWithPrefix(prefix);
  rmSync(home, { recursive: true, force: true });
});

describe("database roles", () => {
  it("the API's role reads and appends the ledger and can do nothing else to it", async () => {
    // The deployment: migrations as the owner (they create orion_app), a login role that is a member of it.
    const owner = new pg.Pool({ connectionString: db.url, max: 1 });
    await migrate(owner);
    await owner.end();
    await admin((c) => c.query(`CREATE ROLE ${role} LOGIN IN ROLE orion_app`));
    const appUrl = new URL(db.url);
    appUrl.username = role;
    const api = await startApiServer({
      port: 0,
      logLevel: "silent",
      env: {
        DATABASE_URL: appUrl.toString(),
        DATABASE_OWNER_URL: db.url,
        REDIS_URL: TEST_REDIS_URL,
        ORION_KEY_PREFIX: prefix,
        ORION_HOME: home,
        ORION_KEYS: JSON.stringify(await generateKeyFile()),
      },
    });
    const app = new pg.Pool({ connectionString: appUrl.toString(), max: 1 });
    try {
      // A denied request is a row the API appended as its own role.
      expect((await fetch(`${api.url}/mode/status`)).status).toBe(401);
      const { rows } = await app.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log");
      expect(rows[0]?.n).toBeGreaterThanOrEqual(1);
      expect(await ledgerRewriteRisks(app)).toEqual([]);
      for (const attack of [
        "ALTER TABLE audit_log DISABLE TRIGGER USER",
        "ALTER TABLE audit_log DISABLE TRIGGER ALL",
        "DELETE FROM audit_log",
        "UPDATE audit_log SET actor = 'nobody'",
        "TRUNCATE audit_log",
        "DROP TABLE audit_log",
      ]) {
        await expect(app.query(attack), attack).rejects.toMatchObject({ code: "42501" });
      }
    } finally {
      await app.end();
      await api.close();
    }
    // Closing anchored the head outside the database.
    expect(readdirSync(join(home, "anchors")).length).toBeGreaterThanOrEqual(1);
  });
});
