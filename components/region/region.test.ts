import { describe, expect, it } from "vitest";
import { at, build, ofType, unlabelled } from "../common/test-helpers.ts";
import { API_PROXY_HOPS, botEnv, botSecrets, type BotEnvOf, type RegionEndpoints } from "./env.ts";
import { example, regionArgs } from "./example.ts";
import { SECRETS_DIR } from "../kubernetes/manifests.ts";
import { Region } from "./region.ts";

const endpoints: RegionEndpoints = {
  project: "p",
  region: "us-east4",
  redisHost: "10.0.0.3",
  redisPort: "6378",
  redisCa: "-----BEGIN CERTIFICATE-----",
  controlRedisHost: "10.0.0.9",
  controlRedisCaCert: "-----BEGIN CERTIFICATE-----",
  databaseWriter: "p:us-central1:pg",
  databaseReader: "p:us-east4:pg",
  databaseUsers: {
    scanner: "orion-scanner@p.iam",
    orchestrator: "orion-orchestrator@p.iam",
    executor: "orion-executor@p.iam",
    api: "orion-api@p.iam",
  },
  signer: "projects/p/locations/us-east4/keyRings/k/cryptoKeys/executor-signer/cryptoKeyVersions/1",
  trading: regionArgs.trading!,
};

describe("botEnv / botSecrets", () => {
  it("gives each bot only what it uses: the scanner has no database, only the executor and the API the signer", () => {
    expect(botEnv("scanner", endpoints)).not.toHaveProperty("DATABASE_INSTANCE");
    expect(botEnv("executor", endpoints)).toMatchObject({
      ORION_SIGNER_KMS: endpoints.signer,
      DATABASE_INSTANCE: "p:us-central1:pg",
      DATABASE_READ_INSTANCE: "p:us-east4:pg",
      DATABASE_USER: "orion-executor@p.iam",
    });
    for (const bot of ["scanner", "orchestrator"] as const)
      expect(botEnv(bot, endpoints)).not.toHaveProperty("ORION_SIGNER_KMS");
  });
  it("gives the API what its live pre-flight checks, and the proxy hops in front of it", () => {
    expect(botEnv("api", endpoints)).toMatchObject({
      ORION_SIGNER_KMS: endpoints.signer,
      ORION_CHAIN_ID: "8453",
      ORION_EXECUTOR_CONTRACT: endpoints.trading.executorContract,
      ORION_EXECUTOR_ACCOUNT: endpoints.trading.executorAccount,
      ORION_TRUST_PROXY: String(API_PROXY_HOPS),
    });
    expect(API_PROXY_HOPS).toBe(2);
    expect(botSecrets("api").RPC_URLS).toBe("rpc-urls");
    // The API neither scans nor trades: no markets.
    expect(botEnv("api", endpoints)).not.toHaveProperty("ORION_POOLS");
  });
  it("types each bot's env by that bot's schema: a variable it does not read does not compile", () => {
    // @ts-expect-error REDIS_HOSTNAME is no variable of the scanner's contract (apps/domain/env): typecheck fails
    const renamed: BotEnvOf<"scanner", string> = { REDIS_HOSTNAME: "10.0.0.3" };
    // @ts-expect-error the scanner keeps no database: DATABASE_INSTANCE is not in its contract
    const misplaced: BotEnvOf<"scanner", string> = { DATABASE_INSTANCE: "p:r:i" };
    const read: BotEnvOf<"orchestrator", string> = { DATABASE_INSTANCE: "p:r:i", REDIS_HOST: "10.0.0.3" };
    expect([renamed, misplaced, read]).toHaveLength(3);
  });
  it("reads RPC URLs only in the bots that talk to the chain (the API's pre-flight does); its keys only in the API", () => {
    expect(Object.keys(botSecrets("orchestrator"))).toEqual(["REDIS_PASSWORD", "ORION_CONTROL_REDIS_PASSWORD"]);
    expect(botSecrets("executor")).toEqual({
      REDIS_PASSWORD: "redis-auth",
      ORION_CONTROL_REDIS_PASSWORD: "control-redis-auth",
      RPC_URLS: "rpc-urls",
    });
    expect(botSecrets("api")).toMatchObject({ ORION_KEYS: "api-session-secret", RPC_URLS: "rpc-urls" });
  });
  it("points every bot at the one control store, whichever region it runs in", () => {
    for (const bot of ["scanner", "orchestrator", "executor", "api"] as const) {
      expect(botEnv(bot, endpoints)).toMatchObject({
        ORION_CONTROL_REDIS_HOST: "10.0.0.9",
        ORION_CONTROL_REDIS_CA_CERT: "-----BEGIN CERTIFICATE-----",
      });
      expect(botSecrets(bot).ORION_CONTROL_REDIS_PASSWORD).toBe("control-redis-auth");
    }
  });
});

