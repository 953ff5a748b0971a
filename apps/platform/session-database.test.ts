import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LEDGER_ATTACKS } from "../../test/support/ledger-attacks.ts";
import { adminQuery, createTestDatabase, type TestDatabase } from "../../test/support/postgres.ts";
import { ledgerRewriteRisks } from "../audit/index.ts";
import { startEmbeddedPostgres } from "../store/index.ts";
import { openSessionDatabase, SESSION_ROLE_PREFIX } from "./session-database.ts";

/**
 * A local session's database, as the cloud has it: the migrate step as the owner, the services as a login role that
 * is a member of orion_app only. Three owners: the test server's superuser (as the embedded server's), a role with
 * CREATEROLE only (the cloud's migrate user), and one that cannot create roles (the session keeps serving as it and
 * says so).
 */
const tag = randomBytes(4).toString("hex");
const creator = `orion_creator_${tag}`;
const plain = `orion_plain_${tag}`;
let dbs: TestDatabase[] = [];

const as = (db: TestDatabase, role: string) => {
  const url = new URL(db.url);
  url.username = role;
  return url.toString();
};
const roleExists = async (db: { url: string }, role: string) => {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    return (await c.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [role])).rowCount === 1;
  } finally {
    await c.end();
  }
};

beforeAll(async () => {
  dbs = await Promise.all([
    createTestDatabase("orion_sdb"),
    createTestDatabase("orion_sdb"),
    createTestDatabase("orion_sdb"),
  ]);
  await adminQuery(`CREATE ROLE ${creator} LOGIN CREATEROLE`);
  await adminQuery(`CREATE ROLE ${plain} LOGIN`);
  // Each migrates into a database of its own (PostgreSQL 15+: only the owner may create in public).
  await adminQuery(`ALTER DATABASE ${dbs[1]!.name} OWNER TO ${creator}`);
  await adminQuery(`ALTER DATABASE ${dbs[2]!.name} OWNER TO ${plain}`);
});
afterAll(async () => {
  await Promise.all(dbs.map((d) => d.drop()));
  for (const role of [creator, plain]) await adminQuery(`DROP ROLE IF EXISTS ${role}`);
});

describe("openSessionDatabase", () => {
  it.each([
    ["a superuser (the embedded server's)", 0, "postgres"],
    ["a role with CREATEROLE only (the cloud's migrate user)", 1, creator],
  ])("as %s: migrates, then serves as a member of orion_app that cannot rewrite the ledger", async (_, i, owner) => {
    const db = dbs[i]!;
    const lines: string[] = [];
    const s = await openSessionDatabase(as(db, owner), (l) => lines.push(l));
    try {
      expect(s.role.startsWith(SESSION_ROLE_PREFIX)).toBe(true);
      expect(s.risks).toEqual([]);
      expect(await ledgerRewriteRisks(s.db)).toEqual([]);
      expect(lines[0]).toBe("migrate: applied 001_trading");
      expect(lines).toContain(`migrate: granted orion_app to ${s.role}`);
      expect(lines.at(-1)).toBe(`PostgreSQL: the services connect as ${s.role}, a member of orion_app only`);
      const { rows } = await s.db.query<{ user: string; super: boolean; owner: string }>(
        `SELECT current_user AS user, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS super,
                (SELECT tableowner FROM pg_tables WHERE tablename = 'audit_log') AS owner`,
      );
      expect(rows[0]).toEqual({ user: s.role, super: false, owner });
      // The services' work: the ledger is appended, never rewritten; no DDL.
      await s.db.query(
        `INSERT INTO audit_log (seq, at, actor, action, outcome, detail, prev_hash, hash)
         VALUES (1, now(), 'test', 'probe', 'success', '{}', $1, $1)`,
        [Buffer.alloc(32)],
      );
      for (const sql of LEDGER_ATTACKS) await expect(s.db.query(sql), sql).rejects.toMatchObject({ code: "42501" });
      expect((await s.db.query("SELECT count(*)::int AS n FROM audit_log")).rows[0]).toEqual({ n: 1 });
    } finally {
      await s.close();
    }
    expect(await roleExists(db, s.role)).toBe(false);

    // The next session migrates nothing and has a role of its own.
    const again: string[] = [];
    const next = await openSessionDatabase(as(db, owner), (l) => again.push(l));
    await next.close();
    expect(next.role).not.toBe(s.role);
    expect(again[0]).toMatch(/^migrate: granted orion_app to orion_session_/);
  });

  it("as a role that cannot create roles: serves as it, saying in one line how it could rewrite the ledger", async () => {
    const db = dbs[2]!;
    const lines: string[] = [];
    const s = await openSessionDatabase(as(db, plain), (l) => lines.push(l));
    try {
      expect(s.role).toBe(plain);
      expect(s.risks).toContain("owns audit_log (or is a member of its owner)");
      expect(lines.at(-1)).toBe(
        `PostgreSQL: the services connect as ${plain}, which owns audit_log (or is a member of its owner), so they ` +
          `could rewrite the audit ledger: ${plain} cannot create roles: give it CREATEROLE, or unset DATABASE_URL ` +
          "for the embedded server",
      );
    } finally {
      await s.close();
    }
  });

  it("on the embedded server, which only its home's sessions use, drops a killed session's role at the next start", async () => {
    // Open to others: as root the server runs as user postgres, which must reach the data here.
    const home = await mkdtemp(join(tmpdir(), "orion-sdb-"));
    await chmod(home, 0o755);
    const server = await startEmbeddedPostgres(home);
    const killed = `${SESSION_ROLE_PREFIX}${"0".repeat(12)}`;
    try {
      const admin = new pg.Client({ connectionString: server.url });
      await admin.connect();
      await admin.query(`CREATE ROLE ${killed} LOGIN`).finally(() => admin.end());
      // Only a server the session has to itself: on a shared one that role could be another session's.
      await (await openSessionDatabase(server.url, () => undefined)).close();
      expect(await roleExists(server, killed)).toBe(true);
      const s = await openSessionDatabase(server.url, () => undefined, { exclusive: true });
      await s.close();
      expect(await roleExists(server, killed)).toBe(false);
    } finally {
      await server.stop();
      await rm(home, { recursive: true, force: true });
    }
  }, 120_000);
});
