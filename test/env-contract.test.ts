/**
 * The env contract, checked on the prod plan: the env each bot gets (the Region component, the writer) against the
 * schema of the bot it runs (apps/domain/env, the reader), on both runtimes: Cloud Run services (secrets as env by
 * reference) and, with `runtime: gke`, the workers' Deployments (secrets as files the Secret Manager add-on mounts,
 * named by `<VAR>_FILE`, resolved here by the bots' own loader). A variable written but never read, or read as
 * required but never written, fails here, never in a deploy; so does a combination the bots' connection code refuses
 * (TLS without a CA, Cloud SQL without an IAM user).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { chainChecksFromEnv } from "../apps/api/chain-env.ts";
import { importReportKey } from "../apps/api/report-trust.ts";
import { controlStoreEndpoint, databasePlan, redisEndpoint } from "../apps/connections/index.ts";
import {
  botEnvSchemas,
  migrateEnvSchema,
  parseEnv,
  resolveSecretFiles,
  type EnvBot,
} from "../apps/domain/env/index.ts";
import { MOCK_REDIS_SERVER_CA } from "../components/common/mocks.ts";
import { SECRETS_CSI_DRIVER } from "../components/kubernetes/index.ts";
import { relaySubmission } from "../apps/services/run/relay.ts";
import { userOperationRoute } from "../apps/services/run/run-bot.ts";
import { captureStack, type PlanCapture } from "../stacks/offline/capture.ts";
import { regionsOf } from "../stacks/offline/summary.ts";

type EnvEntry = { name: string; value?: string; valueSource?: { secretKeyRef?: { secret: string; version: string } } };
type Container = { args: string[]; envs: EnvEntry[] };
type PodContainer = {
  args: string[];
  env: { name: string; value?: unknown }[];
  volumeMounts: { name: string; mountPath: string }[];
};
type PodSpec = {
  containers: PodContainer[];
  volumes: { name: string; csi?: { driver: string; volumeAttributes: { secretProviderClass: string } } }[];
};

/** Stand-ins for what Secret Manager holds, each in the shape its variable must have. */
const SECRET_VALUES: Record<string, string> = {
  REDIS_PASSWORD: "memorystore-auth-string",
  ORION_CONTROL_REDIS_PASSWORD: "primary-memorystore-auth-string",
  RPC_URLS: "https://rpc-1.example.com/key,https://rpc-2.example.com/key",
  ORION_KEYS: "{}",
  // The relay's reputation key: any key but the executor account's.
  ORION_RELAY_KEY: `0x${"5e".repeat(32)}`,
  // Hosted ERC-4337 endpoints carry the provider's API key in the URL.
  ORION_BUNDLER_URL: "https://api.pimlico.example/v2/8453/rpc?apikey=bundler-key",
  ORION_PAYMASTER_URL: "https://api.pimlico.example/v2/8453/rpc?apikey=paymaster-key",
};
const REGIONS = ["us-central1", "us-east4", "us-west1"];
const BOTS: EnvBot[] = ["api", "executor", "orchestrator", "scanner"];

/** One bot as its runtime starts it: the variables written (secret files resolved) and their values. */
interface Delivered {
  region: string;
  bot: EnvBot;
  written: string[];
  env: Record<string, string>;
}

function standIn(variable: string): string {
  const value = SECRET_VALUES[variable];
  expect(value, `no stand-in for secret ${variable}`).toBeDefined();
  return value as string;
}

function botOf(args: string[] | undefined): EnvBot {
  const [command, bot] = args ?? [];
  expect(command).toBe("run");
  return bot as EnvBot;
}

/** Cloud Run: secrets by reference only, pinned to a version (never latest), and never a literal value. */
function cloudRunBots(plan: PlanCapture): Delivered[] {
  const regionOf = regionsOf(plan.resources);
  return plan.resources
    .filter((r) => r.type === "gcp:cloudrunv2/service:Service")
    .map((s) => {
      const [container] = (s.inputs.template as { containers: Container[] }).containers;
      const env: Record<string, string> = {};
      for (const e of container?.envs ?? []) {
        if (e.valueSource?.secretKeyRef) {
          expect(e.value).toBeUndefined();
          expect(e.valueSource.secretKeyRef.version).toMatch(/^\d+$/);
          env[e.name] = standIn(e.name);
        } else {
          expect(typeof e.value, e.name).toBe("string");
          env[e.name] = e.value as string;
        }
      }
      const written = (container?.envs ?? []).map((e) => e.name);
      return { region: regionOf.get(s.urn) ?? "?", bot: botOf(container?.args), written, env };
    });
}

