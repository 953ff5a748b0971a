import pg from "pg";
import { createHash, randomBytes } from "node:crypto";
import { loadMigrations, migrate } from "../../apps/store/migrate.ts";

/** Server the tests use; each test file gets its own database on it and drops it afterwards. */
export const TEST_PG_ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** One statement as the test server's administrator (cluster-wide roles, database owners). */
export async function adminQuery(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

function databaseUrl(name: string): string {
  const url = new URL(TEST_PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Waits (up to a second) until no session is connected to `name`. pool.end() resolves once its clients are asked to
 * close, before their server sessions have gone: a DROP or RENAME at once would find them there.
 */
async function untilNoSessions(admin: pg.Client, name: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const { rows } = await admin.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1",
      [name],
    );
    if (rows[0]?.n === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** An empty database (or a copy of `template`), dropped by `drop()`. */
export async function createTestDatabase(prefix = "orion_test", template?: string): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ""}`);
  } finally {
    await admin.end();
  }
  return {
    url: databaseUrl(name),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
      await c.connect();
      try {
        // Forcing the drop at once would terminate closing sessions mid-close, and the client raises the FATAL as an
        // uncaught exception. FORCE ends only what a test left open (a spawned process, say).
        await untilNoSessions(c, name);
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

// Arbitrary, constant: "the test server's migrated templates" among advisory locks (the migrations use another).
const TEMPLATE_LOCK = 7_201_944_114;

/**
 * The name of a database holding this checkout's migrations, applied by `migrate` as the administrator, made once on
 * the server under an advisory lock and named after a hash of the migrations (a changed or added migration gets a
 * template of its own; the old one stays, a few MB, for a checkout that still has those migrations; drop one with
 * ALTER DATABASE ... IS_TEMPLATE false first). It is built under another name and renamed when done, so a template
 * that exists is complete.
 */
async function migratedTemplate(): Promise<string> {
  const hash = createHash("sha256");
  for (const m of await loadMigrations()) hash.update(`${m.version}\0${m.name}\0${m.sql}\0`);
  const name = `orion_template_${hash.digest("hex").slice(0, 16)}`;
  const admin = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await admin.connect();
  try {
    const exists = async () =>
      ((await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name])).rowCount ?? 0) > 0;
    if (await exists()) return name;
    await admin.query("SELECT pg_advisory_lock($1)", [TEMPLATE_LOCK]);
    try {
      if (await exists()) return name;
      const building = `${name}_building`;
      // Left by a run killed while it built one.
      await admin.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${building}`);
      const pool = new pg.Pool({ connectionString: databaseUrl(building), max: 1 });
      try {
        await migrate(pool);
      } finally {
        await pool.end();
      }
      await untilNoSessions(admin, building);
      // No session may connect to a template while it is copied; autovacuum's, which would, is kept out too.
      await admin.query(`ALTER DATABASE ${building} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);
      await admin.query(`ALTER DATABASE ${building} RENAME TO ${name}`);
      return name;
    } finally {
      await admin.query("SELECT pg_advisory_unlock($1)", [TEMPLATE_LOCK]);
    }
  } finally {
    await admin.end();
  }
}

let template: Promise<string> | undefined;

/**
 * A database with the schema migrated, as `createTestDatabase` and `migrate(pool)` as the administrator leave one,
 * copied from a template migrated once (CREATE DATABASE ... TEMPLATE: about as fast as an empty one, against about
 * 0.5 s more to migrate each). Tests of migrating itself, and every `orion` session (which migrates its database),
 * start from an empty database.
 */
export async function createMigratedTestDatabase(prefix = "orion_test"): Promise<TestDatabase> {
  const name = await (template ??= migratedTemplate()).catch((err: unknown) => {
    template = undefined;
    throw err;
  });
  return createTestDatabase(prefix, name);
}