describe("the executor's relay", () => {
  const relay = { url: "https://relay.example.com", bidShareBps: 6_000 };
  it("writes the relay, the bid and the reputation key's secret for the executor only; nothing without a relay", () => {
    expect(botEnv("executor", { ...endpoints, relay })).toMatchObject({
      ORION_RELAY_URL: "https://relay.example.com",
      ORION_BID_SHARE_BPS: "6000",
    });
    expect(botSecrets("executor", { relay }).ORION_RELAY_KEY).toBe("relay-reputation-key");
    // No url: the chain profile's relayUrl; the bid is still written.
    expect(botEnv("executor", { ...endpoints, relay: { bidShareBps: 5_000 } })).not.toHaveProperty("ORION_RELAY_URL");
    for (const bot of ["scanner", "orchestrator", "api"] as const) {
      expect(Object.keys(botEnv(bot, { ...endpoints, relay })).filter((v) => /RELAY|BID/.test(v))).toEqual([]);
      expect(botSecrets(bot, { relay })).not.toHaveProperty("ORION_RELAY_KEY");
    }
    // The safe default: no relay, the public mempool.
    expect(Object.keys(botEnv("executor", endpoints)).filter((v) => /RELAY|BID/.test(v))).toEqual([]);
    expect(botSecrets("executor")).not.toHaveProperty("ORION_RELAY_KEY");
  });

  it("hands the executor its reputation key by pinned secret reference (Cloud Run) or as a file (GKE)", async () => {
    const secrets = { ...regionArgs.secrets, "relay-reputation-key": { secret: "orion-dev-relay-key", version: "3" } };
    const cloudrun = await build(() => new Region("r", { ...regionArgs, relay, secrets }));
    const executor = ofType(cloudrun, "gcp:cloudrunv2/service:Service").find(
      (s) => s.inputs.name === "orion-dev-executor-us-central1",
    );
    const envs = at(executor, "template.containers.0.envs") as { name: string; value?: string }[];
    expect(envs.filter((e) => /RELAY|BID/.test(e.name))).toEqual([
      { name: "ORION_RELAY_URL", value: "https://relay.example.com" },
      { name: "ORION_BID_SHARE_BPS", value: "6000" },
      { name: "ORION_RELAY_KEY", valueSource: { secretKeyRef: { secret: "orion-dev-relay-key", version: "3" } } },
    ]);
    const gke = await build(() => new Region("r", { ...regionArgs, runtime: "gke", relay, secrets }));
    const worker = ofType(gke, "kubernetes:apps/v1:Deployment").find((d) => at(d, "metadata.name") === "executor");
    const env = at(worker, "spec.template.spec.containers.0.env") as { name: string; value: string }[];
    expect(env).toContainEqual({ name: "ORION_RELAY_KEY_FILE", value: `${SECRETS_DIR}/ORION_RELAY_KEY` });
  });

  it("refuses a relay without its key's secret, over plain HTTP, or bidding outside 0..10000", async () => {
    await expect(build(() => new Region("r", { ...regionArgs, relay }))).rejects.toThrow(
      /secrets.relay-reputation-key is missing \(executor reads it\)/,
    );
    const secrets = { ...regionArgs.secrets, "relay-reputation-key": { secret: "k", version: "1" } };
    await expect(
      build(() => new Region("r", { ...regionArgs, secrets, relay: { ...relay, url: "http://relay.example.com" } })),
    ).rejects.toThrow(/relay.url must be an https:\/\/ URL/);
    await expect(
      build(() => new Region("r", { ...regionArgs, secrets, relay: { ...relay, bidShareBps: 10_001 } })),
    ).rejects.toThrow(/relay.bidShareBps must be a whole number of basis points 0..10000/);
  });
});

