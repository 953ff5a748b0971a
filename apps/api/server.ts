import type { FastifyInstance } from "fastify";
import type { Registry } from "prom-client";
import {
  controlStoreEndpoint,
  createRedis,
  databasePlan,
  EnvError,
  openDatabases,
  redisEndpoint,
  redisOptions,
} from "../connections/index.ts";
import { createRedisControlStore, type ControlStore } from "../control/index.ts";
import { loadKeyMaterial, postgresSessionState, redisSessionState, type SessionState } from "../identity/index.ts";
import { migrate, schemaGap, schemaStatus } from "../store/migrate.ts";
import { ledgerRewriteRisks } from "../audit/index.ts";
import { anchorsDir } from "./home.ts";
import { openPool } from "./pg-pool.ts";
import { importReportKey } from "./report-trust.ts";
import { buildApi } from "./app.ts";
import { chainChecksFromEnv, type EnvChainChecks } from "./chain-env.ts";
import { loadOrCreateKeyFile, oidcFromEnv, parseApiEnv } from "./config.ts";
import type { ChainChecks } from "./preflight.ts";

export interface RunningApi {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/**
 * The control plane as a process: environment -> connections -> migrations -> listening server. `orion api` runs
 * it alone; `orion dev` passes its chain checks (and its own control store, when it already has one).
 */
export async function startApiServer(opts: {
  env?: NodeJS.ProcessEnv;
  port?: number;
  host?: string;
  chainChecks?: ChainChecks;
  control?: ControlStore;
  /** A registry to serve on /metrics (orion dev passes the pipeline's, so one port serves API and metrics). */
  metrics?: Registry;
  logLevel?: string;
}): Promise<RunningApi> {
  const rawEnv = opts.env ?? process.env;
  const env = parseApiEnv(rawEnv);
  // REDIS_URL/DATABASE_URL on a laptop; Memorystore (TLS, AUTH) and Cloud SQL (connector, IAM) in the cloud. Redis
  // is read for the session state when it lives there, and for the control store unless the caller brings its own:
  // both are resolved (and a bad variable reported) before anything is opened.
  const sessionsEndpoint = env.ORION_SESSION_STORE === "redis" ? redisEndpoint(rawEnv) : null;
  // Mode and kill switch go to the authoritative store (the primary region's), whichever region serves the request.
  const controlUrl =
    opts.control === undefined
      ? redisOptions(controlStoreEndpoint(rawEnv) ?? sessionsEndpoint ?? redisEndpoint(rawEnv))
      : null;
  const plan = databasePlan(rawEnv);
  if (env.ORION_MIGRATIONS === "external" && env.DATABASE_OWNER_URL) {
    throw new EnvError("DATABASE_OWNER_URL", "is for ORION_MIGRATIONS=self: with external, `orion migrate` migrates");
  }
  const keys = await loadKeyMaterial(await loadOrCreateKeyFile(env));
  const dbs = await openDatabases(plan, { max: 20 });
  const pool = dbs.write;
  // Auto-pipelining batches the per-request revocation and rate-limit commands of concurrent requests.
  const redis = sessionsEndpoint
    ? createRedis(sessionsEndpoint, { enableAutoPipelining: true, maxRetriesPerRequest: 1, connectTimeout: 2000 })
    : null;
  const state: SessionState = redis ? redisSessionState(redis, env.ORION_KEY_PREFIX) : postgresSessionState(pool);
  let envChain: EnvChainChecks | null = null;
  const ownControl = controlUrl ? createRedisControlStore({ url: controlUrl, keyPrefix: env.ORION_KEY_PREFIX }) : null;
  const control = ownControl ?? (opts.control as ControlStore);
  const release = async () => {
    await envChain?.close();
    await ownControl?.close().catch(() => undefined);
    await state.close();
    redis?.disconnect();
    await dbs.close();
  };
  try {
    // Migrations run as the owner role when one is configured; the API never needs ownership itself. In the cloud a
    // job migrates before the services roll out (ORION_MIGRATIONS=external): the API runs no DDL, and refuses to
    // serve a schema older than the migrations it ships (`orion run api` waits for it, /readyz naming the gap).
    if (env.ORION_MIGRATIONS === "external") {
      const gap = schemaGap(await schemaStatus(pool));
      if (gap !== null) throw new Error(gap);
    } else if (env.DATABASE_OWNER_URL) {
      const owner = openPool(env.DATABASE_OWNER_URL, 1);
      try {
        await migrate(owner);
      } finally {
        await owner.end();
      }
    } else {
      await migrate(pool);
    }
    const risks = await ledgerRewriteRisks(pool);
    const reportTrust =
      env.ORION_STACK && env.ORION_REPORT_PUBLIC_KEY
        ? {
            stack: env.ORION_STACK,
            publicKey: await importReportKey(env.ORION_REPORT_PUBLIC_KEY),
            maxAgeSeconds: env.ORION_REPORT_MAX_AGE_SECONDS,
          }
        : undefined;
    // `orion dev` passes its devnet's checks; alone, the API builds them from its environment (RPC_URLS, ...).
    envChain = opts.chainChecks ? null : chainChecksFromEnv(env);
    const app = await buildApi({
      pool,
      state,
      control,
      keys,
      tokens: { issuer: env.ORION_API_ISSUER, audience: env.ORION_API_AUDIENCE },
      oidc: oidcFromEnv(env),
      chainChecks: opts.chainChecks ?? envChain?.checks,
      corsOrigins: env.ORION_CORS_ORIGINS,
      trustProxyHops: env.ORION_TRUST_PROXY,
      rateLimits: { perIp: env.ORION_RATE_LIMIT_PER_IP, perUser: env.ORION_RATE_LIMIT_PER_USER },
      overviewRefreshMs: env.ORION_OVERVIEW_REFRESH_MS,
      logLevel: opts.logLevel,
      metrics: opts.metrics,
      anchors: { dir: anchorsDir(opts.env ?? process.env) },
      ...(reportTrust ? { reportTrust } : {}),
    });
    if (risks.length > 0) {
      app.log.warn(
        { risks },
        "the API's database role could rewrite the audit ledger: run it as a member of orion_app and migrate with DATABASE_OWNER_URL",
      );
    }
    const url = await app.listen({ port: opts.port ?? 8080, host: opts.host ?? "127.0.0.1" });
    return {
      app,
      url,
      async close() {
        await app.close();
        await release();
      },
    };
  } catch (err) {
    await release();
    throw err;
  }
}
