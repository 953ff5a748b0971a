/**
 * Where PostgreSQL is. Locally `DATABASE_URL` (and optionally `DATABASE_READ_URL`); in the cloud Cloud SQL through
 * `@google-cloud/cloud-sql-connector` with IAM database authentication: `DATABASE_INSTANCE` is the primary (all
 * writes), `DATABASE_READ_INSTANCE` the instance in the bot's own region (a replica, for reads). There are no database
 * passwords in the cloud: the connector mints a short-lived client certificate and an OAuth token for the service
 * account, which is also the database user (SQL-013, SQL-014).
 *
 * The read pool is opened read-only whatever it points at, so a query that would write through it fails here, on
 * the laptop, rather than only against a replica in the cloud.
 */
import type { Connector } from "@google-cloud/cloud-sql-connector";
import pg from "pg";
import { z } from "zod";
import { databaseVariables, parseEnv } from "../domain/env/index.ts";
import { EnvError } from "./env-error.ts";
import type { Readiness } from "./env-error.ts";

/** The database variables of the env contract (apps/domain/env), on their own. */
export const databaseEnvSchema = z.object(databaseVariables);
export type DatabaseEnv = z.input<typeof databaseEnvSchema>;

export type DatabaseTarget =
  { kind: "url"; url: string } | { kind: "cloud-sql"; instance: string; user: string; database: string };

/** Where writes and reads go. */
export interface DatabasePlan {
  write: DatabaseTarget;
  read: DatabaseTarget;
}

/** project:region:instance, the project optionally domain-scoped (example.com:project). */
const CONNECTION_NAME = /^([a-z0-9.-]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]:[a-z]+-[a-z]+[0-9]+:[a-z][a-z0-9-]*$/;

/** Decides where the pools connect from the DATABASE_* variables; throws EnvError naming the variable at fault. */
export function databasePlan(raw: DatabaseEnv): DatabasePlan {
  const env = parseEnv(databaseEnvSchema, raw as NodeJS.ProcessEnv);
  const instance = env.DATABASE_INSTANCE || undefined;
  const url = env.DATABASE_URL || undefined;
  if (instance && url) {
    throw new EnvError(
      "DATABASE_URL",
      "and DATABASE_INSTANCE are both set: use DATABASE_URL locally, DATABASE_INSTANCE in the cloud",
    );
  }
  if (!instance) {
    if (!url) throw new EnvError("DATABASE_INSTANCE", "is not set (or set DATABASE_URL for a local PostgreSQL)");
    if (env.DATABASE_READ_INSTANCE) throw new EnvError("DATABASE_READ_INSTANCE", "needs DATABASE_INSTANCE");
    const readUrl = env.DATABASE_READ_URL || url;
    return {
      write: { kind: "url", url: postgresUrl("DATABASE_URL", url) },
      read: { kind: "url", url: postgresUrl("DATABASE_READ_URL", readUrl) },
    };
  }
  if (env.DATABASE_READ_URL)
    throw new EnvError("DATABASE_READ_URL", "is for local runs: with DATABASE_INSTANCE set DATABASE_READ_INSTANCE");
  if (env.DATABASE_IAM_AUTH === "false") {
    throw new EnvError(
      "DATABASE_IAM_AUTH",
      "must be true: Cloud SQL users are IAM principals, never passwords (SQL-013)",
    );
  }
  const user = env.DATABASE_USER || undefined;
  if (!user) throw new EnvError("DATABASE_USER", "is not set: the IAM database user, e.g. orion-executor@PROJECT.iam");
  if (user.endsWith(".gserviceaccount.com")) {
    throw new EnvError("DATABASE_USER", 'must be the service account email without ".gserviceaccount.com"');
  }
  const database = env.DATABASE_NAME || "orion";
  const target = (variable: string, name: string): DatabaseTarget => {
    if (!CONNECTION_NAME.test(name))
      throw new EnvError(variable, `must be a Cloud SQL connection name project:region:instance, got "${name}"`);
    return { kind: "cloud-sql", instance: name, user, database };
  };
  return {
    write: target("DATABASE_INSTANCE", instance),
    read: target("DATABASE_READ_INSTANCE", env.DATABASE_READ_INSTANCE || instance),
  };
}

