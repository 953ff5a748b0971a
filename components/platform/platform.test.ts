import { describe, expect, it } from "vitest";
import { build, ofType, unlabelled } from "../common/test-helpers.ts";
import { example, platformArgs } from "./example.ts";
import { Platform } from "./platform.ts";

describe("Platform", () => {
  it("labels every labelable resource and grants each CMEK key only to the agent that uses it", async () => {
    const resources = await build(() => example());
    expect(unlabelled(resources)).toEqual([]);
    const grants = ofType(resources, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember").map(
      (g) => `${String(g.inputs.cryptoKeyId).split("/").pop()} ${String(g.inputs.member).split("@")[1]}`,
    );
    expect(grants.sort()).toEqual(
      [
        "bigquery bigquery-encryption.iam.gserviceaccount.com",
        "executor-signer orion-test-project.iam.gserviceaccount.com",
        "logs gcp-sa-logging.iam.gserviceaccount.com",
        "pubsub gcp-sa-pubsub.iam.gserviceaccount.com",
        "redis gcp-sa-redis.iam.gserviceaccount.com",
        "run gcp-sa-run.iam.gserviceaccount.com",
        "secrets gcp-sa-secretmanager.iam.gserviceaccount.com",
        "sql gcp-sa-sqladmin.iam.gserviceaccount.com",
        "storage gs-project-accounts.iam.gserviceaccount.com",
      ].sort(),
    );
  });

  it("creates no GKE key or agent for the Cloud Run runtime", async () => {
    const resources = await build(() => example());
    expect(ofType(resources, "gcp:kms/cryptoKey:CryptoKey").some((k) => k.inputs.name === "gke")).toBe(false);
    expect(
      ofType(resources, "gcp:projects/serviceIdentity:ServiceIdentity").map((s) => s.inputs.service),
    ).not.toContain("container.googleapis.com");
  });

  it.each([
    [{ environment: "Prod!" }, /environment "Prod!" must be 2-10 lowercase letters\/digits/],
    [{ primaryRegion: "europe-west1" }, /primaryRegion europe-west1 must be one of regions \(us-central1\)/],
    [{ labels: { env: "dev", owner: "platform-team" } }, /"data-classification" \(GOV-001\)/],
  ])("refuses %j before creating anything", async (change, message) => {
    await expect(build(() => new Platform("p", { ...platformArgs, ...change }))).rejects.toThrow(message);
  });
});
