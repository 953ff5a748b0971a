import { storagePolicies } from "../storage.ts";
import { describe, expect, it } from "vitest";
import {
  brokenStack,
  findings,
  policySpec,
  PROD_SETTINGS,
  setPath,
  toEvalResources,
  type PolicyCase,
} from "./harness.ts";

const cases: PolicyCase[] = [
  {
    policy: "gcs-uniform-bucket-level-access",
    breaks: "fine-grained ACLs",
    target: "exports",
    mutate: (i) => setPath(i, "uniformBucketLevelAccess", false),
    expect: ["GCS-001"],
  },
  {
    policy: "gcs-not-public",
    breaks: "public access prevention inherited",
    target: "exports",
    mutate: (i) => setPath(i, "publicAccessPrevention", "inherited"),
    expect: ["GCS-002"],
  },
  {
    policy: "gcs-not-public",
    breaks: "objects readable by allUsers",
    add: [
      {
        type: "gcp:storage/bucketIAMMember:BucketIAMMember",
        name: "open",
        inputs: { bucket: "ao-prod-exports", role: "roles/storage.objectViewer", member: "allUsers" },
      },
    ],
    expect: ["GCS-002"],
  },
  {
    policy: "gcs-cmek",
    breaks: "Google-managed key",
    target: "exports",
    mutate: (i) => setPath(i, "encryption", undefined),
    expect: ["GCS-003"],
  },
  {
    policy: "gcs-audit-backup-locked-retention",
    breaks: "unlocked audit retention",
    target: "audit",
    mutate: (i) => setPath(i, "retentionPolicy.isLocked", false),
    expect: ["GCS-004"],
  },
  {
    policy: "gcs-audit-backup-locked-retention",
    breaks: "backup bucket with 30 days",
    target: "exports",
    mutate: (i) => {
      setPath(i, "labels.purpose", "backup");
      setPath(i, "retentionPolicy", { retentionPeriod: "2592000", isLocked: true });
    },
    expect: ["GCS-004"],
  },
  {
    policy: "gcs-versioning-no-force-destroy",
    breaks: "no versioning",
    target: "exports",
    mutate: (i) => setPath(i, "versioning", undefined),
    expect: ["GCS-005"],
  },
  {
    policy: "gcs-versioning-no-force-destroy",
    breaks: "audit bucket whose retention is not locked, without versioning",
    target: "audit",
    mutate: (i) => setPath(i, "retentionPolicy.isLocked", false),
    expect: ["GCS-005"],
  },
  {
    policy: "gcs-versioning-no-force-destroy",
    breaks: "force destroy",
    target: "audit",
    mutate: (i) => setPath(i, "forceDestroy", true),
    expect: ["GCS-005"],
  },
  {
    policy: "gcs-access-logging",
    breaks: "no access logging",
    target: "exports",
    mutate: (i) => setPath(i, "logging", undefined),
    expect: ["GCS-006"],
  },
  {
    policy: "gcs-access-logging",
    breaks: "logs to itself",
    target: "exports",
    mutate: (i) => setPath(i, "logging.logBucket", "ao-prod-exports"),
    expect: ["GCS-006"],
  },
  {
    policy: "gcs-approved-location-and-lifecycle",
    breaks: "unapproved location",
    target: "exports",
    mutate: (i) => setPath(i, "location", "ASIA-NORTHEAST1"),
    expect: ["GCS-007"],
  },
  {
    policy: "gcs-approved-location-and-lifecycle",
    breaks: "lifecycle deletes audit objects after 30 days",
    target: "audit",
    mutate: (i) => setPath(i, "lifecycleRules", [{ action: { type: "Delete" }, condition: { age: 30 } }]),
    expect: ["GCS-007"],
  },
];

policySpec("storage", storagePolicies, cases);

describe("GCS-004 and GCS-005 together", () => {
  it("accept an audit bucket with a locked retention policy and no versioning, the pair GCS can create", async () => {
    const stack = brokenStack({
      breaks: "",
      policy: "",
      target: "audit",
      mutate: (i) => setPath(i, "versioning", undefined),
      expect: [],
    });
    const policies = storagePolicies(PROD_SETTINGS).filter((p) =>
      p.controls.some((c) => ["GCS-004", "GCS-005"].includes(c)),
    );
    expect(await findings(policies, toEvalResources(stack))).toEqual([]);
  });
});