/**
 * GKE: each `<VAR>_FILE` must name a file in a volume of the add-on's driver whose SecretProviderClass maps that file
 * to a pinned Secret Manager version. The stand-in is written where the pod would see it (under `files`), and the
 * bots' own loader turns the env into what `orion run` parses.
 */
function gkeBots(plan: PlanCapture, files: string): Delivered[] {
  const regionOf = regionsOf(plan.resources);
  const inRegion = (type: string) => (region: string) =>
    plan.resources.filter((r) => r.type === type && regionOf.get(r.urn) === region);
  const classes = inRegion("kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass");
  return plan.resources
    .filter((r) => r.type === "kubernetes:apps/v1:Deployment")
    .map((d) => {
      const region = regionOf.get(d.urn) ?? "?";
      const pod = (d.inputs.spec as { template: { spec: PodSpec } }).template.spec;
      const [container] = pod.containers;
      const bot = botOf(container?.args);
      const raw: Record<string, string> = {};
      for (const e of container?.env ?? []) {
        expect(typeof e.value, e.name).toBe("string");
        raw[e.name] = e.value as string;
        if (!e.name.endsWith("_FILE")) continue;
        const variable = e.name.slice(0, -"_FILE".length);
        const path = e.value as string;
        const mount = container?.volumeMounts.find((m) => m.mountPath === dirname(path));
        const csi = pod.volumes.find((v) => v.name === mount?.name)?.csi;
        expect(csi?.driver, `${region} ${bot} ${e.name}: no secrets volume at ${dirname(path)}`).toBe(
          SECRETS_CSI_DRIVER,
        );
        const spc = classes(region).find(
          (c) => (c.inputs.metadata as { name: string }).name === csi?.volumeAttributes.secretProviderClass,
        );
        const spec = spc?.inputs.spec as { provider: string; parameters: { secrets: string } } | undefined;
        expect(spec?.provider).toBe("gke");
        const entry = (JSON.parse(spec?.parameters.secrets ?? "[]") as { resourceName: string; path: string }[]).find(
          (s) => s.path === basename(path),
        );
        expect(entry?.resourceName, `${region} ${bot} ${e.name}`).toMatch(
          /^projects\/[^/]+\/secrets\/[^/]+\/versions\/\d+$/,
        );
        const local = join(files, region, bot, basename(path));
        mkdirSync(dirname(local), { recursive: true });
        writeFileSync(local, `${standIn(variable)}\n`);
        raw[e.name] = local;
      }
      const env = resolveSecretFiles(raw) as Record<string, string>;
      const written = (container?.env ?? []).map((e) => e.name.replace(/_FILE$/, ""));
      return { region, bot, written, env };
    });
}

/** The variables a schema declares, and those it cannot do without. */
function contractOf(bot: EnvBot): { reads: string[]; required: string[] } {
  const shape = botEnvSchemas[bot].shape as Record<string, { safeParse(v: unknown): { success: boolean } }>;
  const reads = Object.keys(shape);
  return { reads, required: reads.filter((v) => !shape[v]?.safeParse(undefined).success) };
}

/**
 * The API's chain variables are optional in its contract (a laptop runs it without a chain), so "required but never
 * written" cannot catch a Region that leaves them out: in the cloud it must get every input of its live pre-flight
 * (the chain, the executor, its region's signing key) and the proxy hops in front of it.
 */
async function checkApiPreflight(env: Record<string, string>, region: string): Promise<void> {
  const api = parseEnv(botEnvSchemas.api, env);
  expect(api.RPC_URLS).toEqual({ requests: SECRET_VALUES.RPC_URLS?.split(","), heads: [] });
  expect(api.ORION_CHAIN_ID).toBe(8453);
  expect(api.ORION_SIGNER_KMS).toMatch(
    new RegExp(`/locations/${region}/keyRings/[^/]+/cryptoKeys/executor-signer/cryptoKeyVersions/1$`),
  );
  expect(api.ORION_EXECUTOR_CONTRACT).toMatch(/^0x[0-9a-f]{40}$/);
  expect(api.ORION_EXECUTOR_ACCOUNT).toMatch(/^0x[0-9a-f]{40}$/);
  // The global external Application Load Balancer and Cloud Run's front end (components/region/env.ts).
  expect(api.ORION_TRUST_PROXY).toBe(2);
  // The signed compliance report the pre-flight requires: this stack's, verified with the CI identity's key.
  expect(api.ORION_STACK).toBe("prod");
  await expect(importReportKey(api.ORION_REPORT_PUBLIC_KEY ?? "")).resolves.toBeDefined();
  const chain = chainChecksFromEnv(api);
  expect(chain, "the API would run no chain checks").not.toBeNull();
  await chain?.close();
}

