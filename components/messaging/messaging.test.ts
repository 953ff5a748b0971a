import { describe, expect, it } from "vitest";
import { at, build, ofType, TEST_LABELS, TEST_PROJECT, unlabelled } from "../common/test-helpers.ts";
import { Messaging } from "./messaging.ts";
import { messagingGrants, TOPICS } from "./plan.ts";

const members = {
  scanner: "serviceAccount:scanner@p.iam.gserviceaccount.com",
  orchestrator: "serviceAccount:orchestrator@p.iam.gserviceaccount.com",
  executor: "serviceAccount:executor@p.iam.gserviceaccount.com",
  api: "serviceAccount:api@p.iam.gserviceaccount.com",
};
const args = {
  project: TEST_PROJECT,
  prefix: "orion-test",
  regions: ["us-central1", "us-east4"],
  homeRegion: "us-central1",
  pubsubKeyId: "projects/p/locations/us-central1/keyRings/r/cryptoKeys/pubsub",
  bigqueryKeyId: "projects/p/locations/us-central1/keyRings/r/cryptoKeys/bigquery",
  pubsubAgent: "serviceAccount:service-1@gcp-sa-pubsub.iam.gserviceaccount.com",
  members,
  labels: TEST_LABELS,
};

describe("messagingGrants", () => {
  it("grants each bot only its own topics and subscriptions", () => {
    const grants = messagingGrants();
    expect(grants.filter((g) => g.workload === "scanner").map((g) => `${g.role} ${g.resource}`)).toEqual([
      "roles/pubsub.publisher opportunities",
      "roles/pubsub.publisher audit",
    ]);
    expect(grants.every((g) => (g.role === "roles/pubsub.subscriber") === (g.on === "subscription"))).toBe(true);
  });
});

describe("Messaging", () => {
  it("encrypts every topic and confines storage to the stack's regions (PS-001, PS-003)", async () => {
    const resources = await build(() => new Messaging("m", args));
    const topics = ofType(resources, "gcp:pubsub/topic:Topic");
    // The flow's topics, a dead-letter topic per subscription, and the secret-rotation topic.
    expect(topics).toHaveLength(TOPICS.length * 2 + 1);
    for (const t of topics) {
      expect(t.inputs.kmsKeyName).toBe(args.pubsubKeyId);
      expect(at(t, "messageStoragePolicy.allowedPersistenceRegions")).toEqual(args.regions);
    }
    expect(unlabelled(resources)).toEqual([]);
  });

  it("dead-letters every subscription and streams trades to BigQuery", async () => {
    const resources = await build(() => new Messaging("m", args));
    const subs = ofType(resources, "gcp:pubsub/subscription:Subscription").filter((s) => s.inputs.deadLetterPolicy);
    expect(subs.map((s) => s.inputs.name).sort()).toEqual(
      TOPICS.map((t) => `orion-test-${t.subscription.name}`).sort(),
    );
    const bq = subs.find((s) => s.inputs.bigqueryConfig);
    expect(at(bq, "bigqueryConfig.table")).toBe(`${TEST_PROJECT}.orion_test_analytics.trades`);
    expect(at(ofType(resources, "Dataset")[0], "defaultEncryptionConfiguration.kmsKeyName")).toBe(args.bigqueryKeyId);
  });

  it("grants no one publish or subscribe on the whole project, and nothing public (PS-002)", async () => {
    const resources = await build(() => new Messaging("m", args));
    const iam = resources.filter((r) => /IAMMember|IamMember/.test(r.type));
    expect(iam.some((r) => r.type.startsWith("gcp:projects/"))).toBe(false);
    expect(iam.some((r) => /allUsers|allAuthenticatedUsers/.test(String(r.inputs.member)))).toBe(false);
  });

  it("refuses a home region outside the stack's regions", async () => {
    await expect(build(() => new Messaging("m", { ...args, homeRegion: "europe-west1" }))).rejects.toThrow(
      /homeRegion europe-west1 must be one of regions/,
    );
  });
});
