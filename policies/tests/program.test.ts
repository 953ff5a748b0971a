import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { complianceReport } from "../compliance.ts";
import type { ComplianceReport } from "../report/model.ts";

type Edits = Record<string, (value: Record<string, unknown> | undefined) => unknown>;

/** A transformation that rewrites top-level inputs of one resource type (each resolved first; undefined drops it). */
function edit(type: string, edits: Edits): pulumi.ResourceTransformation {
  return (args) => {
    if (args.type !== type) return undefined;
    const props: Record<string, unknown> = { ...args.props };
    for (const [key, change] of Object.entries(edits)) {
      props[key] = pulumi.output(args.props[key]).apply((v) => change(v as Record<string, unknown> | undefined));
    }
    return { props, opts: args.opts };
  };
}

const without = (obj: Record<string, unknown> | undefined, key: string): Record<string, unknown> => {
  const { [key]: _dropped, ...rest } = obj ?? {};
  return rest;
};

function failing(report: ComplianceReport): Map<string, Set<string>> {
  const byControl = new Map<string, Set<string>>();
  for (const v of report.violations) {
    const set = byControl.get(v.control) ?? new Set<string>();
    set.add(v.type);
    byControl.set(v.control, set);
  }
  return byControl;
}

// The first capture loads the whole program (components, @pulumi/gcp) through the transformer: slow on a busy runner.
describe("the Pulumi program under mocks (--stack)", { timeout: 180_000 }, () => {
  it("prod has no mandatory violation", async () => {
    const report = await complianceReport({
      source: { kind: "program", stack: "prod" },
      framework: "all",
      stack: "prod",
    });
    expect(report.violations.filter((v) => v.enforcementLevel === "mandatory")).toEqual([]);
    expect(report.summary.resources).toBeGreaterThan(100);
    expect(report.controls.filter((c) => c.status === "pass").length).toBeGreaterThan(60);
    // Checked and passed, not "not applicable": prod requires a perimeter and a consumer for its rotation topic.
    expect(report.controls.filter((c) => ["NET-005", "SEC-002"].includes(c.id)).map((c) => c.status)).toEqual([
      "pass",
      "pass",
    ]);
  });

  it("a deliberately broken prod (no sslMode, no CMEK, Redis AUTH off, public ingress, ...) fails exactly those controls", async () => {
    const transformations = [
      edit("gcp:sql/databaseInstance:DatabaseInstance", {
        encryptionKeyName: () => undefined,
        settings: (s) => ({
          ...s,
          ipConfiguration: without(s?.["ipConfiguration"] as Record<string, unknown>, "sslMode"),
        }),
      }),
      edit("gcp:redis/instance:Instance", { customerManagedKey: () => undefined, authEnabled: () => false }),
      edit("gcp:cloudrunv2/service:Service", { ingress: () => "INGRESS_TRAFFIC_ALL" }),
      edit("gcp:storage/bucket:Bucket", { uniformBucketLevelAccess: () => false }),
      edit("gcp:kms/cryptoKey:CryptoKey", { rotationPeriod: () => undefined }),
      edit("gcp:compute/backendService:BackendService", { logConfig: () => undefined }),
    ];
    const report = await complianceReport({
      source: { kind: "program", stack: "prod", options: { transformations } },
      framework: "all",
      stack: "prod",
    });
    const byControl = failing(report);
    // RUN-002 follows from RUN-001: the load balancer's public invoker grant is allowed only while ingress is private.
    expect([...byControl.keys()].sort()).toEqual(
      ["GCS-001", "KMS-001", "LB-005", "RED-001", "RED-003", "RUN-001", "RUN-002", "SQL-001", "SQL-007"].sort(),
    );
    expect(byControl.get("SQL-001")).toEqual(new Set(["gcp:sql/databaseInstance:DatabaseInstance"]));
    expect(byControl.get("RED-001")).toEqual(new Set(["gcp:redis/instance:Instance"]));
    // Every primary and replica is named.
    expect(report.violations.filter((v) => v.control === "SQL-001").length).toBe(
      report.controls.find((c) => c.id === "SQL-001")?.checked,
    );
    expect(report.summary.mandatory).toBeGreaterThan(0);
  });

  it("prod without its perimeter fails NET-005, and with a rotation consumer that expires fails SEC-002", async () => {
    const report = await complianceReport({
      source: {
        kind: "program",
        stack: "prod",
        options: {
          config: { "alpha-orion:servicePerimeter": undefined },
          transformations: [edit("gcp:pubsub/subscription:Subscription", { expirationPolicy: () => undefined })],
        },
      },
      framework: "all",
      stack: "prod",
    });
    expect([...failing(report).keys()].sort()).toEqual(["NET-005", "SEC-002"]);
    expect(report.violations.map((v) => [v.control, v.policy]).sort()).toEqual(
      expect.arrayContaining([
        ["NET-005", "vpc-sc-perimeter-required"],
        ["SEC-002", "secret-rotation-topic-consumed"],
      ]),
    );
  });

  it("prod with a relay passes: its reputation key is a rotated CMEK secret that only the executor reads", async () => {
    const config = {
      "alpha-orion:relay": { url: "https://relay.example.com", bidShareBps: 5_000 },
      "alpha-orion:secretVersions": { "rpc-urls": 1, "api-session-secret": 1, "relay-reputation-key": 1 },
    };
    const report = await complianceReport({
      source: { kind: "program", stack: "prod", options: { config } },
      framework: "all",
      stack: "prod",
    });
    expect(report.violations.filter((v) => v.enforcementLevel === "mandatory")).toEqual([]);
    const secrets = report.controls.filter((c) => c.id.startsWith("SEC-"));
    expect(secrets.length).toBeGreaterThanOrEqual(3);
    expect(secrets.filter((c) => c.status !== "pass").map((c) => c.id)).toEqual([]);
  });

  it.each(["cloudrun", "gke"])(
    "prod on %s with the ERC-4337 route passes: its URLs are rotated CMEK secrets that only the executor reads",
    async (runtime) => {
      const config = {
        "alpha-orion:runtime": runtime,
        "alpha-orion:userOperations": {
          entryPoint: "0x4337084d9e255ff0702461cf8895ce9e3b5ff108",
          smartAccount: "0x00000000000000000000000000000000000000a4",
          smartAccountContract: "0x00000000000000000000000000000000000000e4",
        },
        "alpha-orion:secretVersions": { "rpc-urls": 1, "api-session-secret": 1, "bundler-url": 1, "paymaster-url": 1 },
      };
      const report = await complianceReport({
        source: { kind: "program", stack: "prod", options: { config } },
        framework: "all",
        stack: "prod",
      });
      expect(report.violations.filter((v) => v.enforcementLevel === "mandatory")).toEqual([]);
      const secrets = report.controls.filter((c) => c.id.startsWith("SEC-") || c.id === "RUN-006");
      expect(secrets.length).toBeGreaterThanOrEqual(4);
      expect(secrets.filter((c) => c.status !== "pass").map((c) => c.id)).toEqual([]);
    },
  );

  it("the GKE runtime passes, and a root container with no limits fails K8S-001 and K8S-002", async () => {
    const config = { "alpha-orion:runtime": "gke" };
    const clean = await complianceReport({
      source: { kind: "program", stack: "prod", options: { config } },
      framework: "all",
      stack: "prod",
    });
    expect(clean.summary.mandatory).toBe(0);
    expect(clean.controls.find((c) => c.id === "K8S-001")?.status).toBe("pass");
    const transformations = [
      edit("kubernetes:apps/v1:Deployment", {
        spec: (s) => {
          const spec = s as { template: { spec: { containers: Array<Record<string, unknown>> } } };
          const pod = spec.template.spec;
          const containers = pod.containers.map((c) => without(without(c, "securityContext"), "resources"));
          return { ...spec, template: { ...spec.template, spec: { ...without(pod, "securityContext"), containers } } };
        },
      }),
    ];
    const broken = await complianceReport({
      source: { kind: "program", stack: "prod", options: { config, transformations } },
      framework: "all",
      stack: "prod",
    });
    expect([...failing(broken).keys()].sort()).toEqual(["K8S-001", "K8S-002"]);
  });
});