/** Writes only what the bot reads, everything it requires, and values it accepts. */
async function checkContract({ bot, written, env, region }: Delivered): Promise<void> {
  const { reads, required } = contractOf(bot);
  expect(written.filter((v) => !reads.includes(v))).toEqual([]);
  expect(required.filter((v) => !written.includes(v))).toEqual([]);
  expect(new Set(written).size).toBe(written.length);
  expect(() => parseEnv(botEnvSchemas[bot], env)).not.toThrow();
  if (bot === "api") await checkApiPreflight(env, region);

  // Memorystore: TLS on its TLS port, verified against the instance's own CA, with AUTH.
  expect(redisEndpoint(env)).toEqual({
    host: "10.100.1.4",
    port: 6378,
    db: 0,
    password: SECRET_VALUES.REDIS_PASSWORD,
    tls: { ca: expect.stringContaining(MOCK_REDIS_SERVER_CA) as string },
  });
  // The control store: the primary region's Memorystore for every region, over TLS with that instance's CA.
  expect(controlStoreEndpoint(env)).toEqual({
    host: "10.100.1.4",
    port: 6378,
    db: 0,
    password: SECRET_VALUES.ORION_CONTROL_REDIS_PASSWORD,
    tls: { ca: expect.stringMatching(/^mock CA of orion-prod-redis-usc1\n/) as string },
  });
  if (bot === "scanner") {
    expect(written.filter((v) => v.startsWith("DATABASE_"))).toEqual([]);
    return;
  }
  // Cloud SQL through the connector as the bot's own IAM user: writes to the primary, reads in its own region.
  const user = `orion-prod-${bot}@alpha-orion-prod.iam`;
  expect(databasePlan(env)).toEqual({
    write: {
      kind: "cloud-sql",
      instance: "alpha-orion-prod:us-central1:orion-prod-pg-us-central1",
      user,
      database: "orion",
    },
    read: {
      kind: "cloud-sql",
      instance: expect.stringMatching(new RegExp(`^alpha-orion-prod:${region}:orion-prod-pg-${region}`)) as string,
      user,
      database: "orion",
    },
  });
}

/** The ERC-4337 route's variables (apps/domain/env/bots.ts). */
const ROUTE_VARIABLE = /^ORION_(EXECUTION|ENTRY_POINT|SMART_ACCOUNT|BUNDLER|PAYMASTER|EOA_FALLBACK)/;

const everyBotEverywhere = REGIONS.flatMap((r) => BOTS.map((b) => `${r} ${b}`));
const label = (d: Delivered) => `${d.region} ${d.bot}`;

describe("the env contract on the prod plan", async () => {
  const plan = await captureStack("prod");
  const services = cloudRunBots(plan);

  it("has no ERC-4337 route (the default): no URL secrets and no route variable, so the EOA route", () => {
    expect(plan.resources.filter((r) => /(bundler|paymaster)-url$/.test(String(r.inputs.secretId ?? "")))).toEqual([]);
    for (const s of services) expect(s.written.filter((v) => ROUTE_VARIABLE.test(v))).toEqual([]);
  });

  it("has no relay (the default): no reputation key secret and no relay variable, so the public mempool", () => {
    expect(plan.resources.filter((r) => /relay-reputation-key/.test(String(r.inputs.secretId ?? "")))).toEqual([]);
    for (const s of services) expect(s.written.filter((v) => /^ORION_(RELAY|BID)_/.test(v))).toEqual([]);
  });

  it("runs each of the four bots in each of the three regions", () => {
    expect(services.map(label).sort()).toEqual(everyBotEverywhere);
  });

  it.each(services.map((s) => [label(s), s] as const))(
    "%s: writes only what the bot reads, everything it requires, and values it accepts",
    (_, delivered) => checkContract(delivered),
  );

  it("gives the migrate job exactly what `orion migrate` reads: Cloud SQL as the migrate user, the bots' users", () => {
    const jobs = plan.resources.filter((r) => r.type === "gcp:cloudrunv2/job:Job");
    expect(jobs).toHaveLength(1);
    const template = (jobs[0]?.inputs.template as { template: { containers: Container[] } }).template;
    const [container] = template.containers;
    expect(container?.args).toEqual(["migrate"]);
    const env = Object.fromEntries((container?.envs ?? []).map((e) => [e.name, e.value as string]));
    const roles = parseEnv(migrateEnvSchema.strict(), env).ORION_APP_ROLES;
    const users = services.filter((s) => s.bot !== "scanner").map((s) => s.env.DATABASE_USER);
    expect([...roles].sort()).toEqual([...new Set(users)].sort());
    const write = databasePlan(env).write;
    expect(write).toMatchObject({ kind: "cloud-sql", user: expect.stringMatching(/^orion-prod-migrate@/) });
    expect(write.kind === "cloud-sql" && write.instance).toBe(
      services.find((s) => s.bot === "api")?.env.DATABASE_INSTANCE,
    );
  });
});

