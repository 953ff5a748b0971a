import { readdirSync, readFileSync } from "node:fs";
import { z } from "zod";
import { ENTRY_POINT_V08 } from "../apps/domain/env/index.ts";
import type { TracingArgs } from "../components/common/tracing.ts";

/** Regions the platform may run in (data residency is reviewed per region before it joins this list). */
export const APPROVED_REGIONS = [
  "us-central1",
  "us-east4",
  "us-west1",
  "europe-west1",
  "europe-west3",
  "europe-west4",
  "asia-southeast1",
] as const;

export const BOTS = ["scanner", "orchestrator", "executor", "api"] as const;
export type Bot = (typeof BOTS)[number];

/** Config keys that hold secrets: `pulumi config set --secret KEY`. Offline they are never known. */
export const SECRET_KEYS = ["alpha-orion:pagerdutyServiceKey"] as const;

const labelValue = z
  .string()
  .regex(/^[a-z0-9_-]{1,63}$/, "must be lowercase letters, digits, '_' or '-', at most 63 chars");
const email = z.string().email("must be an email address");

/** The chain profiles in chains/ (also in the image): the bots' chain is one of them. */
const CHAINS_DIR = new URL("../chains/", import.meta.url);
const CHAINS = readdirSync(CHAINS_DIR)
  .filter((f) => f.endsWith(".json"))
  .map((f) => f.slice(0, -".json".length));
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte hex address");

/** The chain profile's id: the API's pre-flight refuses RPC_URLS that serve another chain (ORION_CHAIN_ID). */
export function chainIdOf(chain: string): number {
  return z
    .object({ chainId: z.number().int().positive() })
    .parse(JSON.parse(readFileSync(new URL(`${chain}.json`, CHAINS_DIR), "utf8"))).chainId;
}

const trading = z
  .object({
    chain: z.string().refine((c) => CHAINS.includes(c), `must be one of ${CHAINS.join(", ")} (chains/*.json)`),
    /** A pool snapshot v1 inside the image (`orion discover` writes it; the Dockerfile copies chains/). */
    pools: z
      .string()
      .regex(/^chains\/[A-Za-z0-9._/-]+\.json$/, "must be a .json path under chains/ (it ships in the image)"),
    executorContract: address,
    /** The executor's KMS signing key version's address (README, "First deploy"). */
    executorAccount: address,
    /** The CI identity's report-signing public key, PEM SPKI (README, "Compliance"): what unlocks live mode. */
    reportPublicKey: z
      .string()
      .regex(
        /^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+\n-----END PUBLIC KEY-----\n?$/,
        "must be a PEM public key (openssl pkey -in ci.pem -pubout)",
      ),
  })
  .strict();

/** The chain profile's relayUrl, when it names one (a relay block without a url falls back to it). */
export function relayUrlOf(chain: string): string | undefined {
  return z
    .object({ relayUrl: z.string().optional() })
    .parse(JSON.parse(readFileSync(new URL(`${chain}.json`, CHAINS_DIR), "utf8"))).relayUrl;
}

// Private submission (issue 17): the executor's relay and bid. Its reputation key is the operator secret
// relay-reputation-key (secretVersions), readable by the executor alone. Unset: the public mempool.
const relay = z
  .object({
    /** The relay's URL (ORION_RELAY_URL); unset, the chain profile's relayUrl. */
    url: z
      .string()
      .url("must be an https:// URL")
      .refine((u) => u.startsWith("https://"), "must be an https:// URL (a relay is reached over TLS)")
      .optional(),
    /** The share of each trade's profit bid to the block producer (ORION_BID_SHARE_BPS). */
    bidShareBps: z
      .number()
      .int("must be a whole number of basis points")
      .min(0, "must be 0..10000 basis points")
      .max(10_000, "must be 0..10000 basis points")
      .default(5_000),
  })
  .strict();

