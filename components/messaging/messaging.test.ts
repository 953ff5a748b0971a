import { describe, expect, it } from "vitest";
import { at, build, ofType, TEST_LABELS, TEST_PROJECT, unlabelled } from "../common/test-helpers.ts";
import { Messaging } from "./messaging.ts";

const args = {
  project: TEST_PROJECT,
  prefix: "orion-test",
  regions: ["us-central1", "us-east4"],
  pubsubKeyId: "projects/p/locations/us-central1/keyRings/r/cryptoKeys/pubsub",
  labels: TEST_LABELS,
};

describe("Messaging", () => {
  it("creates only the topic that has a publisher and a consumer: no trading topic, subscription or grant", async () => {
    const resources = await build(() => new Messaging("m", args));
    // The trading path is on Redis Streams: nothing here may stand ready for a publisher that does not exist.
    expect(resources.filter((r) => r.custom).map((r) => [r.type, r.inputs.name])).toEqual([
      ["gcp:pubsub/topic:Topic", "orion-test-secret-rotation"],
    ]);
  });

  it("encrypts the topic and confines its storage to the stack's regions (PS-001, PS-003)", async () => {
    const resources = await build(() => new Messaging("m", args));
    const [topic] = ofType(resources, "gcp:pubsub/topic:Topic");
    expect(topic?.inputs.kmsKeyName).toBe(args.pubsubKeyId);
    expect(at(topic, "messageStoragePolicy.allowedPersistenceRegions")).toEqual(args.regions);
    expect(unlabelled(resources)).toEqual([]);
  });

  it("refuses an empty region list", async () => {
    await expect(build(() => new Messaging("m", { ...args, regions: [] }))).rejects.toThrow(
      /regions must list at least one region/,
    );
  });
});
