import { z } from "zod";
import { milliseconds, optional, port, required, rpcUrls, withDefault } from "./vars.ts";

/** Every bot: where it listens, how it logs, and the Redis key namespace it shares with the others. */
export const serviceVariables = {
  PORT: withDefault(port, "8080").describe("the TCP port of /healthz, /readyz and /metrics (Cloud Run sets it)"),
  HOST: withDefault(z.string().min(1), "127.0.0.1").describe(
    "the address to listen on: 0.0.0.0 in a container, 127.0.0.1 on a laptop",
  ),
  LOG_LEVEL: withDefault(
    z.enum(["fatal", "error", "warn", "info", "debug", "trace"], {
      message: "must be fatal, error, warn, info, debug or trace",
    }),
    "info",
  ).describe("the lowest log level written"),
  GOOGLE_CLOUD_PROJECT: optional(z.string().min(1)).describe(
    "the GCP project, so log lines link to their trace in Cloud Trace",
  ),
  ORION_REGION: optional(z.string().min(1)).describe("the region the bot runs in, on every log line"),
  ORION_KEY_PREFIX: withDefault(z.string().min(1), "orion:").describe(
    "the prefix of every Redis key (control store, bus, sessions)",
  ),
  ORION_BUS_PREFIX: optional(z.string().min(1)).describe(
    "the prefix of the bus streams, when a session needs its own (default ORION_KEY_PREFIX)",
  ),
  ORION_WAIT_MAX_MS: withDefault(milliseconds, "10000").describe(
    "the longest pause between tries to reach a dependency that is down at start (the pause doubles up to it)",
  ),
  // Read by apps/tracing and the OpenTelemetry SDK; components/service writes them when tracing is configured.
  OTEL_EXPORTER_OTLP_ENDPOINT: optional(z.string().url()).describe("where spans go by OTLP/HTTP (unset: no tracing)"),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optional(z.string().url()).describe(
    "where spans go, overriding OTEL_EXPORTER_OTLP_ENDPOINT for traces",
  ),
  OTEL_SERVICE_NAME: optional(z.string().min(1)).describe("the service name on spans (default orion-<bot>)"),
  OTEL_TRACES_SAMPLER: optional(z.string().min(1)).describe("the OpenTelemetry sampler, e.g. parentbased_traceidratio"),
  OTEL_TRACES_SAMPLER_ARG: optional(z.string().min(1)).describe("the sampler's argument, e.g. 0.1"),
} as const;

/**
 * Redis: `REDIS_URL` on a laptop; Memorystore in the cloud (`REDIS_HOST`, TLS verified against `REDIS_CA_CERT`, AUTH
 * from `REDIS_PASSWORD`). Each is optional here because one of the two sets is; apps/connections' `redisEndpoint`
 * decides which and names the variable at fault when neither or a mix is set.
 */
export const redisVariables = {
  REDIS_URL: optional(z.string().url("must be a redis:// or rediss:// URL")).describe(
    "a redis:// URL (rediss:// for TLS): a local Redis; the cloud sets REDIS_HOST instead",
  ),
  REDIS_HOST: optional(z.string().min(1)).describe("the Memorystore instance's address (the cloud)"),
  REDIS_PORT: optional(port).describe("the Memorystore port (default 6378 with TLS, 6379 without)"),
  REDIS_TLS: optional(z.enum(["true", "false"], { message: 'must be "true" or "false"' })).describe(
    '"true": TLS only, verified against REDIS_CA_CERT; never a plaintext fallback',
  ),
  REDIS_CA_CERT: optional(z.string().min(1)).describe("the PEM of Memorystore's server CA (public material)"),
  REDIS_PASSWORD: optional(z.string().min(1)).describe("the AUTH string (Secret Manager in the cloud)"),
} as const;

/**
 * PostgreSQL: `DATABASE_URL` (and `DATABASE_READ_URL`) on a laptop; in the cloud Cloud SQL through the connector with
 * IAM authentication: `DATABASE_INSTANCE` takes every write, `DATABASE_READ_INSTANCE` (this region's replica) the
 * reads that tolerate lag. apps/connections' `databasePlan` decides which set applies and names the variable at fault.
 */
export const databaseVariables = {
  DATABASE_URL: optional(z.string().url("must be a postgres:// URL")).describe(
    "a postgres:// URL: a local PostgreSQL; the cloud sets DATABASE_INSTANCE instead",
  ),
  DATABASE_READ_URL: optional(z.string().url("must be a postgres:// URL")).describe(
    "a postgres:// URL for reads (default DATABASE_URL); local runs only",
  ),
  DATABASE_INSTANCE: optional(z.string().min(1)).describe(
    "the Cloud SQL primary's connection name, project:region:instance (the cloud)",
  ),
  DATABASE_READ_INSTANCE: optional(z.string().min(1)).describe(
    "the connection name of the instance reads go to: this region's replica (default the primary)",
  ),
  DATABASE_IAM_AUTH: optional(z.enum(["true", "false"], { message: 'must be "true" or "false"' })).describe(
    '"true" with DATABASE_INSTANCE: Cloud SQL users are IAM principals, never passwords',
  ),
  DATABASE_USER: optional(z.string().min(1)).describe(
    'the IAM database user: the service account email without ".gserviceaccount.com"',
  ),
  DATABASE_NAME: optional(z.string().min(1)).describe("the database on the Cloud SQL instances (default orion)"),
} as const;

/** The chain and the markets on it, for the bots that read it. */
export const chainVariables = {
  RPC_URLS: required(rpcUrls).describe(
    "comma-separated http(s) JSON-RPC URLs of one chain (failover order), and a ws(s) one for new heads",
  ),
  ORION_POOLS: required(z.string().min(1)).describe(
    "the path of a pool snapshot v1 (`orion discover` writes one): the markets to watch",
  ),
  ORION_CHAIN: required(z.string().min(1)).describe(
    "the chain profile: a name in chains/ (or $ORION_HOME/chains/), or a profile JSON file; its wrapped native token, " +
      "fee policy, gas model and block time price, bid and time the trades",
  ),
} as const;
