import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { APP_ROLE, loginRoleProblem } from "../domain/env/index.ts";

/**
 * Plain versioned SQL migrations: apps/store/migrations/NNN_name.sql, applied in order, each in its own
 * transaction, recorded in schema_migrations. An advisory lock makes concurrent starts (several services
 * booting at once) apply each file exactly once.
 */
const MIGRATIONS_DIR = fileURLToPath(new URL("./migrations/", import.meta.url));
const LOCK_KEY = 7_201_944_113; // arbitrary, constant: identifies "alpha-orion migrations" among advisory locks

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export interface MigrateOptions {
  /** Where the NNN_name.sql files are. Default apps/store/migrations/. */
  dir?: string;
  /**
   * Login roles to make members of orion_app once the schema is current (the cloud's IAM database users of the bots):
   * each may then write the working tables and append the ledger, and own nothing. Granting twice changes nothing.
   */
  appRoles?: readonly string[];
  /** Told of each migration as it is applied, and of each role granted orion_app (`orion migrate` prints them). */
  onApplied?: (m: Migration) => void;
  onGranted?: (role: string) => void;
}

export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith(".sql")).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = /^(\d+)_([a-z0-9_-]+)\.sql$/.exec(file);
    if (!match) throw new Error(`${dir}${file}: migration files are named NNN_name.sql`);
    migrations.push({ version: Number(match[1]), name: match[2] ?? file, sql: await readFile(dir + file, "utf8") });
  }
  const seen = new Set<number>();
  for (const m of migrations) {
    if (seen.has(m.version)) throw new Error(`${dir}: two migrations share version ${m.version}`);
    seen.add(m.version);
  }
  return migrations;
}

/** Applies every pending migration, then grants orion_app to `appRoles`; returns the versions it applied. */
export async function migrate(pool: pg.Pool, o: MigrateOptions = {}): Promise<number[]> {
  const roles = [...new Set(o.appRoles ?? [])];
  // Refused before anything is written: a bad name is a configuration error, not a half-done migration.
  for (const role of roles) {
    const problem = loginRoleProblem(role);
    if (problem) throw new Error(`cannot grant ${APP_ROLE}: ${problem}`);
  }
  const migrations = await loadMigrations(o.dir);
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    await client.query("SELECT pg_advisory_lock($1)", [LOCK_KEY]);
    if (roles.length > 0) {
      const { rows } = await client.query<{ rolname: string }>(
        "SELECT rolname FROM pg_roles WHERE rolname = ANY($1::text[])",
        [roles],
      );
      const missing = roles.filter((r) => !rows.some((row) => row.rolname === r));
      if (missing.length > 0) {
        throw new Error(
          `cannot grant ${APP_ROLE}: no login role ${missing.map((r) => `"${r}"`).join(", ")} in this cluster ` +
            "(Cloud SQL creates an IAM user's role when the user is added to the instance)",
        );
      }
    }
    await client.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const { rows } = await client.query<{ version: number }>("SELECT version FROM schema_migrations");
    const done = new Set(rows.map((r) => r.version));
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await client.query("BEGIN");
      try {
        await client.query(m.sql);
        await client.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [m.version, m.name]);
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK");
        throw new Error(`migration ${m.version}_${m.name} failed: ${(err as Error).message}`);
      }
      applied.push(m.version);
      o.onApplied?.(m);
    }
    if (roles.length > 0) {
      // All or none: a deploy never finds some bots able to write and others not.
      await client.query("BEGIN");
      try {
        for (const role of roles) {
          await client.query(`GRANT ${APP_ROLE} TO ${pg.escapeIdentifier(role)}`);
        }
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK");
        throw new Error(`cannot grant ${APP_ROLE}: ${(err as Error).message}`);
      }
      for (const role of roles) o.onGranted?.(role);
    }
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [LOCK_KEY]).catch(() => undefined);
    client.release();
  }
  return applied;
}

/**
 * The migrate step, as `orion migrate` (the cloud's migrate job) and every local session (`orion dev`, `orion trade`)
 * run it: the pending migrations as the connected role, which owns what they create, then orion_app granted to
 * `appRoles`; one line per migration, per grant, and a last one with the schema's version.
 */
export async function migrateAndGrant(
  pool: pg.Pool,
  appRoles: readonly string[],
  out: (line: string) => void,
): Promise<void> {
  const applied = await migrate(pool, {
    appRoles,
    onApplied: (m) => out(`applied ${String(m.version).padStart(3, "0")}_${m.name}`),
    onGranted: (role) => out(`granted ${APP_ROLE} to ${role}`),
  });
  const { at } = await schemaStatus(pool);
  out(`schema at ${at}: ${applied.length} migration(s) applied, ${appRoles.length} role(s) members of ${APP_ROLE}`);
}

/** How far a database's schema is from the migrations this build ships. */
export interface SchemaStatus {
  /** The highest version applied, 0 when none (or no schema_migrations table). */
  at: number;
  /** The highest version this build ships. */
  expected: number;
  /** Versions shipped but not applied, in order. */
  missing: number[];
}

/**
 * Reads schema_migrations without writing anything (a member of orion_app may only SELECT it): what a bot that does
 * not migrate itself (ORION_MIGRATIONS=external) checks before it serves. Versions applied that this build does not
 * ship (a newer build migrated first) are not a gap.
 */
export async function schemaStatus(pool: pg.Pool, dir = MIGRATIONS_DIR): Promise<SchemaStatus> {
  const migrations = await loadMigrations(dir);
  const expected = Math.max(0, ...migrations.map((m) => m.version));
  const { rows: table } = await pool.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t");
  const applied = new Set<number>();
  if (table[0]?.t) {
    const { rows } = await pool.query<{ version: number }>("SELECT version FROM schema_migrations");
    for (const r of rows) applied.add(r.version);
  }
  return {
    at: Math.max(0, ...applied),
    expected,
    missing: migrations.filter((m) => !applied.has(m.version)).map((m) => m.version),
  };
}

/** The wait reason a bot reports on /readyz while its schema is behind, or null when it is current. */
export function schemaGap(s: SchemaStatus): string | null {
  if (s.missing.length === 0) return null;
  if (s.at < s.expected) return `schema at ${s.at}, expected ${s.expected}: the migrate job has not run`;
  return `schema at ${s.at} lacks migration ${s.missing.join(", ")}: the migrate job has not run`;
}