// The ERC-4337 route (issue 15): the executor's trades as user operations of its KMS key's smart account. The
// bundler's and paymaster's URLs carry the provider's API key: secrets bundler-url and paymaster-url (secretVersions),
// readable by the executor alone. Unset: the EOA route.
const userOperations = z
  .object({
    entryPoint: address.refine(
      (a) => a.toLowerCase() === ENTRY_POINT_V08,
      `must be EntryPoint v0.8 (${ENTRY_POINT_V08}), the one the route speaks`,
    ),
    /** The smart account whose owner is trading.executorAccount (the KMS key). */
    smartAccount: address,
    /** The ArbExecutor whose operator is the smart account. */
    smartAccountContract: address,
    bundlerTimeoutMs: z
      .number()
      .int("must be whole milliseconds")
      .min(100, "must be 100..999999 milliseconds")
      .max(999_999, "must be 100..999999 milliseconds")
      .default(5_000),
    /** Send from the EOA when the bundler is down or slow; default reject the order. */
    eoaFallback: z.boolean().default(false),
  })
  .strict();

const scaling = z
  .object({ min: z.number().int().min(0).max(100), max: z.number().int().min(1).max(1000) })
  .strict()
  .refine((s) => s.min <= s.max, { message: "min must not exceed max" });

const rollout = z.discriminatedUnion("strategy", [
  // Every request to the newest revision.
  z.object({ strategy: z.literal("latest") }).strict(),
  // `canaryPercent` of requests to the newest revision, the rest to `stableRevision`.
  z
    .object({
      strategy: z.literal("canary"),
      stableRevision: z.string().min(1),
      canaryPercent: z.number().int().min(1).max(50),
    })
    .strict(),
  // All traffic on `stableRevision` ("blue"); the newest revision ("green") is reachable only by its tag URL.
  z.object({ strategy: z.literal("blue-green"), stableRevision: z.string().min(1) }).strict(),
]);

// Where the bots' spans go, on Cloud Run and GKE alike (components/common/tracing.ts): an OTLP endpoint, or a collector
// sidecar whose image is pinned by digest (it runs with the bot's identity, so it must not follow a moving tag). One
// object rather than a union, so a bad field is named in the error rather than "invalid input".
const tracing = z
  .object({
    otlpEndpoint: z.string().url("must be an OTLP/HTTP URL").optional(),
    collector: z
      .object({
        image: z
          .string()
          .regex(/^[a-z0-9.-]+\/[a-z0-9._/-]+@sha256:[0-9a-f]{64}$/, "must be an image pinned by digest (…@sha256:…)"),
      })
      .strict()
      .optional(),
    sampleRatio: z.number().gt(0, "must be above 0").max(1, "must be at most 1").optional(),
  })
  .strict()
  .superRefine((t, ctx) => {
    if ((t.otlpEndpoint === undefined) === (t.collector === undefined))
      ctx.addIssue({ code: "custom", message: "must set exactly one of otlpEndpoint and collector" });
  })
  .transform(({ otlpEndpoint, collector, sampleRatio }): TracingArgs => {
    const ratio = sampleRatio === undefined ? {} : { sampleRatio };
    return collector ? { collector, ...ratio } : { otlpEndpoint: otlpEndpoint as string, ...ratio };
  });