describe("the env contract on the prod plan with runtime gke", async () => {
  const files = mkdtempSync(join(tmpdir(), "orion-env-contract-"));
  afterAll(() => rmSync(files, { recursive: true, force: true }));
  const plan = await captureStack("prod", { config: { "alpha-orion:runtime": "gke" } });
  const bots = [...cloudRunBots(plan), ...gkeBots(plan, files)];

  it("runs the API on Cloud Run and the workers on GKE, in each of the three regions", () => {
    expect(bots.map(label).sort()).toEqual(everyBotEverywhere);
    expect(cloudRunBots(plan).map((s) => s.bot)).toEqual(REGIONS.map(() => "api"));
  });

  it.each(bots.map((s) => [label(s), s] as const))(
    "%s: writes only what the bot reads, everything it requires, and values it accepts",
    (_, delivered) => checkContract(delivered),
  );
});

describe("the env contract with tracing, on both runtimes", async () => {
  const files = mkdtempSync(join(tmpdir(), "orion-env-contract-"));
  afterAll(() => rmSync(files, { recursive: true, force: true }));
  const tracing = { collector: { image: `europe-docker.pkg.dev/p/otel/collector@sha256:${"a".repeat(64)}` } };
  const cloudrun = await captureStack("prod", { config: { "alpha-orion:tracing": tracing } });
  const gke = await captureStack("prod", { config: { "alpha-orion:runtime": "gke", "alpha-orion:tracing": tracing } });
  const bots = [...cloudRunBots(cloudrun), ...cloudRunBots(gke), ...gkeBots(gke, files)];

  it.each(bots.map((s) => [label(s), s] as const))(
    "%s: the span variables are the contract's, and the bot's tracing reads them",
    (_, delivered) => {
      checkContract(delivered);
      const env = parseEnv(botEnvSchemas[delivered.bot], delivered.env);
      expect(env).toMatchObject({
        OTEL_SERVICE_NAME: `orion-prod-${delivered.bot}`,
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://localhost:4318",
        OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
        OTEL_TRACES_SAMPLER_ARG: "1",
      });
    },
  );
});

describe("the env contract with a relay, on both runtimes", async () => {
  const files = mkdtempSync(join(tmpdir(), "orion-env-contract-"));
  afterAll(() => rmSync(files, { recursive: true, force: true }));
  const relay = {
    "alpha-orion:relay": { url: "https://relay.example.com", bidShareBps: 7_000 },
    "alpha-orion:secretVersions": { "rpc-urls": 1, "api-session-secret": 1, "relay-reputation-key": 4 },
  };
  const cloudrun = await captureStack("prod", { config: relay });
  const gke = await captureStack("prod", { config: { ...relay, "alpha-orion:runtime": "gke" } });
  const bots = [...cloudRunBots(cloudrun), ...cloudRunBots(gke), ...gkeBots(gke, files)];

  it.each(bots.map((s) => [label(s), s] as const))(
    "%s: the relay variables are the executor's alone, and its relay is the configured one",
    async (_, delivered) => {
      await checkContract(delivered);
      const relayed = delivered.written.filter((v) => /^ORION_(RELAY|BID)_/.test(v));
      if (delivered.bot !== "executor") {
        expect(relayed).toEqual([]);
        return;
      }
      expect(relayed.sort()).toEqual(["ORION_BID_SHARE_BPS", "ORION_RELAY_KEY", "ORION_RELAY_URL"]);
      const env = parseEnv(botEnvSchemas.executor, delivered.env);
      const profile = { name: "base" };
      expect(relaySubmission(env, profile)).toEqual({
        url: "https://relay.example.com",
        reputationKey: SECRET_VALUES.ORION_RELAY_KEY,
        bidShareBps: 7_000,
      });
    },
  );

  it("creates the reputation key's secret with the executor's account as its only accessor", () => {
    for (const plan of [cloudrun, gke]) {
      const grants = plan.resources.filter(
        (r) =>
          r.type === "gcp:secretmanager/secretIamMember:SecretIamMember" &&
          String(r.inputs.secretId).endsWith("relay-reputation-key"),
      );
      expect(grants.map((g) => [g.inputs.role, g.inputs.member])).toEqual([
        [
          "roles/secretmanager.secretAccessor",
          "serviceAccount:orion-prod-executor@alpha-orion-prod.iam.gserviceaccount.com",
        ],
      ]);
    }
  });
});

