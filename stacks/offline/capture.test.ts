import type * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { StackConfigError } from "../config.ts";
import { captureStack, type CapturedResource } from "./capture.ts";
import { StackNotFound } from "./stack-file.ts";
import { regionsOf } from "./summary.ts";

const prod = await captureStack("prod");
const regionOf = regionsOf(prod.resources);
const ofType = (resources: readonly CapturedResource[], type: string) => resources.filter((r) => r.type === type);
const inRegion = (type: string, region: string) =>
  ofType(prod.resources, type).filter((r) => regionOf.get(r.urn) === region);
const REGIONS = ["us-central1", "us-east4", "us-west1"];

describe("prod topology", () => {
  it.each(REGIONS)("%s runs the four bots on Cloud Run, a STANDARD_HA Redis and a rotating key ring", (region) => {
    const services = inRegion("gcp:cloudrunv2/service:Service", region);
    expect(services.map((s) => s.inputs.name).sort()).toEqual(
      ["api", "executor", "orchestrator", "scanner"].map((b) => `orion-prod-${b}-${region}`),
    );
    const redis = inRegion("gcp:redis/instance:Instance", region);
    expect(redis.map((r) => r.inputs.tier)).toEqual(["STANDARD_HA"]);
    expect(inRegion("gcp:kms/keyRing:KeyRing", region)).toHaveLength(1);
    const keys = inRegion("gcp:kms/cryptoKey:CryptoKey", region).filter((k) => k.inputs.purpose === "ENCRYPT_DECRYPT");
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) expect(k.inputs.rotationPeriod).toBe("7776000s");
  });

  it("has the primary in us-central1 and a replica in each other region under that region's key", () => {
    const sql = ofType(prod.resources, "gcp:sql/databaseInstance:DatabaseInstance");
    expect(sql.map((i) => [i.inputs.region, i.inputs.masterInstanceName ?? "primary"])).toEqual([
      ["us-central1", "primary"],
      ["us-east4", "orion-prod-pg-us-central1"],
      ["us-west1", "orion-prod-pg-us-central1"],
    ]);
    for (const i of sql)
      expect(i.inputs.encryptionKeyName).toMatch(
        new RegExp(`/locations/${String(i.inputs.region)}/keyRings/.*/cryptoKeys/sql$`),
      );
  });

  it("puts a serverless NEG per region on the one global backend", () => {
    const negs = ofType(prod.resources, "gcp:compute/regionNetworkEndpointGroup:RegionNetworkEndpointGroup");
    expect(negs.map((n) => n.inputs.region)).toEqual(REGIONS);
    const backends = ofType(prod.resources, "gcp:compute/backendService:BackendService");
    expect(backends).toHaveLength(1);
    expect((backends[0]?.inputs.backends as { group: string }[]).map((b) => b.group).sort()).toEqual(
      negs
        .map(
          (n) =>
            `projects/alpha-orion-prod/regions/${String(n.inputs.region)}/networkEndpointGroups/${String(n.inputs.name)}`,
        )
        .sort(),
    );
    expect(backends[0]?.inputs.securityPolicy).toMatch(/securityPolicies\/orion-prod-edge$/);
  });

  it("has the global edge and the audit trail once", () => {
    const once = (type: string) => ofType(prod.resources, type);
    const https = once("gcp:compute/globalForwardingRule:GlobalForwardingRule").filter(
      (r) => r.inputs.portRange === "443",
    );
    expect(https).toHaveLength(1);
    expect(once("gcp:compute/targetHttpsProxy:TargetHttpsProxy")).toHaveLength(1);
    expect(once("gcp:compute/sSLPolicy:SSLPolicy")).toHaveLength(1);
    expect(once("gcp:compute/securityPolicy:SecurityPolicy")).toHaveLength(1);
    expect(once("gcp:projects/iAMAuditConfig:IAMAuditConfig")).toHaveLength(1);
    const locked = once("gcp:storage/bucket:Bucket").filter(
      (b) => (b.inputs.labels as Record<string, string>).purpose === "audit",
    );
    expect(locked).toHaveLength(1);
    expect(locked[0]?.inputs.retentionPolicy).toEqual({ retentionPeriod: "220752000", isLocked: true });
    const sink = once("gcp:logging/projectSink:ProjectSink").find((s) =>
      String(s.inputs.destination).startsWith("storage.googleapis.com/"),
    );
    expect(sink?.inputs.destination).toBe(`storage.googleapis.com/${String(locked[0]?.inputs.name)}`);
  });

  it("uses the engine's URNs under the stack root, and labels every labelable resource (GOV-001)", () => {
    const [root, platform] = prod.resources;
    expect(root).toMatchObject({ type: "pulumi:pulumi:Stack", name: "alpha-orion-prod", parent: null });
    expect(platform?.urn).toBe("urn:pulumi:prod::alpha-orion::pulumi:pulumi:Stack$alpha-orion:platform:Platform::prod");
    const urns = new Set(prod.resources.map((r) => r.urn));
    expect(urns.size).toBe(prod.resources.length);
    expect(prod.resources.slice(1).every((r) => r.parent !== null && urns.has(r.parent))).toBe(true);
    expect(ofType(prod.resources, "gcp:sql/databaseInstance:DatabaseInstance")[0]?.urn).toBe(
      "urn:pulumi:prod::alpha-orion::pulumi:pulumi:Stack$alpha-orion:platform:Platform$alpha-orion:platform:Database$gcp:sql/databaseInstance:DatabaseInstance::prod-database-us-central1",
    );
    for (const r of prod.resources.filter((x) => x.custom && x.type.startsWith("gcp:"))) {
      const settings = r.inputs.settings as { userLabels?: Record<string, string> } | undefined;
      const labels = (settings?.userLabels ?? r.inputs.userLabels ?? r.inputs.resourceLabels ?? r.inputs.labels) as
        Record<string, string> | undefined;
      // A metric descriptor's `labels` lists label descriptors, not resource labels.
      if (labels && !Array.isArray(labels))
        expect(labels, r.name).toMatchObject({
          env: "prod",
          owner: "platform-team",
          "data-classification": "restricted",
        });
    }
  });

  it("never shows a secret: Redis AUTH and the PagerDuty key are [secret]", () => {
    const text = JSON.stringify(prod);
    expect(text).not.toContain("mock-redis-auth-string");
    for (const v of ofType(prod.resources, "gcp:secretmanager/secretVersion:SecretVersion"))
      expect(v.inputs.secretData).toBe("[secret]");
    const pd = ofType(prod.resources, "gcp:monitoring/notificationChannel:NotificationChannel").filter(
      (c) => c.inputs.type === "pagerduty",
    );
    expect(pd.map((c) => c.inputs.sensitiveLabels)).toEqual([{ serviceKey: "[secret]" }, { serviceKey: "[secret]" }]);
  });
});

