import { z } from "zod";
import { address } from "../wire.ts";
import { optional, port, required, urlList, withDefault } from "./vars.ts";

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
} as const;

/** Local Redis; the cloud's Memorystore variables join here. */
export const redisVariables = {
  REDIS_URL: required(z.string().url("must be a redis:// URL")).describe("a redis:// URL"),
} as const;

/** Local PostgreSQL; the cloud's Cloud SQL variables join here. */
export const databaseVariables = {
  DATABASE_URL: required(z.string().url("must be a postgres:// URL")).describe("a postgres:// URL"),
} as const;

/** The chain and the markets on it, for the bots that read it. */
export const chainVariables = {
  RPC_URLS: required(urlList).describe("comma-separated http(s) JSON-RPC URLs of one chain (failover order)"),
  ORION_POOLS: required(z.string().min(1)).describe(
    "the path of a pool snapshot v1 (`orion discover` writes one): the markets to watch",
  ),
  ORION_WRAPPED_NATIVE: required(address).describe(
    "the chain's wrapped native token (0x address): a base token valued 1:1 against gas",
  ),
} as const;
