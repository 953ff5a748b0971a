import { randomBytes } from "node:crypto";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LEDGER_ATTACKS } from "../../test/support/ledger-attacks.ts";
import { adminQuery, createTestDatabase, type TestDatabase } from "../../test/support/postgres.ts";
import { until } from "../../test/support/until.ts";
import { ledgerRewriteRisks } from "../audit/index.ts";
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
const countRows = async (db: { url: string }, sql: string, role: string) => {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    return (await c.query(sql, [role])).rowCount ?? 0;
  } finally {
    await c.end();
  }
};
const roleExists = async (db: { url: string }, role: string) =>
  (await countRows(db, "SELECT 1 FROM pg_roles WHERE rolname = $1", role)) === 1;

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

  it("drops the role of a killed session at the next start, on a shared server, and never a live session's", async () => {
    const db = dbs[0]!;
    // A session in a process of its own, killed as `kill -9` would: its connections die with it, its role stays.
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "--input-type=module",
        "-e",
        `const { openSessionDatabase } = await import(process.argv[1]);
         const s = await openSessionDatabase(process.argv[2], () => undefined);
         process.stdout.write(s.role + "\\n");
         setInterval(() => undefined, 60_000);`,
        fileURLToPath(new URL("./session-database.ts", import.meta.url)),
        db.url,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const killed = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.endsWith("\n")) resolve(out.trim());
      });
      child.once("exit", (code) => reject(new Error(`the session process exited (${code}) before it opened`)));
    });
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
    expect(await roleExists(db, killed)).toBe(true);
    // The server notices the closed connections a moment later, as it would long before anyone starts again.
    await until(
      async () =>
        (await countRows(db, "SELECT 1 FROM pg_stat_activity WHERE usename = $1", killed)) ? undefined : true,
      "the killed session's connections to close",
      10_000,
    );

    const live = await openSessionDatabase(db.url, () => undefined);
    try {
      // The next session (here on another database of the same server, as another checkout would) drops the dead
      // one's role, and leaves the live one's however idle its pool is.
      const other = await createTestDatabase("orion_sdb");
      try {
        await live.db.query("SELECT 1");
        const next = await openSessionDatabase(other.url, () => undefined);
        await next.close();
      } finally {
        await other.drop();
      }
      expect(await roleExists(db, killed)).toBe(false);
      expect(await roleExists(db, live.role)).toBe(true);
      expect((await live.db.query<{ n: number }>("SELECT 1 AS n")).rows[0]).toEqual({ n: 1 });
    } finally {
      await live.close();
    }
    expect(await roleExists(db, live.role)).toBe(false);
  }, 120_000);
});
