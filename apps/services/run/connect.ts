/**
 * Opening a bot's connections from its env, each waited for with backoff: a dependency that is down at start keeps
 * /readyz false and logs what the bot waits for; nothing crash-loops. Places are described without credentials.
 */
import { Redis, type RedisOptions } from "ioredis";
import type { Logger } from "pino";
import type pg from "pg";
import { createRedisBus, type Bus } from "../../bus/index.ts";
import { FailoverProvider } from "../../chain/index.ts";
import { createRedisControlStore, type ControlStore } from "../../control/index.ts";
import { EnvError } from "../../domain/env/index.ts";
import { createPgPool, migrate } from "../../store/index.ts";
import type { Readiness } from "../bot.ts";
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
  /** Undone in reverse order when the bot stops. */
  closers: (() => Promise<unknown> | unknown)[];
}

/** host:port of a URL (or of ioredis options), never its user, password or path (an RPC URL's path may hold an API key). */
export function where(url: string | RedisOptions): string {
  if (typeof url !== "string") return `${url.host ?? "localhost"}:${url.port ?? 6379}`;
  const u = new URL(url);
  return `${u.hostname}${u.port ? `:${u.port}` : ""}`;
}

async function waitFor<T>(what: string, attempt: () => Promise<T>, c: OpenContext): Promise<T> {
  return withBackoff(attempt, {
    what,
    log: c.log,
    signal: c.signal,
    onWaiting: (reason) => c.waits.set(what, reason),
  });
}

export interface RedisConnections {
  bus: Bus;
  control: ControlStore;
}

/** Waits until Redis answers a PING; `what` names its role in the log line ("Redis", "the control store"). */
export async function waitForRedis(url: string | RedisOptions, c: OpenContext, what = "Redis"): Promise<void> {
  await waitFor(
    `${what} at ${where(url)}`,
    async () => {
      const probeOptions = { lazyConnect: true, connectTimeout: 2_000, maxRetriesPerRequest: 0 };
      const probe = typeof url === "string" ? new Redis(url, probeOptions) : new Redis({ ...url, ...probeOptions });
      probe.on("error", () => undefined);
      try {
        await probe.connect();
        await probe.ping();
      } finally {
        probe.disconnect();
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
  o: { url: string; control: string | RedisOptions; keyPrefix: string; busPrefix: string },
  c: OpenContext,
): Promise<RedisConnections> {
  await waitForRedis(o.url, c);
  if (o.control !== o.url) await waitForRedis(o.control, c, "the control store");
  const control = createRedisControlStore({ url: o.control, keyPrefix: o.keyPrefix });
  c.closers.push(() => control.close());
  const bus = createRedisBus({
    url: o.url,
    keyPrefix: o.busPrefix,
    onError: (err, topic) => c.log.error({ err, topic }, "bus handler failed"),
  });
  c.closers.push(() => bus.close());
  return { bus, control };
}

/** Waits until PostgreSQL answers and the schema is migrated (an advisory lock serialises bots starting together). */
async function migrated(db: pg.Pool, url: string, c: OpenContext): Promise<void> {
  const u = new URL(url);
  await waitFor(`PostgreSQL at ${where(url)}${u.pathname}`, () => migrate(db), c);
}

/** A pool on the primary, with the schema migrated. */
export async function openDatabase(url: string, c: OpenContext): Promise<pg.Pool> {
  const db = createPgPool(url);
  c.closers.push(() => db.end());
  await migrated(db, url, c);
  return db;
}

/** Waits for PostgreSQL without keeping a pool (for a bot that opens its own). */
export async function waitForDatabase(url: string, c: OpenContext): Promise<void> {
  const db = createPgPool(url, 1);
  try {
    await migrated(db, url, c);
  } finally {
    await db.end();
  }
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
