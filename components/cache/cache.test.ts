import { describe, expect, it } from "vitest";
import { at, build, ofType, TEST_LABELS, TEST_PROJECT, unlabelled } from "../common/test-helpers.ts";
import { Cache } from "./cache.ts";

const args = {
  project: TEST_PROJECT,
  prefix: "orion-test",
  region: "europe-west1",
  networkId: "projects/p/global/networks/vpc",
  redisKeyId: "projects/p/locations/europe-west1/keyRings/k/cryptoKeys/redis",
  secretsKeyId: "projects/p/locations/europe-west1/keyRings/k/cryptoKeys/secrets",
  authReaders: ["serviceAccount:api@p.iam.gserviceaccount.com"],
  rotation: { topicId: "projects/p/topics/rotation" },
  labels: TEST_LABELS,
};

describe("Cache", () => {
  it("is STANDARD_HA with AUTH, TLS, CMEK, RDB and private service access (RED-001..005)", async () => {
    const resources = await build(() => new Cache("cache", args));
    const redis = ofType(resources, "gcp:redis/instance:Instance")[0];
    expect(redis?.inputs).toMatchObject({
      name: "orion-test-redis-euw1",
      tier: "STANDARD_HA",
      authEnabled: true,
      transitEncryptionMode: "SERVER_AUTHENTICATION",
      customerManagedKey: args.redisKeyId,
      connectMode: "PRIVATE_SERVICE_ACCESS",
      authorizedNetwork: args.networkId,
      persistenceConfig: { persistenceMode: "RDB" },
    });
    expect(at(redis, "replicaCount")).toBeGreaterThanOrEqual(1);
    expect(at(redis, "maintenancePolicy.weeklyMaintenanceWindows")).toHaveLength(1);
    expect(unlabelled(resources)).toEqual([]);
  });

  it("keeps the AUTH string in a regional CMEK secret readable by the bots only", async () => {
    const resources = await build(() => new Cache("cache", args));
    const secret = ofType(resources, "gcp:secretmanager/secret:Secret")[0];
    expect(at(secret, "replication.userManaged.replicas")).toEqual([
      { location: "europe-west1", customerManagedEncryption: { kmsKeyName: args.secretsKeyId } },
    ]);
    expect(ofType(resources, "SecretVersion")[0]?.inputs.secretData).toBe("[secret]");
    expect(ofType(resources, "SecretIamMember").map((m) => m.inputs.member)).toEqual(args.authReaders);
  });

  it("refuses a replica count STANDARD_HA cannot keep", async () => {
    await expect(build(() => new Cache("cache", { ...args, replicaCount: 0 }))).rejects.toThrow(
      /replicaCount must be 1..1 for a 1 GB/,
    );
    await expect(build(() => new Cache("cache", { ...args, replicaCount: 2 }))).rejects.toThrow(
      /read replicas need 5 GB/,
    );
  });

  it("serves reads from replicas only from 5 GB on, the size Memorystore allows them at (FEAS-002)", async () => {
    const mode = async (memorySizeGb: number, replicaCount?: number) => {
      const resources = await build(() => new Cache("cache", { ...args, memorySizeGb, replicaCount }));
      const redis = ofType(resources, "gcp:redis/instance:Instance")[0];
      return [at(redis, "readReplicasMode"), at(redis, "replicaCount")];
    };
    expect(await mode(4)).toEqual(["READ_REPLICAS_DISABLED", 1]);
    expect(await mode(5, 2)).toEqual(["READ_REPLICAS_ENABLED", 2]);
  });
});
