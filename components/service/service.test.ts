import { describe, expect, it } from "vitest";
import { at, build, ofType, TEST_LABELS, TEST_PROJECT, unlabelled } from "../common/test-helpers.ts";
import { Service, type ServiceArgs } from "./service.ts";
import { literalSecretLikeEnv, trafficFor } from "./traffic.ts";

const args = {
  project: TEST_PROJECT,
  prefix: "orion-test",
  region: "us-central1",
  workload: "executor",
  image: "us-docker.pkg.dev/p/orion/executor:v1",
  serviceAccountEmail: "orion-test-executor@p.iam.gserviceaccount.com",
  runKeyId: "projects/p/locations/us-central1/keyRings/k/cryptoKeys/run",
  networkId: "projects/p/global/networks/vpc",
  subnetId: "projects/p/regions/us-central1/subnetworks/s",
  scaling: { min: 1, max: 3 },
  env: { ORION_REGION: "us-central1" },
  secretEnv: { RPC_URLS: { secret: "orion-test-rpc-urls", version: "2" } },
  labels: TEST_LABELS,
};

describe("trafficFor", () => {
  it.each([
    [{ strategy: "latest" as const }, [["LATEST", 100, "latest"]]],
    [
      { strategy: "canary" as const, stableRevision: "api-00041", canaryPercent: 10 },
      [
        ["REVISION", 90, "stable"],
        ["LATEST", 10, "canary"],
      ],
    ],
    [
      { strategy: "blue-green" as const, stableRevision: "api-00041" },
      [
        ["REVISION", 100, "blue"],
        ["LATEST", 0, "green"],
      ],
    ],
  ])("%j", (rollout, expected) => {
    const traffic = trafficFor(rollout);
    expect(traffic.map((t) => [t.type.replace("TRAFFIC_TARGET_ALLOCATION_TYPE_", ""), t.percent, t.tag])).toEqual(
      expected,
    );
    expect(traffic.reduce((sum, t) => sum + t.percent, 0)).toBe(100);
  });
  it("refuses a canary over half the traffic", () => {
    expect(() => trafficFor({ strategy: "canary", stableRevision: "x", canaryPercent: 60 })).toThrow(
      /canaryPercent must be 1..50/,
    );
  });
  it("spots secret-looking names", () =>
    expect(literalSecretLikeEnv({ API_KEY: "x", PORT: "1", db_password: "y" })).toEqual(["API_KEY", "db_password"]));
});

describe("Service", () => {
  it("mounts the primary once when it is both the writer and the reader (FEAS-007)", async () => {
    const primary = "p:us-central1:orion-test-pg-us-central1";
    const resources = await build(() => new Service("svc", { ...args, cloudSqlInstances: [primary, primary] }));
    const svc = ofType(resources, "gcp:cloudrunv2/service:Service")[0];
    expect(at(svc, "template.volumes")).toEqual([{ name: "cloudsql", cloudSqlInstance: { instances: [primary] } }]);
  });

  it("runs as its own account with CMEK, VPC egress, binary authorization, internal ingress (RUN-001..007)", async () => {
    const resources = await build(() => new Service("svc", args));
    const svc = ofType(resources, "gcp:cloudrunv2/service:Service")[0];
    expect(svc?.inputs).toMatchObject({
      ingress: "INGRESS_TRAFFIC_INTERNAL_ONLY",
      deletionProtection: true,
      binaryAuthorization: { useDefault: true },
      template: {
        serviceAccount: args.serviceAccountEmail,
        encryptionKey: args.runKeyId,
        vpcAccess: {
          egress: "ALL_TRAFFIC",
          networkInterfaces: [{ network: args.networkId, subnetwork: args.subnetId }],
        },
        scaling: { minInstanceCount: 1, maxInstanceCount: 3 },
      },
    });
    const envs = at(svc, "template.containers.0.envs") as { name: string; value?: string; valueSource?: unknown }[];
    expect(envs).toContainEqual({
      name: "RPC_URLS",
      // Pinned, never `latest`: the revision starts only with a version that exists (FEAS-008).
      valueSource: { secretKeyRef: { secret: "orion-test-rpc-urls", version: "2" } },
    });
    expect(ofType(resources, "ServiceIamMember")).toEqual([]);
    expect(unlabelled(resources)).toEqual([]);
  });

  it("serves the load balancer only: internal-LB ingress, anonymous invoker allowed by RUN-002", async () => {
    const resources = await build(() => new Service("svc", { ...args, workload: "api", public: true }));
    expect(ofType(resources, "gcp:cloudrunv2/service:Service")[0]?.inputs.ingress).toBe(
      "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER",
    );
    expect(ofType(resources, "ServiceIamMember").map((m) => [m.inputs.role, m.inputs.member])).toEqual([
      ["roles/run.invoker", "allUsers"],
    ]);
  });

  it("tags revisions and splits traffic from config", async () => {
    const resources = await build(
      () =>
        new Service("svc", {
          ...args,
          rollout: { strategy: "canary", stableRevision: "orion-test-executor-00007", canaryPercent: 5 },
        }),
    );
    expect(ofType(resources, "gcp:cloudrunv2/service:Service")[0]?.inputs.traffics).toEqual([
      {
        type: "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION",
        revision: "orion-test-executor-00007",
        percent: 95,
        tag: "stable",
      },
      { type: "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST", percent: 5, tag: "canary" },
    ]);
  });

  it("refuses a literal secret-looking env var (RUN-006), but not a public key", async () => {
    await expect(build(() => new Service("svc", { ...args, env: { SIGNING_KEY: "0xabc" } }))).rejects.toThrow(
      /env SIGNING_KEY look like secrets \(RUN-006\): move them to secretEnv/,
    );
    await expect(
      build(() => new Service("svc", { ...args, env: { SIGNING_PUBLIC_KEY_PEM: "-----BEGIN PRIVATE KEY-----" } })),
    ).rejects.toThrow(/SIGNING_PUBLIC_KEY_PEM/);
    const resources = await build(() => new Service("svc", { ...args, env: { ORION_REPORT_PUBLIC_KEY: "pem" } }));
    expect(resources.some((r) => r.type === "gcp:cloudrunv2/service:Service")).toBe(true);
  });

  it("gives the bot the OpenTelemetry exporter settings, and refuses a sample ratio outside (0, 1]", async () => {
    const resources = await build(
      () => new Service("svc", { ...args, tracing: { otlpEndpoint: "http://localhost:4318", sampleRatio: 0.25 } }),
    );
    const svc = resources.find((r) => r.type === "gcp:cloudrunv2/service:Service");
    const envs = at(svc, "template.containers.0.envs") as { name: string; value?: string }[];
    expect(envs).toEqual(
      expect.arrayContaining([
        { name: "OTEL_EXPORTER_OTLP_ENDPOINT", value: "http://localhost:4318" },
        { name: "OTEL_TRACES_SAMPLER", value: "parentbased_traceidratio" },
        { name: "OTEL_TRACES_SAMPLER_ARG", value: "0.25" },
      ]),
    );
    await expect(
      build(() => new Service("svc", { ...args, tracing: { otlpEndpoint: "http://localhost:4318", sampleRatio: 0 } })),
    ).rejects.toThrow(/tracing.sampleRatio must be in \(0, 1\]/);
    const both = { otlpEndpoint: "http://collector:4318", collector: { image: "otelcol:1" } };
    await expect(
      build(() => new Service("svc", { ...args, tracing: both as unknown as ServiceArgs["tracing"] })),
    ).rejects.toThrow(/tracing needs exactly one of otlpEndpoint and collector/);
  });
});
