import { describe, expect, it } from "vitest";
import { at, build, ofType, TEST_LABELS, TEST_PROJECT, unlabelled } from "../common/test-helpers.ts";
import { Database } from "./database.ts";
import { AUDIT_FLAGS, iamUserName, instanceNameFor, instancePlan, mergeFlags } from "./flags.ts";

const regions = ["us-central1", "us-east4", "us-west1"];
const keys = Object.fromEntries(regions.map((r) => [r, `projects/p/locations/${r}/keyRings/k/cryptoKeys/sql`]));
const args = {
  project: TEST_PROJECT,
  prefix: "orion-test",
  primaryRegion: "us-east4",
  regions,
  keys,
  networkId: "projects/p/global/networks/vpc",
  iamUsers: { api: "api@p.iam.gserviceaccount.com" },
  labels: TEST_LABELS,
};

describe("flags and plan", () => {
  it("cannot weaken an audit flag", () => {
    expect(() => mergeFlags({ log_statement: "none" })).toThrow(/databaseFlags.log_statement is fixed to "ddl"/);
    expect(mergeFlags({ work_mem: "8192" }).find((f) => f.name === "work_mem")?.value).toBe("8192");
  });
  it("puts the primary where configured and replicas elsewhere, named by region", () => {
    expect(instancePlan("us-east4", regions)).toEqual([
      { region: "us-central1", role: "replica" },
      { region: "us-east4", role: "primary" },
      { region: "us-west1", role: "replica" },
    ]);
    expect(() => instancePlan("europe-west1", regions)).toThrow(/primaryRegion europe-west1 must be one of regions/);
  });
  it("names instances by region and generation", () => {
    expect(instanceNameFor("orion-prod", "us-central1", 1)).toBe("orion-prod-pg-us-central1");
    expect(instanceNameFor("orion-prod", "us-central1", 2)).toBe("orion-prod-pg-us-central1-g2");
    expect(() => instanceNameFor("orion-prod", "us-central1", 0)).toThrow(
      /generations.us-central1 must be an integer >= 1/,
    );
  });
  it("derives Cloud SQL IAM user names", () => expect(iamUserName("api@p.iam.gserviceaccount.com")).toBe("api@p.iam"));
});

describe("Database", () => {
  it("has a REGIONAL primary and a replica per other region, each with its own region's CMEK (SQL-005, SQL-007)", async () => {
    const resources = await build(() => new Database("db", args));
    const instances = ofType(resources, "DatabaseInstance");
    expect(instances.map((i) => [i.inputs.region, i.inputs.masterInstanceName ?? null])).toEqual([
      ["us-east4", null],
      ["us-central1", "orion-test-pg-us-east4"],
      ["us-west1", "orion-test-pg-us-east4"],
    ]);
    for (const i of instances) {
      expect(i.inputs.encryptionKeyName).toBe(keys[i.inputs.region as string]);
      expect(at(i, "settings.availabilityType")).toBe("REGIONAL");
    }
  });

  it("is private, certificate-authenticated, audited and undeletable on every instance (SQL-001..015)", async () => {
    const resources = await build(() => new Database("db", args));
    for (const i of ofType(resources, "DatabaseInstance")) {
      expect(at(i, "settings.ipConfiguration.sslMode")).toBe("TRUSTED_CLIENT_CERTIFICATE_REQUIRED");
      expect(at(i, "settings.ipConfiguration.ipv4Enabled")).toBe(false);
      expect(at(i, "settings.ipConfiguration.privateNetwork")).toBe(args.networkId);
      expect(at(i, "settings.ipConfiguration.authorizedNetworks")).toBeUndefined();
      expect(at(i, "settings.deletionProtectionEnabled")).toBe(true);
      expect(i.inputs.deletionProtection).toBe(true);
      expect(at(i, "settings.connectorEnforcement")).toBe("REQUIRED");
      expect(at(i, "settings.maintenanceWindow.day")).toBe(7);
      expect(i.inputs.databaseVersion).toBe("POSTGRES_16");
      const flags = Object.fromEntries(
        (at(i, "settings.databaseFlags") as { name: string; value: string }[]).map((f) => [f.name, f.value]),
      );
      expect(flags).toMatchObject(AUDIT_FLAGS);
    }
    expect(unlabelled(resources)).toEqual([]);
  });

  it("lets the disk grow without a pinned size, and sets no MySQL-only failover target on replicas (FEAS-004, FEAS-006)", async () => {
    const resources = await build(() => new Database("db", args));
    for (const i of ofType(resources, "DatabaseInstance")) {
      expect(at(i, "settings.diskAutoresize")).toBe(true);
      expect(at(i, "settings.diskSize")).toBeUndefined();
      expect(i.inputs.replicaConfiguration).toBeUndefined();
    }
  });

  it("backs up the primary with PITR (SQL-004) and logs in with IAM only (SQL-013)", async () => {
    const resources = await build(() => new Database("db", args));
    const primary = ofType(resources, "DatabaseInstance")[0];
    expect(at(primary, "settings.backupConfiguration")).toMatchObject({
      enabled: true,
      pointInTimeRecoveryEnabled: true,
      transactionLogRetentionDays: 7,
      backupRetentionSettings: { retainedBackups: 30 },
    });
    expect(ofType(resources, "gcp:sql/user:User").map((u) => [u.inputs.name, u.inputs.type])).toEqual([
      ["api@p.iam", "CLOUD_IAM_SERVICE_ACCOUNT"],
    ]);
  });

  it("makes the owner's IAM user the one cloudsqlsuperuser; the bots' users hold no database role", async () => {
    const resources = await build(
      () => new Database("db", { ...args, owner: "orion-test-migrate@p.iam.gserviceaccount.com" }),
    );
    const users = ofType(resources, "gcp:sql/user:User").map((u) => [u.inputs.name, u.inputs.databaseRoles]);
    expect(users).toEqual([
      ["api@p.iam", undefined],
      ["orion-test-migrate@p.iam", ["cloudsqlsuperuser"]],
    ]);
    await expect(
      build(() => new Database("db", { ...args, iamUsers: { owner: "x@p.iam.gserviceaccount.com" }, owner: "y" })),
    ).rejects.toThrow(/iamUsers.owner clashes/);
  });

  it("refuses a region without a key and too few backups", async () => {
    await expect(build(() => new Database("db", { ...args, keys: { "us-east4": "k" } }))).rejects.toThrow(
      /keys.us-central1 is missing/,
    );
    await expect(build(() => new Database("db", { ...args, retainedBackups: 7 }))).rejects.toThrow(
      /retainedBackups must be >= 14/,
    );
  });
});
