/**
 * Opening a bot's connections from its env, each waited for with backoff: a dependency that is down at start keeps
 * /readyz false and logs what the bot waits for; nothing crash-loops. Places are described without credentials.
 */
import type { Logger } from "pino";
import { createRedisBus, type Bus } from "../../bus/index.ts";
import { FailoverProvider } from "../../chain/index.ts";
import { createRedisControlStore, type ControlStore } from "../../control/index.ts";
import { EnvError } from "../../domain/env/index.ts";
import {
  describeRedisEndpoint,
  openDatabases,
  RedisProbe,
  redisOptions,
  type DatabasePlan,
  type DatabaseTarget,
  type Databases,
  type Readiness,
  type RedisEndpoint,
} from "../../connections/index.ts";
import { migrate, schemaGap, schemaStatus } from "../../store/index.ts";
import { withBackoff } from "./backoff.ts";

/** What a starting bot is waiting for, keyed by dependency, for /readyz. */
export class Waits {
  private readonly states = new Map<string, Readiness>();

  set(dependency: string, reason: string | null): void {
    this.states.set(
      dependency,
      reason === null ? { ready: true } : { ready: false, reason: `${dependency}: ${reason}` },
    );
  }

  all(): Readiness[] {
    return [...this.states.values()];
  }
}

export interface OpenContext {
  log: Logger;
  signal: AbortSignal;
  waits: Waits;
  /** The longest pause between tries to reach a dependency (ORION_WAIT_MAX_MS; withBackoff's default if unset). */
  maxWaitMs?: number;
  /** Undone in reverse order when the bot stops. */
  closers: (() => Promise<unknown> | unknown)[];
}

/** host:port of a URL, never its user, password or path (an RPC URL's path may hold an API key). */
export function where(url: string): string {
  const u = new URL(url);
  return `${u.hostname}${u.port ? `:${u.port}` : ""}`;
}

async function waitFor<T>(what: string, attempt: () => Promise<T>, c: OpenContext): Promise<T> {
  return withBackoff(attempt, {
    what,
    log: c.log,
    signal: c.signal,
    onWaiting: (reason) => c.waits.set(what, reason),
    ...(c.maxWaitMs !== undefined ? { maxMs: c.maxWaitMs } : {}),
  });
}

export interface RedisConnections {
  bus: Bus;
  control: ControlStore;
}

/**
 * Waits until Redis answers a PING over the endpoint's own transport; `what` names its role in the log line ("Redis",
 * "the control store"). A TLS handshake or AUTH that fails is a reason naming the variable to fix (REDIS_CA_CERT,
 * REDIS_PASSWORD), kept in /readyz and logged; never a plaintext retry.
 */
export async function waitForRedis(endpoint: RedisEndpoint, c: OpenContext, what = "Redis"): Promise<void> {
  await waitFor(
    `${what} at ${describeRedisEndpoint(endpoint)}`,
    async () => {
      const probe = new RedisProbe(endpoint);
      try {
        const r = await probe.check();
        if (!r.ready) throw new Error(r.reason);
      } finally {
        probe.close();
      }
    },
    c,
  );
}

/**
 * The bus on the region's own Redis; the control store on `control` (the primary region's Redis, authoritative for
 * every region), or on the own Redis when `control` is that same URL.
 */
export async function openRedis(
  o: { endpoint: RedisEndpoint; control: RedisEndpoint; keyPrefix: string; busPrefix: string },
  c: OpenContext,
): Promise<RedisConnections> {
  await waitForRedis(o.endpoint, c);
  if (o.control !== o.endpoint) await waitForRedis(o.control, c, "the control store");
  const control = createRedisControlStore({ url: redisOptions(o.control), keyPrefix: o.keyPrefix });
  c.closers.push(() => control.close());
  const bus = createRedisBus({
    url: redisOptions(o.endpoint),
    keyPrefix: o.busPrefix,
    onError: (err, topic) => c.log.error({ err, topic }, "bus handler failed"),
  });
  c.closers.push(() => bus.close());
  return { bus, control };
}

