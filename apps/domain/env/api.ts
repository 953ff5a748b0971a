import { z } from "zod";
import { address } from "../wire.ts";
import { milliseconds, optional, rpcUrls, withDefault } from "./vars.ts";

/** The control-plane API's own variables (apps/api/config.ts adds its connection variables to these). */
export const apiVariables = {
  ORION_API_ISSUER: withDefault(z.string(), "https://control.alpha-orion.local").describe(
    "the issuer of the API's access tokens",
  ),
  ORION_API_AUDIENCE: withDefault(z.string(), "alpha-orion-control-plane").describe(
    "the audience of the API's access tokens",
  ),
  ORION_CORS_ORIGINS: withDefault(z.string(), "")
    .transform((s) =>
      s
        .split(",")
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .describe("comma-separated origins allowed to call the API from a browser"),
  ORION_SESSION_STORE: withDefault(
    z.enum(["redis", "postgres"], { message: 'must be "redis" or "postgres"' }),
    "redis",
  ).describe(
    "where sessions, rate-limit counters and lockouts live: redis (the cloud, shared by every instance) or postgres (the platform's own database: a machine with only Node, as `orion dev` without REDIS_URL)",
  ),
  ORION_KEYS: optional(z.string()).describe("the key material as JSON (Secret Manager in the cloud)"),
  ORION_KEYS_FILE: optional(z.string()).describe(
    "the key file, when ORION_KEYS is not set (a laptop); default $ORION_HOME/keys.json",
  ),
  ORION_HOME: optional(z.string()).describe("local state: key file, audit anchors (default .orion under the project)"),
  DATABASE_OWNER_URL: optional(z.string().url({ message: "must be a postgres:// URL" })).describe(
    "the owner role's connection, for migrations only; the API serves as DATABASE_URL, a member of orion_app",
  ),
  ORION_OIDC_ISSUER: optional(z.string().url()).describe("the OIDC issuer operators log in through"),
  ORION_OIDC_AUDIENCE: optional(z.string()).describe("the audience of OIDC ID tokens"),
  ORION_OIDC_JWKS_URL: optional(z.string().url()).describe("the OIDC issuer's JWKS URL"),
  ORION_OIDC_ROLE_CLAIM: withDefault(z.string(), "orion_role").describe("the ID-token claim that carries the role"),
  ORION_OIDC_ROLE_MAP: optional(z.string()).describe("JSON: claim value -> role"),
  ORION_STACK: optional(z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, "must be a stack name")).describe(
    "the stack this platform runs as: the live pre-flight reads only that stack's compliance report",
  ),
  ORION_REPORT_PUBLIC_KEY: optional(z.string()).describe(
    "PEM public key (SPKI, Ed25519 or P-256) of the CI identity that signs compliance reports",
  ),
  ORION_REPORT_MAX_AGE_SECONDS: withDefault(z.string().regex(/^\d{1,9}$/, "must be a number of seconds"), "86400")
    .transform(Number)
    .describe("a signed report older than this does not unlock live mode"),
  // The live pre-flight's chain checks when the API runs alone (`orion api`, `orion run api`); `orion dev` wires
  // its own devnet instead. Same names as the executor's, so one set of values describes the platform's chain.
  RPC_URLS: optional(rpcUrls).describe(
    "JSON-RPC URLs the pre-flight checks the chain through (comma-separated, failover order); with ORION_CHAIN_ID",
  ),
  ORION_CHAIN_ID: optional(
    z
      .string()
      .regex(/^[1-9]\d{0,15}$/, "must be a chain id")
      .transform(Number),
  ).describe("the chain id RPC_URLS must serve"),
  ORION_EXECUTOR_CONTRACT: optional(address).describe("the deployed ArbExecutor the pre-flight checks (0x address)"),
  ORION_EXECUTOR_ACCOUNT: optional(address).describe(
    "the executor's sending account, the contract's owner (0x address): the signer must be its key",
  ),
  ORION_SIGNER_KMS: optional(z.string().min(1)).describe(
    "the executor's Cloud KMS key version: the pre-flight reads its public key (proving KMS answers) and its balance",
  ),
  ORION_SIGNER_KEY_FILE: optional(z.string().min(1)).describe(
    "a devnet key file (0x hex), local only: the pre-flight derives its address; never in the cloud",
  ),
  ORION_SIGNER_MIN_BALANCE_WEI: withDefault(z.string().regex(/^\d{1,40}$/, "must be wei, a whole number"), "0")
    .transform((v) => BigInt(v))
    .describe("the signer's account must hold at least this much for gas"),
  ORION_MAX_HEAD_AGE_SECONDS: withDefault(z.string().regex(/^\d{1,6}$/, "must be a number of seconds"), "60")
    .transform(Number)
    .describe("the RPC's newest block may be at most this old"),
  ORION_RATE_LIMIT_PER_IP: withDefault(z.string().regex(/^[1-9]\d{0,6}$/, "must be requests per minute"), "6000")
    .transform(Number)
    .describe("API requests per minute per client address (sign-in attempts keep their own, stricter budget)"),
  ORION_RATE_LIMIT_PER_USER: withDefault(z.string().regex(/^[1-9]\d{0,6}$/, "must be requests per minute"), "3000")
    .transform(Number)
    .describe("API requests per minute per signed-in user"),
  ORION_OVERVIEW_REFRESH_MS: withDefault(milliseconds, "5000").describe(
    "how often the console's live overview is sent again though the control state did not change (its figures, " +
      "health and pending requests; rounded up to whole seconds)",
  ),
  ORION_TRUST_PROXY: withDefault(
    z.string().regex(/^\d{1,2}$/, "must be a hop count (0 to 99): the proxies in front of the API, not true/false"),
    "0",
  )
    .transform(Number)
    .describe(
      "how many proxies in front of the API append to X-Forwarded-For (0: none); the client address is taken that many hops from the right, so a client cannot choose it",
    ),
} as const;