describe("the env contract with the ERC-4337 route, on both runtimes", async () => {
  const files = mkdtempSync(join(tmpdir(), "orion-env-contract-"));
  afterAll(() => rmSync(files, { recursive: true, force: true }));
  const route = {
    entryPoint: "0x4337084d9e255ff0702461cf8895ce9e3b5ff108",
    smartAccount: "0x00000000000000000000000000000000000000a4",
    smartAccountContract: "0x00000000000000000000000000000000000000e4",
    bundlerTimeoutMs: 3_000,
  };
  const config = {
    "alpha-orion:userOperations": route,
    "alpha-orion:secretVersions": { "rpc-urls": 1, "api-session-secret": 1, "bundler-url": 2, "paymaster-url": 3 },
  };
  const cloudrun = await captureStack("prod", { config });
  const gke = await captureStack("prod", { config: { ...config, "alpha-orion:runtime": "gke" } });
  const bots = [...cloudRunBots(cloudrun), ...cloudRunBots(gke), ...gkeBots(gke, files)];

  it.each(bots.map((s) => [label(s), s] as const))(
    "%s: the route's variables are the executor's alone, and its route is the configured one",
    async (_, delivered) => {
      await checkContract(delivered);
      const written = delivered.written.filter((v) => ROUTE_VARIABLE.test(v));
      if (delivered.bot !== "executor") {
        expect(written).toEqual([]);
        return;
      }
      expect(written.sort()).toEqual([
        "ORION_BUNDLER_TIMEOUT_MS",
        "ORION_BUNDLER_URL",
        "ORION_ENTRY_POINT",
        "ORION_EOA_FALLBACK",
        "ORION_EXECUTION",
        "ORION_PAYMASTER_URL",
        "ORION_SMART_ACCOUNT",
        "ORION_SMART_ACCOUNT_CONTRACT",
      ]);
      const env = parseEnv(botEnvSchemas.executor, delivered.env);
      // What `orion run executor` builds its route from: the configured one, the KMS key as the owner.
      // A profile that leaves it out: the hosted bundler estimates each trade.
      expect(userOperationRoute(env, { chainId: 8453 }, {}).config).toEqual({
        account: route.smartAccount,
        contract: route.smartAccountContract,
        owner: env.ORION_EXECUTOR_ACCOUNT,
        entryPoint: route.entryPoint,
        fallbackToEoa: false,
        estimateEachTrade: true,
      });
      expect(env).toMatchObject({
        ORION_BUNDLER_URL: SECRET_VALUES.ORION_BUNDLER_URL,
        ORION_PAYMASTER_URL: SECRET_VALUES.ORION_PAYMASTER_URL,
        ORION_BUNDLER_TIMEOUT_MS: 3_000,
        ORION_SIGNER_KMS: expect.stringMatching(/cryptoKeyVersions\/1$/) as string,
      });
    },
  );

  it("creates the two URL secrets with the executor's account as their only accessor", () => {
    for (const plan of [cloudrun, gke]) {
      for (const id of ["bundler-url", "paymaster-url"]) {
        const grants = plan.resources.filter(
          (r) =>
            r.type === "gcp:secretmanager/secretIamMember:SecretIamMember" && String(r.inputs.secretId).endsWith(id),
        );
        expect(grants.map((g) => [g.inputs.role, g.inputs.member])).toEqual([
          [
            "roles/secretmanager.secretAccessor",
            "serviceAccount:orion-prod-executor@alpha-orion-prod.iam.gserviceaccount.com",
          ],
        ]);
      }
    }
  });
});
