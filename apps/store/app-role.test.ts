import { randomBytes, randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminQuery, createTestDatabase, type TestDatabase } from "../../test/support/postgres.ts";
import { ledgerRewriteRisks } from "../audit/index.ts";
import { loginRoleProblem } from "../domain/env/index.ts";
import { migrate, schemaGap, schemaStatus } from "./index.ts";
import { recordOrders } from "./testing/orders.ts";

/**
 * The cloud's database roles, on a real server: the migrate job's IAM user is no superuser but a member of the role
 * that owns the database (Cloud SQL's cloudsqlsuperuser, with CREATEROLE), the bots' IAM users are bare login roles.
 * Migrating with `appRoles` is all that makes a bot able to work, and only as a member of orion_app.
 */
const tag = randomBytes(4).toString("hex");
const owners = `orion_owners_${tag}`;
const migrator = `orion-migrate-${tag}@proj.iam`;
const bot = `orion-executor-${tag}@proj.iam`;
let db: TestDatabase;

const as = (role: string) => {
  const url = new URL(db.url);
  url.username = role;
  return new pg.Pool({ connectionString: url.toString(), max: 1 });
};
beforeAll(async () => {
  db = await createTestDatabase("orion_app_role");
  await adminQuery(`CREATE ROLE ${owners} NOLOGIN CREATEROLE`);
  await adminQuery(`CREATE ROLE "${migrator}" LOGIN CREATEROLE IN ROLE ${owners}`);
  await adminQuery(`CREATE ROLE "${bot}" LOGIN`);
  // Cloud SQL's databases belong to cloudsqlsuperuser; on PostgreSQL 15+ only the owner may create in public.
  await adminQuery(`ALTER DATABASE ${db.name} OWNER TO ${owners}`);
});
afterAll(async () => {
  await db.drop();
  for (const role of [bot, migrator, owners]) await adminQuery(`DROP ROLE IF EXISTS "${role}"`);
});

describe("migrate with appRoles", () => {
  it("refuses a bad role name before writing anything", async () => {
    const pool = as(migrator);
    try {
      for (const name of ['x"; DROP TABLE audit_log; --', "orion_app", "pg_read_all_data", "", "a".repeat(64)]) {
        await expect(migrate(pool, { appRoles: [name] }), name).rejects.toThrow(/cannot grant orion_app/);
      }
      await expect(migrate(pool, { appRoles: [`orion-api-${tag}@proj.iam`] })).rejects.toThrow(
        `no login role "orion-api-${tag}@proj.iam"`,
      );
      expect(await schemaStatus(pool)).toMatchObject({ at: 0 });
    } finally {
      await pool.end();
    }
  });

  it("the bot's role can do nothing until granted, then write trades and only append the ledger", async () => {
    const botPool = as(bot);
    const owner = as(migrator);
    try {
      const behind = await schemaStatus(botPool);
      expect(behind.at).toBe(0);
      expect(schemaGap(behind)).toBe(`schema at 0, expected ${behind.expected}: the migrate job has not run`);
      // A bot cannot migrate for itself: CREATE in public is the owner's.
      await expect(migrate(botPool)).rejects.toMatchObject({ code: "42501" });

      const applied: number[] = [];
      const granted: string[] = [];
      await migrate(owner, {
        appRoles: [bot],
        onApplied: (m) => applied.push(m.version),
        onGranted: (r) => granted.push(r),
      });
      expect(applied.length).toBeGreaterThan(0);
      expect(granted).toEqual([bot]);
      expect(schemaGap(await schemaStatus(botPool))).toBeNull();
      const { rows } = await owner.query<{ owner: string }>(
        "SELECT tableowner AS owner FROM pg_tables WHERE tablename = 'audit_log'",
      );
      expect(rows[0]?.owner).toBe(migrator);

      // The order's decision record first (the bots record it too), as the journal requires.
      await recordOrders(botPool, [
        {
          opportunityId: "opp-1",
          mode: "sim",
          epoch: 1,
          blockNumber: 10,
          baseToken: "0xb",
          pools: ["0xp"],
          tokens: ["0xb", "0xt", "0xb"],
          amountIn: 5n,
          predictedProfit: 7n,
          minProfit: 1n,
        },
      ]);
      await botPool.query(
        `INSERT INTO trades (id, opportunity_id, mode, epoch, order_block, base_token, pools, tokens, amount_in,
           predicted_profit, min_profit, status)
         VALUES ($1, 'opp-1', 'sim', 1, 10, '0xb', '{0xp}', '{0xb,0xt,0xb}', 5, 7, 1, 'simulated')`,
        [randomUUID()],
      );
      await botPool.query("UPDATE trades SET reason = 'checked' WHERE opportunity_id = 'opp-1'");
      const { rows: may } = await botPool.query<{ read: boolean; append: boolean }>(
        "SELECT has_table_privilege('audit_log', 'SELECT') AS read, has_table_privilege('audit_log', 'INSERT') AS append",
      );
      expect(may[0]).toEqual({ read: true, append: true });
      expect((await botPool.query("SELECT count(*)::int AS n FROM trades")).rows[0]).toEqual({ n: 1 });
      expect(await ledgerRewriteRisks(botPool)).toEqual([]);
      for (const attack of [
        "UPDATE audit_log SET actor = 'nobody'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "ALTER TABLE audit_log DISABLE TRIGGER ALL",
        "DELETE FROM schema_migrations",
        "CREATE TABLE sneaky (id int)",
      ]) {
        await expect(botPool.query(attack), attack).rejects.toMatchObject({ code: "42501" });
      }

      // Idempotent: a second run (the next deploy's job) applies nothing and grants again without error.
      granted.length = 0;
      expect(await migrate(owner, { appRoles: [bot, bot], onGranted: (r) => granted.push(r) })).toEqual([]);
      expect(granted).toEqual([bot]);
    } finally {
      await botPool.end();
      await owner.end();
    }
  });
});

describe("loginRoleProblem", () => {
  it.each([
    ["orion-prod-api@my-project.iam", undefined],
    ["orion_api", undefined],
    ["bad name", /not a login role name/],
    ['a"b', /not a login role name/],
    ["PG_monitor", /reserved/],
    ["cloudsqlsuperuser", /cannot be made a member/],
    ["x".repeat(63), undefined],
    ["x".repeat(64), /at most 63/],
  ])("%s", (name, problem) => {
    const got = loginRoleProblem(name);
    if (problem === undefined) expect(got).toBeUndefined();
    else expect(got).toMatch(problem);
  });
});
