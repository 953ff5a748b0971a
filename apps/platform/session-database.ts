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
 * a server only sessions of this home use (`exclusive`: the embedded one).
 *
 * Where `ownerUrl`'s role cannot create roles, the services connect as `ownerUrl` itself, `risks` says what that role
 * could do to the ledger and `out` says so in one line.
 */
export async function openSessionDatabase(
  ownerUrl: string,
  out: (line: string) => void,
  o: {
    /**
     * This session is the server's only user (the embedded server under its home): a session role found there is a
     * killed session's, and is dropped.
     */
    exclusive?: boolean;
  } = {},
): Promise<SessionDatabase> {
  let role: string | null = null;
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
        if (o.exclusive) await dropStaleRoles(owner);
        role = SESSION_ROLE_PREFIX + randomBytes(6).toString("hex");
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
        await dropRole();
      },
    };
  } catch (err) {
    await db?.end().catch(() => undefined);
    await dropRole().catch(() => undefined);
    throw err;
  }
}

/** Drops every session role but those that cannot be dropped (one that owns something is left for its owner to see). */
async function dropStaleRoles(owner: pg.Pool): Promise<void> {
  const { rows } = await owner.query<{ name: string }>(
    "SELECT rolname AS name FROM pg_roles WHERE starts_with(rolname, $1)",
    [SESSION_ROLE_PREFIX],
  );
  for (const { name } of rows) {
    await owner.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(name)}`).catch(() => undefined);
  }
}
