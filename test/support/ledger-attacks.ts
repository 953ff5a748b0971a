import pg from "pg";
import { TEST_PG_ADMIN_URL } from "./postgres.ts";

/**
 * What a role holding the session's connections could try against the ledger and the schema. The triggers refuse a
 * plain UPDATE or DELETE even to a superuser; the rewrite that works for the table's owner or a superuser switches
 * them off first, in the same transaction.
 */
export const LEDGER_ATTACKS = [
  "UPDATE audit_log SET actor = 'nobody'",
  "DELETE FROM audit_log",
  "TRUNCATE audit_log",
  "ALTER TABLE audit_log DISABLE TRIGGER ALL; UPDATE audit_log SET actor = 'nobody'",
  "ALTER TABLE audit_log DISABLE TRIGGER ALL; DELETE FROM audit_log",
  "DELETE FROM schema_migrations",
  "CREATE TABLE sneaky (id int)",
] as const;

/**
 * Every role with a connection open to `database` right now (other than this process's probe), and for each, what
 * each of LEDGER_ATTACKS did when run as that role: the SQLSTATE it was refused with, or "done". The test server
 * trusts local connections, so the probe logs in as a role without its password: the privileges are the role's, the
 * same as on the session's own connections.
 */
export async function ledgerAttacksBySessionRoles(database: string): Promise<Record<string, string[]>> {
  const admin = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await admin.connect();
  let roles: string[];
  try {
    const { rows } = await admin.query<{ role: string }>(
      "SELECT DISTINCT usename AS role FROM pg_stat_activity WHERE datname = $1 AND usename IS NOT NULL ORDER BY 1",
      [database],
    );
    roles = rows.map((r) => r.role);
  } finally {
    await admin.end();
  }
  const outcomes: Record<string, string[]> = {};
  for (const role of roles) {
    const url = new URL(TEST_PG_ADMIN_URL);
    url.pathname = `/${database}`;
    url.username = role;
    const c = new pg.Client({ connectionString: url.toString() });
    await c.connect();
    try {
      const results: string[] = [];
      for (const sql of LEDGER_ATTACKS) {
        // Each in a transaction rolled back: where an attack succeeds (the test then fails), nothing is changed.
        await c.query("BEGIN");
        results.push(
          await c.query(sql).then(
            () => "done",
            (err: { code?: string }) => err.code ?? "error",
          ),
        );
        await c.query("ROLLBACK");
      }
      outcomes[role] = results;
    } finally {
      await c.end();
    }
  }
  return outcomes;
}