const schema = z
  .object({
    project: z
      .string()
      .regex(/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/, "must be a GCP project id (6-30 lowercase letters, digits, '-')"),
    environment: z.enum(["dev", "staging", "prod"]),
    owner: labelValue,
    dataClassification: z.enum(["internal", "confidential", "restricted"]),
    regions: z
      .array(
        z.enum(APPROVED_REGIONS, { errorMap: () => ({ message: `must be one of ${APPROVED_REGIONS.join(", ")}` }) }),
      )
      .min(1, "must list at least one region")
      .max(5)
      .refine((r) => new Set(r).size === r.length, "must not repeat a region"),
    primaryRegion: z.string(),
    runtime: z.enum(["cloudrun", "gke"]).default("cloudrun"),
    networkCidr: z
      .string()
      .regex(/^\d{1,3}(\.\d{1,3}){3}\/(8|9|1[0-6])$/, "must be an IPv4 CIDR between /8 and /16")
      .default("10.20.0.0/16"),
    domain: z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, "must be a DNS name for the managed certificate"),
    imageRegistry: z.string().regex(/^[a-z0-9.-]+\/[a-z0-9._/-]+$/, "must be an Artifact Registry path"),
    /** A tag, or (what deploy.yml sets) the pushed image's digest, so a rollout never follows a moving tag. */
    imageTag: z
      .string()
      .regex(/^(sha256:[0-9a-f]{64}|[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$/, "must be an image tag or a sha256: digest"),
    scaling: z.record(z.enum(BOTS), scaling).default({}),
    rollout: rollout.default({ strategy: "latest" }),
    databaseTier: z
      .string()
      .regex(/^db-/, "must be a Cloud SQL tier such as db-custom-2-7680")
      .default("db-custom-2-7680"),
    databaseGenerations: z
      .record(z.enum(APPROVED_REGIONS), z.number().int().min(1, "must be >= 1").max(99))
      .default({}),
    redisMemoryGb: z.number().int().min(1).max(300).default(1),
    alertEmails: z
      .object({ warning: z.array(email).min(1), critical: z.array(email).min(1), emergency: z.array(email).min(1) })
      .strict(),
    pagerduty: z.boolean().default(false),
    pagerdutyServiceKey: z.string().optional(),
    replicaLagRpoSeconds: z.number().int().min(1).max(3600).default(60),
    /** The API's 28-day availability objective; the burn-rate alerts' thresholds are computed from it (MON-001). */
    sloGoal: z
      .number()
      .gt(0.9, "must be above 0.9 (90%)")
      .lt(1, "must be below 1: a 100% objective leaves no error budget to alert on")
      .default(0.995),
    githubRepository: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, "must be OWNER/REPO"),
    // The VPC Service Controls perimeter (NET-005; prod's policy configuration requires it): README, "First deploy".
    servicePerimeter: z
      .object({
        accessPolicy: z
          .string()
          .regex(
            /^accessPolicies\/\d+$/,
            "must be accessPolicies/NUMBER (gcloud access-context-manager policies list --organization ORG_ID)",
          ),
        operators: z
          .array(
            z
              .string()
              .regex(/^(user|serviceAccount):[^\s@]+@[^\s@]+\.[^\s@]+$/, "must be user:EMAIL or serviceAccount:EMAIL"),
          )
          .default([]),
        dryRun: z.boolean().default(false),
      })
      .strict()
      .optional(),
    // Who handles secret-rotation reminders: may pull and acknowledge them (runbooks/secret-rotation.md).
    rotationHandlers: z
      .array(
        z
          .string()
          .regex(
            /^(user|group|serviceAccount):[^\s@]+@[^\s@]+\.[^\s@]+$/,
            "must be user:, group: or serviceAccount: EMAIL",
          ),
      )
      .default([]),
    // Versions operators added to their secrets (README, "First deploy"); until all are set no bot is deployed.
    secretVersions: z
      .object({
        "rpc-urls": z.number().int().min(1, "must be a version number >= 1").optional(),
        "api-session-secret": z.number().int().min(1, "must be a version number >= 1").optional(),
        // Only with alpha-orion:relay: the reputation key's version.
        "relay-reputation-key": z.number().int().min(1, "must be a version number >= 1").optional(),
        // Only with alpha-orion:userOperations: the bundler's and the paymaster's URLs.
        "bundler-url": z.number().int().min(1, "must be a version number >= 1").optional(),
        "paymaster-url": z.number().int().min(1, "must be a version number >= 1").optional(),
      })
      .strict()
      .default({}),
    // What the bots trade; until it is set no bot is deployed (README, "First deploy").
    trading: trading.optional(),
    // The executor's relay and bid; unset, trades go to the public mempool.
    relay: relay.optional(),
    // The ERC-4337 route; unset, the EOA route.
    userOperations: userOperations.optional(),
    // Where the bots' spans go; none recorded when unset.
    tracing: tracing.optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (!c.regions.includes(c.primaryRegion as (typeof APPROVED_REGIONS)[number])) {
      ctx.addIssue({
        code: "custom",
        path: ["primaryRegion"],
        message: `must be one of regions (${c.regions.join(", ")})`,
      });
    }
    if (c.environment === "prod" && c.regions.length < 2) {
      ctx.addIssue({ code: "custom", path: ["regions"], message: "prod needs a replica region besides the primary" });
    }
    if (c.pagerduty && c.pagerdutyServiceKey === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["pagerdutyServiceKey"],
        message: "is required when pagerduty is true: pulumi config set --secret alpha-orion:pagerdutyServiceKey KEY",
      });
    }
    if (c.secretVersions["relay-reputation-key"] !== undefined && c.relay === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["secretVersions", "relay-reputation-key"],
        message: "is the relay's reputation key, but alpha-orion:relay is not set (no executor would read it)",
      });
    }
    for (const id of ["bundler-url", "paymaster-url"] as const) {
      if (c.secretVersions[id] !== undefined && c.userOperations === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["secretVersions", id],
          message: "is the ERC-4337 route's, but alpha-orion:userOperations is not set (no executor would read it)",
        });
      }
    }
    if (c.userOperations && c.userOperations.smartAccount.toLowerCase() === c.trading?.executorAccount.toLowerCase()) {
      ctx.addIssue({
        code: "custom",
        path: ["userOperations", "smartAccount"],
        message: "is trading.executorAccount itself: the smart account is a contract that key owns",
      });
    }
    if (c.relay && c.relay.url === undefined && c.trading && relayUrlOf(c.trading.chain) === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["relay", "url"],
        message: `is required: chains/${c.trading.chain}.json names no relayUrl`,
      });
    }
    for (const [bot, s] of Object.entries(c.scaling)) {
      if (c.environment === "prod" && s.min < 1) {
        ctx.addIssue({
          code: "custom",
          path: ["scaling", bot, "min"],
          message: "must be >= 1 in prod (no cold starts)",
        });
      }
    }
  });