describe("Region", () => {
  it("runs the four bots on Cloud Run with their own accounts; only the API is public", async () => {
    const resources = await build(() => example());
    const services = ofType(resources, "gcp:cloudrunv2/service:Service");
    expect(services.map((s) => [s.inputs.name, s.inputs.ingress, at(s, "template.serviceAccount")]).sort()).toEqual(
      ["api", "executor", "orchestrator", "scanner"].map((bot) => [
        `orion-dev-${bot}-us-central1`,
        bot === "api" ? "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER" : "INGRESS_TRAFFIC_INTERNAL_ONLY",
        `orion-dev-${bot}@my-project.iam.gserviceaccount.com`,
      ]),
    );
    expect(ofType(resources, "gcp:cloudrunv2/serviceIamMember:ServiceIamMember")).toHaveLength(1);
    expect(ofType(resources, "gcp:redis/instance:Instance")).toHaveLength(1);
    expect(unlabelled(resources)).toEqual([]);
  });

  it("traces the GKE workers as it traces the Cloud Run API: same variables, same sampler, a collector each", async () => {
    const tracing = { collector: { image: "otelcol@sha256:1" }, sampleRatio: 0.2 };
    const resources = await build(() => new Region("r", { ...regionArgs, runtime: "gke", tracing }));
    const otel = (env: { name: string; value?: unknown }[]) =>
      Object.fromEntries(env.filter((e) => e.name.startsWith("OTEL_")).map((e) => [e.name, e.value]));
    const api = ofType(resources, "gcp:cloudrunv2/service:Service")[0];
    const apiEnv = otel(at(api, "template.containers.0.envs") as { name: string; value?: unknown }[]);
    expect(apiEnv).toEqual({
      OTEL_SERVICE_NAME: "orion-dev-api",
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://localhost:4318",
      OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
      OTEL_TRACES_SAMPLER_ARG: "0.2",
    });
    const workers = ofType(resources, "kubernetes:apps/v1:Deployment");
    expect(workers).toHaveLength(3);
    for (const d of workers) {
      const bot = at(d, "metadata.name") as string;
      const env = otel(at(d, "spec.template.spec.containers.0.env") as { name: string; value?: unknown }[]);
      expect(env).toEqual({ ...apiEnv, OTEL_SERVICE_NAME: `orion-dev-${bot}` });
      expect(at(d, "spec.template.spec.initContainers.0.image")).toBe("otelcol@sha256:1");
    }
  });

  it("deploys the API with the chain by secret reference, its region's signing key version and two proxy hops", async () => {
    const resources = await build(() => example());
    const api = ofType(resources, "gcp:cloudrunv2/service:Service").find(
      (s) => s.inputs.name === "orion-dev-api-us-central1",
    );
    const envs = at(api, "template.containers.0.envs") as {
      name: string;
      value?: string;
      valueSource?: { secretKeyRef: { secret: string; version: string } };
    }[];
    const byName = new Map(envs.map((e) => [e.name, e]));
    expect(byName.get("RPC_URLS")).toEqual({
      name: "RPC_URLS",
      valueSource: { secretKeyRef: { secret: "orion-dev-rpc-urls", version: "1" } },
    });
    expect(byName.get("ORION_SIGNER_KMS")?.value).toBe(regionArgs.signingKeyVersionId);
    expect(byName.get("ORION_TRUST_PROXY")?.value).toBe("2");
    expect(byName.get("ORION_CHAIN_ID")?.value).toBe("8453");
  });

  it("moves the workers to GKE, keeping the API on Cloud Run", async () => {
    const resources = await build(() => new Region("r", { ...regionArgs, runtime: "gke" }));
    expect(ofType(resources, "gcp:cloudrunv2/service:Service").map((s) => s.inputs.name)).toEqual([
      "orion-dev-api-us-central1",
    ]);
    expect(ofType(resources, "gcp:container/cluster:Cluster")).toHaveLength(1);
    expect(
      ofType(resources, "kubernetes:apps/v1:Deployment")
        .map((d) => at(d, "metadata.name") as string)
        .sort(),
    ).toEqual(["executor", "orchestrator", "scanner"]);
    // Secrets reach the workers as files of pinned versions, named by <VAR>_FILE: never a secret's bare name.
    const executor = ofType(resources, "kubernetes:apps/v1:Deployment").find(
      (d) => at(d, "metadata.name") === "executor",
    );
    const env = at(executor, "spec.template.spec.containers.0.env") as { name: string; value: string }[];
    expect(env.filter((e) => /_FILE$|_SECRET_NAME$/.test(e.name))).toEqual([
      { name: "REDIS_PASSWORD_FILE", value: `${SECRETS_DIR}/REDIS_PASSWORD` },
      { name: "ORION_CONTROL_REDIS_PASSWORD_FILE", value: `${SECRETS_DIR}/ORION_CONTROL_REDIS_PASSWORD` },
      { name: "RPC_URLS_FILE", value: `${SECRETS_DIR}/RPC_URLS` },
    ]);
    const classes = ofType(resources, "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass");
    expect(classes.map((c) => at(c, "metadata.name")).sort()).toEqual(["executor", "orchestrator", "scanner"]);
    const files = JSON.parse(
      at(
        classes.find((c) => at(c, "metadata.name") === "executor"),
        "spec.parameters.secrets",
      ) as string,
    ) as { resourceName: string; path: string }[];
    expect(files.map((f) => f.path)).toEqual(["REDIS_PASSWORD", "ORION_CONTROL_REDIS_PASSWORD", "RPC_URLS"]);
    for (const f of files) expect(f.resourceName).toMatch(/^projects\/my-project\/secrets\/[^/]+\/versions\/\d+$/);
  });

  it("refuses to deploy the bots without what they trade", async () => {
    const { trading: _trading, ...args } = regionArgs;
    await expect(build(() => new Region("r", args))).rejects.toThrow(/trading is missing/);
    await build(() => new Region("r", { ...args, deployBots: false }));
  });

  it("refuses a region other than the primary without the primary's control store, and the primary with one", async () => {
    await expect(build(() => new Region("r", { ...regionArgs, region: "us-east4" }))).rejects.toThrow(
      /controlStore is missing: a region other than the primary \(us-central1\) reads mode and kill switch/,
    );
    const control = { host: "10.0.0.9", caCert: "pem", authSecret: { secret: "s", version: "1" } };
    await expect(build(() => new Region("r", { ...regionArgs, controlStore: control }))).rejects.toThrow(
      /the primary region's own Redis is the control store/,
    );
  });

  it("refuses to build without a key the runtime needs", async () => {
    const { gke: _gke, ...keys } = regionArgs.keys;
    await expect(build(() => new Region("r", { ...regionArgs, runtime: "gke", keys }))).rejects.toThrow(
      /keys.gke is missing \(the gke runtime needs it\)/,
    );
  });
});

