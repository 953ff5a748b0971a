import { describe, expect, it } from "vitest";
import { CONTROLS } from "../controls.ts";
import { FEASIBILITY_RULES } from "../feasibility-catalogue.ts";
import { feasibilityPolicies } from "../feasibility.ts";
import { buildPack, PACK_NAMES } from "../packs.ts";
import { mandatoryConfig } from "../config.ts";
import type { FixtureResource } from "./fixtures/stack.ts";
import { brokenStack, findings, policySpec, setPath, toEvalResources, type PolicyCase } from "./harness.ts";

// The fixture's secret rotates on 2027-01-01; the rule compares with the clock, so the spec fixes it.
const NOW = Date.parse("2026-06-01T00:00:00Z");
const make = () => feasibilityPolicies(() => NOW);

const backendBucket: FixtureResource = {
  type: "gcp:compute/backendBucket:BackendBucket",
  name: "assets-cdn",
  inputs: { name: "ao-prod-assets", bucketName: "ao-prod-exports", enableCdn: true },
};
const cdnReader: FixtureResource = {
  type: "gcp:storage/bucketIAMMember:BucketIAMMember",
  name: "cdn-reads-assets",
  inputs: {
    bucket: "ao-prod-exports",
    role: "roles/storage.objectViewer",
    member: "serviceAccount:service-123456789012@cloud-cdn-fill.iam.gserviceaccount.com",
  },
};
const drawdownAlert = (dependsOn: string[]): FixtureResource => ({
  type: "gcp:monitoring/alertPolicy:AlertPolicy",
  name: "alert-drawdown",
  dependsOn,
  inputs: {
    displayName: "drawdown",
    combiner: "OR",
    conditions: [
      {
        displayName: "drawdown",
        conditionThreshold: { filter: 'metric.type="custom.googleapis.com/orion/pnl/drawdown_ratio"' },
      },
    ],
  },
});
const drawdownDescriptor: FixtureResource = {
  type: "gcp:monitoring/metricDescriptor:MetricDescriptor",
  name: "drawdown-descriptor",
  inputs: { type: "custom.googleapis.com/orion/pnl/drawdown_ratio", metricKind: "GAUGE", valueType: "DOUBLE" },
};

const cases: PolicyCase[] = [
  {
    policy: "feasible-bucket-versioning-or-retention",
    breaks: "versioning on the bucket with a locked retention policy",
    target: "audit",
    mutate: (i) => setPath(i, "versioning.enabled", true),
    expect: ["FEAS-001"],
  },
  {
    policy: "feasible-memorystore-read-replicas",
    breaks: "read replicas on a 1 GB instance",
    target: "cache",
    mutate: (i) => setPath(i, "readReplicasMode", "READ_REPLICAS_ENABLED"),
    expect: ["FEAS-002"],
  },
  {
    policy: "feasible-memorystore-read-replicas",
    breaks: "two replicas without read replicas",
    target: "cache",
    mutate: (i) => setPath(i, "replicaCount", 2),
    expect: ["FEAS-002"],
  },
  {
    policy: "feasible-alert-metric-declared",
    breaks: "an alert on a custom metric nobody declares",
    add: [drawdownAlert([])],
    expect: ["FEAS-003"],
  },
  {
    policy: "feasible-alert-metric-declared",
    breaks: "an alert created before the log-based metric it reads",
    target: "alert-iam-changes",
    mutate: (_i, f) => {
      f.dependsOn = [];
    },
    expect: ["FEAS-003"],
  },
  {
    policy: "feasible-sql-disk-autoresize",
    breaks: "a fixed disk size that autoresize outgrows",
    target: "pg-primary",
    mutate: (i) => setPath(i, "settings.diskSize", 50),
    expect: ["FEAS-004"],
  },
  {
    policy: "feasible-secret-rotation-time",
    breaks: "a first rotation already in the past",
    target: "db-password",
    mutate: (i) => setPath(i, "rotation.nextRotationTime", "2026-01-01T00:00:00Z"),
    expect: ["FEAS-005"],
  },
  {
    policy: "feasible-postgres-replica-no-failover-target",
    breaks: "failoverTarget on the PostgreSQL replica",
    target: "pg-replica",
    mutate: (i) => setPath(i, "replicaConfiguration", { failoverTarget: false }),
    expect: ["FEAS-006"],
  },
  {
    policy: "feasible-run-cloudsql-instances-unique",
    breaks: "the primary mounted twice",
    target: "api",
    mutate: (i) =>
      setPath(i, "template.volumes", [
        { name: "cloudsql", cloudSqlInstance: { instances: ["p:us-east4:pg", "p:us-east4:pg"] } },
      ]),
    expect: ["FEAS-007"],
  },
  {
    policy: "feasible-run-secret-version-pinned",
    breaks: "a secret read at latest",
    target: "api",
    mutate: (i) => {
      const envs = (i.template as { containers: { envs: Record<string, unknown>[] }[] }).containers[0]?.envs ?? [];
      setPath(envs[2] as Record<string, unknown>, "valueSource.secretKeyRef.version", "latest");
    },
    expect: ["FEAS-008"],
  },
  {
    policy: "feasible-run-cloudsql-instances-unique",
    breaks: "the migrate job mounting the primary twice",
    target: "migrate",
    mutate: (i) =>
      setPath(i, "template.template.volumes", [
        { name: "cloudsql", cloudSqlInstance: { instances: ["p:us-east4:pg", "p:us-east4:pg"] } },
      ]),
    expect: ["FEAS-007"],
  },
  {
    policy: "feasible-cdn-bucket-reader",
    breaks: "a CDN backend bucket the load balancer cannot read",
    add: [backendBucket],
    expect: ["FEAS-009"],
  },
];

policySpec("feasibility", make, cases);

describe("feasibility rules pass what the cloud accepts", () => {
  it.each([
    [
      "an alert on a declared custom metric, created after it",
      [drawdownDescriptor, drawdownAlert([drawdownDescriptor.name])],
    ],
    ["a CDN backend bucket readable by the cloud-cdn-fill agent", [backendBucket, cdnReader]],
  ])("%s", async (_title, add) => {
    const stack = brokenStack({ breaks: "", policy: "", add, expect: [] });
    expect(await findings(make(), toEvalResources(stack))).toEqual([]);
  });

  it("a secret rotation five minutes ahead is the earliest Secret Manager accepts", async () => {
    const at = (iso: string) =>
      brokenStack({
        breaks: "",
        policy: "",
        target: "db-password",
        mutate: (i) => setPath(i, "rotation.nextRotationTime", iso),
        expect: [],
      });
    const rule = make().filter((p) => p.name === "feasible-secret-rotation-time");
    expect(await findings(rule, toEvalResources(at("2026-06-01T00:05:00Z")))).toEqual([]);
    expect(await findings(rule, toEvalResources(at("2026-06-01T00:04:59Z")))).toHaveLength(1);
  });
});

describe("the feasibility catalogue", () => {
  it("gives each rule one policy and keeps its ids out of the compliance controls and packs", () => {
    const ids = FEASIBILITY_RULES.map((r) => r.id);
    expect(make().flatMap((p) => p.controls)).toEqual(ids);
    expect(CONTROLS.map((c) => c.id).filter((id) => ids.includes(id))).toEqual([]);
    for (const name of PACK_NAMES) {
      const pack = buildPack(name, mandatoryConfig());
      expect(pack.policies.flatMap((p) => p.controls).filter((c) => c.startsWith("FEAS-"))).toEqual([]);
    }
  });
});