export type StackConfig = z.infer<typeof schema> & { primaryRegion: (typeof APPROVED_REGIONS)[number] };

/** A stack config the program refuses; `key` is the Pulumi config key ("alpha-orion:regions[1]"). */
export class StackConfigError extends Error {
  override readonly name = "StackConfigError";
  constructor(
    readonly source: string,
    readonly key: string,
    readonly reason: string,
  ) {
    super(`${source}: ${key}: ${reason}`);
  }
}

const PROJECT = "alpha-orion";

function keyOf(path: readonly (string | number)[]): string {
  const [head, ...rest] = path;
  const base = head === "project" ? "gcp:project" : `${PROJECT}:${String(head ?? "")}`;
  return base + rest.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("");
}

/**
 * Validates Pulumi config (keys as in Pulumi.<stack>.yaml: "gcp:project", "alpha-orion:regions", ...).
 * Keys of other namespaces (gcp:region, ...) are the providers' business and pass through unchecked.
 */
export function parseStackConfig(raw: Readonly<Record<string, unknown>>, source: string): StackConfig {
  const own: Record<string, unknown> = { project: raw["gcp:project"] };
  for (const [key, value] of Object.entries(raw)) {
    if (key.startsWith(`${PROJECT}:`)) own[key.slice(PROJECT.length + 1)] = value;
  }
  const parsed = schema.safeParse(own);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (issue === undefined) throw new StackConfigError(source, "config", "is invalid");
    const reason =
      issue.code === "unrecognized_keys"
        ? `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `${PROJECT}:${k}`).join(", ")}`
        : issue.message === "Required"
          ? "is required"
          : issue.message;
    throw new StackConfigError(source, issue.code === "unrecognized_keys" ? "config" : keyOf(issue.path), reason);
  }
  return parsed.data as StackConfig;
}
