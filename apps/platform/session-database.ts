import { randomBytes } from "node:crypto";
import pg from "pg";
import { ledgerRewriteRisks } from "../audit/index.ts";
import { APP_ROLE } from "../domain/env/index.ts";
import { createPgPool, migrateAndGrant } from "../store/index.ts";

/** What a local session's services connect to, once the schema is current. */
export interface SessionDatabase {
  /** The services' pool: every connection of the session's bots, the API and the report. */
  db: pg.Pool;
  /** The same connection as a URL, for bots in their own processes (`--services`). */
  url: string;
  /** The role the services log in as. */
  role: string;
  /** How that role could rewrite the ledger (`ledgerRewriteRisks`): empty for a member of orion_app only. */
  risks: string[];
  /** Closes the pool, then drops the session's role: call it once every bot has stopped. */
  close(): Promise<void>;
}

/** Prefix of the login roles sessions make; each ends with random hex, so concurrent sessions never share one. */
export const SESSION_ROLE_PREFIX = "orion_session_";

/**
 * The cloud's database roles on a laptop (`orion dev`, `npm start`, `orion trade`): `ownerUrl` (the embedded server's
 * superuser, or DATABASE_URL) runs the migrate step `orion migrate` runs, granting orion_app to a login role made for
 * this session, and the services connect as that role: a member of orion_app only, which can append the ledger but
 * neither rewrite it nor run DDL. The role's password is random and lives only in this process (and in the env of the
 * bots it starts); the role is dropped when the session ends, or, when the session was killed, by the next session on
 * the same server: a live session keeps a connection named after its role (`application_name`) from before the role
 * exists until it ends, so a session role that no connection logs in as or is named after is a dead session's. That
 * holds on a shared server as on the embedded one (pg_stat_activity shows every database's connections).
 *
 * Where `ownerUrl`'s role cannot create roles, the services connect as `ownerUrl` itself, `risks` says what that role
 * could do to the ledger and `out` says so in one line.
 */
export async function openSessionDatabase(ownerUrl: string, out: (line: string) => void): Promise<SessionDatabase> {
  let role: string | null = null;
  let liveness: pg.Client | null = null;
  const dropRole = async () => {
    if (role === null) return;
    const c = new pg.Client({ connectionString: ownerUrl, connectionTimeoutMillis: 2_000 });
    await c.connect();
    try {
      await c.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(role)}`);
    } finally {
      await c.end();
    }
  };
  let db: pg.Pool | null = null;
  try {
    // The owner's connection lasts the setup only: no connection of the session keeps its privileges while it runs.
    const owner = createPgPool(ownerUrl, 1);
    let ownerRole: string;
    let why: string | null = null;
    let url = ownerUrl;
    try {
      const { rows } = await owner.query<{ name: string; create: boolean }>(
        "SELECT current_user AS name, rolsuper OR rolcreaterole AS create FROM pg_roles WHERE rolname = current_user",
      );
      ownerRole = rows[0]?.name ?? "?";
      if (rows[0]?.create) {
        role = SESSION_ROLE_PREFIX + randomBytes(6).toString("hex");
        // Named after the role from before it exists until the role's own connection is open: no other session's
        // sweep takes it for a dead one's in between.
        await owner.query("SELECT set_config('application_name', $1, false)", [role]);
        await dropRolesOfEndedSessions(owner);
        const password = randomBytes(24).toString("hex");
        // Spelled out: nothing the owner may hold (superuser, CREATEROLE, ...) reaches the services' role.
        await owner.query(
          `CREATE ROLE ${pg.escapeIdentifier(role)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION ` +
            `NOBYPASSRLS INHERIT PASSWORD ${pg.escapeLiteral(password)}`,
        );
        const u = new URL(ownerUrl);
        u.username = role;
        u.password = password;
        url = u.toString();
      } else {
        why = `${ownerRole} cannot create roles: give it CREATEROLE, or unset DATABASE_URL for the embedded server`;
      }
      await migrateAndGrant(owner, role === null ? [] : [role], (line) => out(`migrate: ${line}`));
      if (role !== null) {
        // Open for the whole session, whatever the pool keeps idle: the mark that this session lives.
        const mark = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000, application_name: role });
        mark.on("error", (err) => out(`PostgreSQL: the session's own connection closed (${err.message})`));
        await mark.connect();
        liveness = mark;
      }
    } finally {
      await owner.end();
    }

    db = createPgPool(url);
    const servedAs = role ?? ownerRole;
    const risks = await ledgerRewriteRisks(db);
    if (risks.length === 0) out(`PostgreSQL: the services connect as ${servedAs}, a member of ${APP_ROLE} only`);
    else {
      out(
        `PostgreSQL: the services connect as ${servedAs}, which ${risks.join(", ")}, so they could rewrite the ` +
          `audit ledger: ${why ?? `${servedAs} is more than a member of ${APP_ROLE}`}`,
      );
    }
    const pool = db;
    return {
      db: pool,
      url,
      role: servedAs,
      risks,
      async close() {
        await pool.end();
        await liveness?.end();
        await dropRole();
      },
    };
  } catch (err) {
    await db?.end().catch(() => undefined);
    await liveness?.end().catch(() => undefined);
    await dropRole().catch(() => undefined);
    throw err;
  }
}

/**
 * Drops the session roles of sessions that are gone: no connection logs in as them or carries their name. One that
 * cannot be dropped (it owns something, or this owner may not drop it) is left for an administrator to see.
 */
async function dropRolesOfEndedSessions(owner: pg.Pool): Promise<void> {
  const { rows } = await owner.query<{ name: string }>(
    `SELECT rolname AS name FROM pg_roles r WHERE starts_with(rolname, $1) AND NOT EXISTS (
       SELECT 1 FROM pg_stat_activity a WHERE a.usename = r.rolname OR a.application_name = r.rolname)`,
    [SESSION_ROLE_PREFIX],
  );
  for (const { name } of rows) {
    await owner.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(name)}`).catch(() => undefined);
  }
}