describe("other stacks and runs", () => {
  it("dev is one small region; staging two", async () => {
    const dev = await captureStack("dev");
    expect(ofType(dev.resources, "gcp:sql/databaseInstance:DatabaseInstance")).toHaveLength(1);
    expect(ofType(dev.resources, "gcp:cloudrunv2/service:Service")).toHaveLength(4);
    const staging = await captureStack("staging");
    expect(ofType(staging.resources, "gcp:sql/databaseInstance:DatabaseInstance").map((i) => i.inputs.region)).toEqual([
      "us-central1",
      "us-east4",
    ]);
    expect(ofType(staging.resources, "gcp:compute/regionNetworkEndpointGroup:RegionNetworkEndpointGroup")).toHaveLength(
      2,
    );
  });

  it("fails over by config: promoting us-west1 makes it the primary, renaming nothing", async () => {
    const failover = await captureStack("prod", { config: { "alpha-orion:primaryRegion": "us-west1" } });
    const sql = ofType(failover.resources, "gcp:sql/databaseInstance:DatabaseInstance");
    expect(sql.map((i) => [i.inputs.region, i.inputs.masterInstanceName ?? "primary"])).toEqual([
      ["us-west1", "primary"],
      ["us-central1", "orion-prod-pg-us-west1"],
      ["us-east4", "orion-prod-pg-us-west1"],
    ]);
    const names = (c: { resources: CapturedResource[] }) => c.resources.map((r) => r.urn).sort();
    expect(names(failover)).toEqual(names(prod));
    // After the old region recovers, its instance is rebuilt as a replica under the next generation's name.
    const rebuilt = await captureStack("prod", {
      config: { "alpha-orion:primaryRegion": "us-west1", "alpha-orion:databaseGenerations": { "us-central1": 2 } },
    });
    expect(ofType(rebuilt.resources, "gcp:sql/databaseInstance:DatabaseInstance").map((i) => i.inputs.name)).toEqual([
      "orion-prod-pg-us-west1",
      "orion-prod-pg-us-central1-g2",
      "orion-prod-pg-us-east4",
    ]);
  });

  it("reaches every child with transformations and leaks nothing into the next run", async () => {
    const strip: pulumi.ResourceTransformation = (args) =>
      args.type === "gcp:redis/instance:Instance"
        ? { props: { ...args.props, authEnabled: false }, opts: args.opts }
        : undefined;
    const broken = await captureStack("prod", { transformations: [strip] });
    expect(ofType(broken.resources, "gcp:redis/instance:Instance").map((r) => r.inputs.authEnabled)).toEqual([
      false,
      false,
      false,
    ]);
    const again = await captureStack("prod");
    expect(ofType(again.resources, "gcp:redis/instance:Instance").map((r) => r.inputs.authEnabled)).toEqual([
      true,
      true,
      true,
    ]);
    expect(again.resources.length).toBe(prod.resources.length);
  });

  it("runs on GKE: a private cluster per region with the workers as Kubernetes workloads, the API on Cloud Run", async () => {
    const gke = await captureStack("staging", { config: { "alpha-orion:runtime": "gke" } });
    const clusters = ofType(gke.resources, "gcp:container/cluster:Cluster");
    expect(clusters.map((c) => c.inputs.location)).toEqual(["us-central1", "us-east4"]);
    for (const c of clusters) expect(c.inputs.privateClusterConfig).toMatchObject({ enablePrivateNodes: true });
    expect(ofType(gke.resources, "kubernetes:apps/v1:Deployment")).toHaveLength(6);
    expect(ofType(gke.resources, "kubernetes:security.istio.io/v1:PeerAuthentication")).toHaveLength(2);
    expect(ofType(gke.resources, "gcp:cloudrunv2/service:Service").map((s) => s.inputs.name)).toEqual([
      "orion-staging-api-us-central1",
      "orion-staging-api-us-east4",
    ]);
  });

  it("refuses an unknown stack and a bad override, naming the file and key", async () => {
    await expect(captureStack("qa")).rejects.toThrow(StackNotFound);
    await expect(captureStack("qa")).rejects.toThrow(/stacks\/Pulumi.qa.yaml: no such stack file/);
    const bad = captureStack("dev", { config: { "alpha-orion:regions": ["us-central1", "mars-north1"] } });
    await expect(bad).rejects.toThrow(StackConfigError);
    await expect(captureStack("dev", { config: { "alpha-orion:regions": ["mars-north1"] } })).rejects.toThrow(
      /^stacks\/Pulumi.dev.yaml: alpha-orion:regions\[0\]: must be one of/,
    );
  });
});
