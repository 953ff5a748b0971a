import { describe, expect, it } from "vitest";
import { at, build, ofType, TEST_LABELS, TEST_PROJECT, unlabelled } from "../common/test-helpers.ts";
import { Secret } from "./secret.ts";
import { Secrets } from "./secrets.ts";

const members = {
  scanner: "serviceAccount:scanner@p.iam.gserviceaccount.com",
  orchestrator: "serviceAccount:orchestrator@p.iam.gserviceaccount.com",
  executor: "serviceAccount:executor@p.iam.gserviceaccount.com",
  api: "serviceAccount:api@p.iam.gserviceaccount.com",
};
const args = {
  project: TEST_PROJECT,
  prefix: "orion-test",
  keys: {
    "us-central1": "projects/p/locations/us-central1/keyRings/r/cryptoKeys/secrets",
    "us-east4": "projects/p/locations/us-east4/keyRings/r/cryptoKeys/secrets",
  },
  members,
  secretManagerAgent: "serviceAccount:service-1@gcp-sa-secretmanager.iam.gserviceaccount.com",
  rotationTopicId: "projects/p/topics/rotation",
  versions: { "rpc-urls": 1, "api-session-secret": 1 },
  labels: TEST_LABELS,
};

describe("Secrets", () => {
  it("replicates each secret to every region under that region's key, with rotation (SEC-001, SEC-002)", async () => {
    const resources = await build(() => new Secrets("s", args));
    const secrets = ofType(resources, "gcp:secretmanager/secret:Secret");
    expect(secrets.map((s) => s.inputs.secretId)).toEqual(["orion-test-rpc-urls", "orion-test-api-session-secret"]);
    for (const s of secrets) {
      expect(at(s, "replication.userManaged.replicas")).toEqual([
        { location: "us-central1", customerManagedEncryption: { kmsKeyName: args.keys["us-central1"] } },
        { location: "us-east4", customerManagedEncryption: { kmsKeyName: args.keys["us-east4"] } },
      ]);
      expect(at(s, "rotation.rotationPeriod")).toBe("7776000s");
      expect(s.inputs.topics).toEqual([{ name: "projects/p/topics/rotation" }]);
    }
    expect(unlabelled(resources)).toEqual([]);
  });

  it("schedules the first rotation one period after the deploy, then leaves it to Secret Manager (FEAS-005)", async () => {
    const before = Date.now();
    const resources = await build(() => new Secrets("s", args));
    for (const s of ofType(resources, "gcp:secretmanager/secret:Secret")) {
      const next = Date.parse(String(at(s, "rotation.nextRotationTime")));
      expect(next).toBeGreaterThan(before + 89 * 86_400_000);
      expect(next).toBeLessThanOrEqual(Date.now() + 90 * 86_400_000);
    }
  });

  it("pins readers to the versions operators added, and says which secrets still wait for one (FEAS-008)", async () => {
    let secrets: Secrets | undefined;
    await build(() => {
      secrets = new Secrets("s", { ...args, versions: { "rpc-urls": 4 } });
    });
    expect(secrets?.awaitingVersions).toEqual(["api-session-secret"]);
    expect(Object.keys(secrets?.refs ?? {})).toEqual(["rpc-urls"]);
    expect(secrets?.refs["rpc-urls"]?.version).toBe("4");
    await expect(build(() => new Secrets("s", { ...args, versions: { "rpc-url": 1 } }))).rejects.toThrow(
      /versions.rpc-url names no secret/,
    );
  });

  it("grants secretAccessor per secret to its readers only, never project-wide (SEC-003)", async () => {
    const resources = await build(() => new Secrets("s", args));
    const grants = ofType(resources, "SecretIamMember").map(
      (g) => `${String(g.inputs.secretId)} ${String(g.inputs.member)}`,
    );
    expect(grants.sort()).toEqual(
      [
        `orion-test-rpc-urls ${members.scanner}`,
        `orion-test-rpc-urls ${members.executor}`,
        // The API's live pre-flight checks the chain through them.
        `orion-test-rpc-urls ${members.api}`,
        `orion-test-api-session-secret ${members.api}`,
      ].sort(),
    );
    expect(resources.some((r) => r.type === "gcp:projects/iAMMember:IAMMember")).toBe(false);
  });

  it("stores a generated value as a secret version without revealing it", async () => {
    const resources = await build(
      () =>
        new Secret("auth", {
          project: TEST_PROJECT,
          secretId: "redis-auth",
          replicas: { "us-central1": "k" },
          accessors: [],
          labels: TEST_LABELS,
          value: "super-secret-value",
        }),
    );
    expect(ofType(resources, "SecretVersion")[0]?.inputs.secretData).toBe("[secret]");
    expect(JSON.stringify(resources)).not.toContain("super-secret-value");
  });

  it("refuses a rotation period over 90 days", async () => {
    await expect(
      build(
        () =>
          new Secret("x", {
            project: TEST_PROJECT,
            secretId: "x",
            replicas: { "us-central1": "k" },
            accessors: [],
            labels: TEST_LABELS,
            rotation: { topicId: "t", periodSeconds: 200 * 86400 },
          }),
      ),
    ).rejects.toThrow(/SEC-002/);
  });
});