/** Where a database target is, for logs: host:port/db of a URL, or the Cloud SQL connection name; no credentials. */
function describeTarget(t: DatabaseTarget): string {
  if (t.kind === "cloud-sql") return `Cloud SQL ${t.instance}/${t.database}`;
  return `PostgreSQL at ${where(t.url)}${new URL(t.url).pathname}`;
}

/**
 * What a bot does about the schema before it works: `migrate` it (a laptop: the bot's role owns the tables), `await`
 * it (ORION_MIGRATIONS=external, the cloud: the migrate job runs the DDL; the bot, a member of orion_app, may not, so
 * it only reads schema_migrations until the job has run), or only `connect` (the API, which migrates itself, as
 * DATABASE_OWNER_URL when set).
 */
export type SchemaDuty = "migrate" | "await" | "connect";

async function prepareSchema(pool: Databases["write"], duty: SchemaDuty): Promise<void> {
  if (duty === "migrate") {
    await migrate(pool);
  } else if (duty === "await") {
    const gap = schemaGap(await schemaStatus(pool));
    if (gap !== null) throw new Error(gap);
  } else {
    await pool.query("SELECT 1");
  }
}

/**
 * Opens the plan's pools, waiting with backoff until the primary answers and the schema is as `duty` needs it (an
 * advisory lock serialises bots migrating together; a schema behind is a reason on /readyz, checked again at every
 * attempt). One Cloud SQL connector serves every attempt: it drops an instance whose certificate refresh failed and
 * tries it afresh on the next.
 */
async function openPrepared(plan: DatabasePlan, c: OpenContext, max: number, duty: SchemaDuty): Promise<Databases> {
  const cloud = plan.write.kind === "cloud-sql" || plan.read.kind === "cloud-sql";
  // Loaded only for Cloud SQL: the connector pulls in the Admin API client, which local runs never need.
  const connector = cloud ? new (await import("@google-cloud/cloud-sql-connector")).Connector() : undefined;
  const dbs = await waitFor(
    describeTarget(plan.write),
    async () => {
      const opened = await openDatabases(plan, { max, ...(connector ? { connector } : {}) });
      try {
        await prepareSchema(opened.write, duty);
        return opened;
      } catch (err) {
        await opened.close();
        throw err;
      }
    },
    c,
  );
  // Closed only once an open succeeded: see openDatabases on closing a connector whose first refresh failed.
  return connector ? { ...dbs, close: () => dbs.close().finally(() => connector.close()) } : dbs;
}

/** The pools on the primary and this region's reader, with the schema migrated (or awaited). */
export async function openDatabase(plan: DatabasePlan, c: OpenContext, duty: SchemaDuty): Promise<Databases> {
  const dbs = await openPrepared(plan, c, 10, duty);
  c.closers.push(() => dbs.close());
  return dbs;
}

/** Waits for PostgreSQL (and the schema, as `duty` says) without keeping a pool (for a bot that opens its own). */
export async function waitForDatabase(plan: DatabasePlan, c: OpenContext, duty: SchemaDuty): Promise<void> {
  const dbs = await openPrepared(plan, c, 1, duty);
  await dbs.close();
}

/** The chain over its RPC URLs; an endpoint serving another chain than the markets' is a configuration error. */
export async function openChain(o: { urls: string[]; chainId: number }, c: OpenContext): Promise<FailoverProvider> {
  const provider = FailoverProvider.fromUrls(o.urls, { chainId: o.chainId, log: c.log });
  c.closers.push(() => provider.destroy());
  const hosts = o.urls.map(where).join(", ");
  const chainId = await waitFor(
    `the chain's RPC (${hosts})`,
    async () => Number(await provider.send("eth_chainId", [])),
    c,
  );
  if (chainId !== o.chainId) {
    throw new EnvError("RPC_URLS", `serve chain id ${chainId}, but ORION_POOLS describes chain id ${o.chainId}`);
  }
  provider.startHealthChecks();
  return provider;
}
