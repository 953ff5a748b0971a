import { describe, expect, it } from "vitest";
import { at, build, ofType, TEST_LABELS, TEST_PROJECT, unlabelled } from "../common/test-helpers.ts";
import { AuditTrail } from "./audit-trail.ts";
import { retentionSeconds } from "./retention.ts";

const args = {
  project: TEST_PROJECT,
  prefix: "orion-test",
  region: "us-central1",
  storageKeyId: "projects/p/locations/us-central1/keyRings/k/cryptoKeys/storage",
  logsKeyId: "projects/p/locations/us-central1/keyRings/k/cryptoKeys/logs",
  bigqueryKeyId: "projects/p/locations/us-central1/keyRings/k/cryptoKeys/bigquery",
  labels: TEST_LABELS,
};

describe("AuditTrail", () => {
  it("audits every service, exempting nobody (LOG-001)", async () => {
    const resources = await build(() => new AuditTrail("audit", args));
    expect(ofType(resources, "IAMAuditConfig")[0]?.inputs).toEqual({
      project: TEST_PROJECT,
      service: "allServices",
      auditLogConfigs: [{ logType: "ADMIN_READ" }, { logType: "DATA_READ" }, { logType: "DATA_WRITE" }],
    });
  });

  it("archives to a locked 7-year CMEK bucket through a sink with its own writer (GCS-004, LOG-002, FEAS-001)", async () => {
    const resources = await build(() => new AuditTrail("audit", args));
    const archive = ofType(resources, "Bucket").find((b) => at(b, "labels.purpose") === "audit");
    expect(archive?.inputs).toMatchObject({
      retentionPolicy: { retentionPeriod: String(2555 * 86400), isLocked: true },
      encryption: { defaultKmsKeyName: args.storageKeyId },
      uniformBucketLevelAccess: true,
      publicAccessPrevention: "enforced",
      // GCS refuses versioning beside a retention policy; the locked policy keeps every object instead.
      versioning: { enabled: false },
      forceDestroy: false,
    });
    const sinks = ofType(resources, "ProjectSink");
    expect(sinks).toHaveLength(3);
    for (const s of sinks) {
      expect(s.inputs.uniqueWriterIdentity).toBe(true);
      expect(s.inputs.filter).toMatch(/cloudaudit.googleapis.com/);
    }
    expect(sinks.map((s) => s.inputs.destination)).toContain(`storage.googleapis.com/${archive?.inputs.name}`);
    // Neither bucket logs its access to itself (GCS-006).
    for (const b of ofType(resources, "Bucket")) expect(at(b, "logging.logBucket")).not.toBe(b.inputs.name);
    expect(unlabelled(resources)).toEqual([]);
  });

  it("locks the log bucket with CMEK for the retention period (LOG-003)", async () => {
    const resources = await build(() => new AuditTrail("audit", args));
    expect(ofType(resources, "ProjectBucketConfig")[0]?.inputs).toMatchObject({
      retentionDays: 2555,
      locked: true,
      cmekSettings: { kmsKeyName: args.logsKeyId },
    });
  });

  it("refuses a retention under a year", async () => {
    expect(() => retentionSeconds(90, "x")).toThrow(/>= 365/);
    await expect(build(() => new AuditTrail("audit", { ...args, retentionDays: 30 }))).rejects.toThrow(
      /retentionDays must be a whole number of days >= 365/,
    );
  });
});