/** The two pools every service uses, and what closes them. */
export interface Databases {
  /** The primary: every write, and reads that must see the latest write (journal, lease). */
  write: pg.Pool;
  /** Reads that tolerate replica lag (reports, P&L); read-only sessions. */
  read: pg.Pool;
  close(): Promise<void>;
}

export interface OpenDatabasesOptions {
  /** Connections per pool. Default 10. */
  max?: number;
  /** Cloud SQL: the connector to use (one per process; its certificates are cached per instance). */
  connector?: Connector;
}

/** Opens the write and read pools the plan names. Connections are made lazily, on first use. */
export async function openDatabases(plan: DatabasePlan, o: OpenDatabasesOptions = {}): Promise<Databases> {
  const cloud = plan.write.kind === "cloud-sql" || plan.read.kind === "cloud-sql";
  // Loaded only for Cloud SQL: the connector pulls in the Admin API client, which local runs never need.
  const connector = cloud
    ? (o.connector ?? new (await import("@google-cloud/cloud-sql-connector")).Connector())
    : undefined;
  const owned = cloud && !o.connector;
  const write = await poolFor(plan.write, "DATABASE_INSTANCE", false, o.max ?? 10, connector);
  let read: pg.Pool;
  try {
    read = await poolFor(plan.read, "DATABASE_READ_INSTANCE", true, o.max ?? 10, connector);
  } catch (err) {
    await write.end();
    throw err;
  }
  // A failed connector is not closed: Connector.close() (1.13.0) leaves an unhandled rejection behind for an instance
  // whose first refresh failed, which would end the process. Such an instance holds no timer or socket to release;
  // a caller that retries should pass one long-lived connector, which drops failed instances on the next attempt.
  return {
    write,
    read,
    async close() {
      await Promise.all([write.end(), read.end()]);
      if (owned) connector?.close();
    },
  };
}

/** Readiness of one pool for `/readyz`: a round trip, with the reason when there is none. */
export async function checkDatabase(pool: pg.Pool, name: string): Promise<Readiness> {
  try {
    await pool.query("SELECT 1");
    return { ready: true };
  } catch (err) {
    return { ready: false, reason: `${name}: ${(err as Error).message.split("\n")[0]}` };
  }
}

/**
 * Fail fast when PostgreSQL is away (callers must learn within seconds to stop placing orders); idle-client errors
 * on a server restart are expected and must not crash the process.
 */
const POOL_DEFAULTS = { connectionTimeoutMillis: 5_000, query_timeout: 10_000, idleTimeoutMillis: 30_000 };

async function poolFor(
  target: DatabaseTarget,
  variable: string,
  readOnly: boolean,
  max: number,
  connector?: Connector,
): Promise<pg.Pool> {
  // A session-level setting: every transaction on a read pool connection is read-only.
  const options = readOnly ? "-c default_transaction_read_only=on" : undefined;
  let pool: pg.Pool;
  if (target.kind === "url") {
    pool = new pg.Pool({ connectionString: target.url, max, options, ...POOL_DEFAULTS });
  } else {
    const { AuthTypes, IpAddressTypes } = await import("@google-cloud/cloud-sql-connector");
    const client = await (connector as Connector)
      .getOptions({
        instanceConnectionName: target.instance,
        // Cloud Run reaches the instances over the VPC (Private Service Access); no public IP is ever used.
        ipType: IpAddressTypes.PRIVATE,
        authType: AuthTypes.IAM,
      })
      .catch((err: unknown) => {
        throw new Error(
          `${variable} ${target.instance}: Cloud SQL connection settings unavailable: ${(err as Error).message}`,
          {
            cause: err,
          },
        );
      });
    pool = new pg.Pool({ ...client, user: target.user, database: target.database, max, options, ...POOL_DEFAULTS });
  }
  pool.on("error", () => undefined);
  return pool;
}

function postgresUrl(variable: string, url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new EnvError(variable, "must be a URL like postgres://user@127.0.0.1:5432/orion");
  }
  if (u.protocol !== "postgres:" && u.protocol !== "postgresql:") {
    throw new EnvError(variable, `must start with postgres://, not ${u.protocol}//`);
  }
  return url;
}
