import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { testDir } from "../../test/support/test-dir.ts";
import { migrateEnvSchema, parseEnv } from "../../apps/domain/env/index.ts";
import { at, build, ofType, TEST_LABELS, TEST_PROJECT } from "../common/test-helpers.ts";
import { Migrations, type MigrationsArgs } from "./migrations.ts";
import { executionToken, migrationsDigest, type JobInputs } from "./plan.ts";

const args: MigrationsArgs = {
  project: TEST_PROJECT,
  prefix: "orion-test",
  region: "us-central1",
  image: "us-docker.pkg.dev/p/orion/orion:v1",
  serviceAccountEmail: "orion-test-migrate@p.iam.gserviceaccount.com",
  runKeyId: "projects/p/locations/us-central1/keyRings/r/cryptoKeys/run",
  networkId: "projects/p/global/networks/vpc",
  subnetId: "projects/p/regions/us-central1/subnetworks/s",
  instance: "my-project:us-central1:orion-test-pg-us-central1",
  databaseUser: "orion-test-migrate@p.iam",
  appRoles: ["orion-test-orchestrator@p.iam", "orion-test-executor@p.iam", "orion-test-api@p.iam"],
  labels: TEST_LABELS,
};

async function job(over: Partial<MigrationsArgs> = {}) {
  const resources = await build(() => new Migrations("migrations", { ...args, ...over }));
  const [j] = ofType(resources, "gcp:cloudrunv2/job:Job");
  return j;
}

describe("Migrations", () => {
  it("runs `orion migrate` once per token as the migrate account, CMEK, all egress through the VPC", async () => {
    const j = await job();
    expect(j?.inputs).toMatchObject({
      name: "orion-test-migrate",
      location: "us-central1",
      deletionProtection: true,
      binaryAuthorization: { useDefault: true },
    });
    expect(at(j, "template.taskCount")).toBe(1);
    const t = "template.template";
    expect(at(j, `${t}.serviceAccount`)).toBe(args.serviceAccountEmail);
    expect(at(j, `${t}.encryptionKey`)).toBe(args.runKeyId);
    expect(at(j, `${t}.vpcAccess`)).toEqual({
      egress: "ALL_TRAFFIC",
      networkInterfaces: [{ network: args.networkId, subnetwork: args.subnetId }],
    });
    const [container] = at(j, `${t}.containers`) as { args: string[]; envs: { name: string; value: string }[] }[];
    expect(container?.args).toEqual(["migrate"]);
    expect(container?.envs).toEqual([
      { name: "DATABASE_INSTANCE", value: args.instance },
      { name: "DATABASE_IAM_AUTH", value: "true" },
      { name: "DATABASE_USER", value: args.databaseUser },
      { name: "ORION_APP_ROLES", value: (args.appRoles as string[]).join(",") },
    ]);
    // The reader's half of the contract: `orion migrate` accepts exactly this env (test/env-contract.test.ts takes it
    // through the connection code on the prod plan).
    const env = Object.fromEntries((container?.envs ?? []).map((e) => [e.name, e.value]));
    expect(parseEnv(migrateEnvSchema.strict(), env).ORION_APP_ROLES).toEqual(args.appRoles);
    expect(at(j, "runExecutionToken")).toMatch(/^[0-9a-f]{12}$/);
  });

  it("runs again when the image, the migrations or the roles change, and only then", async () => {
    const base = at(await job(), "runExecutionToken");
    expect(at(await job(), "runExecutionToken")).toBe(base);
    expect(
      at(await job({ image: "us-docker.pkg.dev/p/orion/orion@sha256:" + "a".repeat(64) }), "runExecutionToken"),
    ).not.toBe(base);
    expect(at(await job({ appRoles: [...(args.appRoles as string[])].reverse() }), "runExecutionToken")).toBe(base);
    expect(at(await job({ appRoles: ["orion-test-api@p.iam"] }), "runExecutionToken")).not.toBe(base);

    const dir = await testDir("orion-migrations");
    writeFileSync(join(dir, "001_a.sql"), "CREATE TABLE a (id int);");
    const first = migrationsDigest(dir);
    const inputs: JobInputs = { image: "i", migrationsDigest: first, instance: "x", databaseUser: "u", appRoles: [] };
    writeFileSync(join(dir, "002_b.sql"), "CREATE TABLE b (id int);");
    expect(executionToken({ ...inputs, migrationsDigest: migrationsDigest(dir) })).not.toBe(executionToken(inputs));
    writeFileSync(join(dir, "001_a.sql"), "CREATE TABLE a (id bigint);");
    expect(migrationsDigest(dir)).not.toBe(first);
    expect(at(await job({ migrationsDir: dir }), "runExecutionToken")).not.toBe(base);
  });

  it("refuses a job that would grant no bot, and a prefix too long for job name plus token", async () => {
    await expect(job({ appRoles: [] })).rejects.toThrow(/appRoles is empty/);
    await expect(job({ prefix: "orion-" + "x".repeat(40) })).rejects.toThrow(/over the 50 GCP allows/);
  });
});