describe("the executor's ERC-4337 route", () => {
  const userOperations = {
    entryPoint: "0x4337084d9e255ff0702461cf8895ce9e3b5ff108",
    smartAccount: "0x00000000000000000000000000000000000000a4",
    smartAccountContract: "0x00000000000000000000000000000000000000e4",
    bundlerTimeoutMs: 4_000,
    eoaFallback: true,
  };
  const ROUTE = /^ORION_(EXECUTION|ENTRY_POINT|SMART_ACCOUNT|BUNDLER|PAYMASTER|EOA_FALLBACK)/;
  const secrets = {
    ...regionArgs.secrets,
    "bundler-url": { secret: "orion-dev-bundler-url", version: "2" },
    "paymaster-url": { secret: "orion-dev-paymaster-url", version: "5" },
  };

  it("writes the route for the executor only, its URLs as secrets; nothing by default (the EOA route)", () => {
    expect(botEnv("executor", { ...endpoints, userOperations })).toMatchObject({
      ORION_EXECUTION: "erc4337",
      ORION_ENTRY_POINT: userOperations.entryPoint,
      ORION_SMART_ACCOUNT: userOperations.smartAccount,
      ORION_SMART_ACCOUNT_CONTRACT: userOperations.smartAccountContract,
      ORION_BUNDLER_TIMEOUT_MS: "4000",
      ORION_EOA_FALLBACK: "true",
    });
    expect(botSecrets("executor", { userOperations })).toMatchObject({
      ORION_BUNDLER_URL: "bundler-url",
      ORION_PAYMASTER_URL: "paymaster-url",
    });
    // Never in the plain env: hosted URLs carry the provider's API key.
    expect(botEnv("executor", { ...endpoints, userOperations })).not.toHaveProperty("ORION_BUNDLER_URL");
    expect(botEnv("executor", { ...endpoints, userOperations })).not.toHaveProperty("ORION_PAYMASTER_URL");
    for (const bot of ["scanner", "orchestrator", "api"] as const) {
      expect(Object.keys(botEnv(bot, { ...endpoints, userOperations })).filter((v) => ROUTE.test(v))).toEqual([]);
      expect(Object.keys(botSecrets(bot, { userOperations })).filter((v) => ROUTE.test(v))).toEqual([]);
    }
    expect(Object.keys(botEnv("executor", endpoints)).filter((v) => ROUTE.test(v))).toEqual([]);
    expect(Object.keys(botSecrets("executor")).filter((v) => ROUTE.test(v))).toEqual([]);
  });

  it("hands the executor both URLs by pinned secret reference (Cloud Run) or as files (GKE)", async () => {
    const cloudrun = await build(() => new Region("r", { ...regionArgs, userOperations, secrets }));
    const executor = ofType(cloudrun, "gcp:cloudrunv2/service:Service").find(
      (s) => s.inputs.name === "orion-dev-executor-us-central1",
    );
    const envs = at(executor, "template.containers.0.envs") as { name: string; value?: string }[];
    expect(envs.filter((e) => /^ORION_(BUNDLER_URL|PAYMASTER_URL)/.test(e.name))).toEqual([
      { name: "ORION_BUNDLER_URL", valueSource: { secretKeyRef: { secret: "orion-dev-bundler-url", version: "2" } } },
      {
        name: "ORION_PAYMASTER_URL",
        valueSource: { secretKeyRef: { secret: "orion-dev-paymaster-url", version: "5" } },
      },
    ]);
    for (const s of ofType(cloudrun, "gcp:cloudrunv2/service:Service").filter((x) => x !== executor)) {
      const other = at(s, "template.containers.0.envs") as { name: string }[];
      expect(other.filter((e) => ROUTE.test(e.name))).toEqual([]);
    }
    const gke = await build(() => new Region("r", { ...regionArgs, runtime: "gke", userOperations, secrets }));
    const worker = ofType(gke, "kubernetes:apps/v1:Deployment").find((d) => at(d, "metadata.name") === "executor");
    const env = at(worker, "spec.template.spec.containers.0.env") as { name: string; value: string }[];
    expect(env).toContainEqual({ name: "ORION_BUNDLER_URL_FILE", value: `${SECRETS_DIR}/ORION_BUNDLER_URL` });
    expect(env).toContainEqual({ name: "ORION_PAYMASTER_URL_FILE", value: `${SECRETS_DIR}/ORION_PAYMASTER_URL` });
    expect(env).toContainEqual({ name: "ORION_EXECUTION", value: "erc4337" });
  });

  it("refuses the route without its secrets, with another EntryPoint, or a timeout out of range", async () => {
    await expect(build(() => new Region("r", { ...regionArgs, userOperations }))).rejects.toThrow(
      /secrets.bundler-url is missing \(executor reads it\)/,
    );
    const other = { ...userOperations, entryPoint: "0x0000000071727de22e5e9d8baf0edac6f37da032" };
    await expect(build(() => new Region("r", { ...regionArgs, secrets, userOperations: other }))).rejects.toThrow(
      /userOperations.entryPoint must be EntryPoint v0.8/,
    );
    const slow = { ...userOperations, bundlerTimeoutMs: 1_000_000 };
    await expect(build(() => new Region("r", { ...regionArgs, secrets, userOperations: slow }))).rejects.toThrow(
      /userOperations.bundlerTimeoutMs must be whole milliseconds 100..999999/,
    );
  });
});
