import { describe, expect, it } from "vitest";
import { at, build, ofType, TEST_LABELS, TEST_PROJECT, unlabelled } from "../common/test-helpers.ts";
import { Messaging } from "./messaging.ts";

const AGENT = "serviceAccount:service-1@gcp-sa-pubsub.iam.gserviceaccount.com";
const args = {
  project: TEST_PROJECT,
  prefix: "orion-test",
  regions: ["us-central1", "us-east4"],
  pubsubKeyId: "projects/p/locations/us-central1/keyRings/r/cryptoKeys/pubsub",
  pubsubAgent: AGENT,
  labels: TEST_LABELS,
};

describe("Messaging", () => {
  it("creates only the rotation topic, its consumer and its dead letters: no trading topic or subscription", async () => {
    const resources = await build(() => new Messaging("m", args));
    // The trading path is on Redis Streams: nothing here may stand ready for a publisher that does not exist.
    // Registration order follows output resolution, not source order: compare sorted.
    const made = resources.filter((r) => r.custom).map((r) => [r.type, r.inputs.name ?? r.inputs.role]);
    expect(made.sort()).toEqual([
      ["gcp:pubsub/subscription:Subscription", "orion-test-secret-rotation"],
      ["gcp:pubsub/subscription:Subscription", "orion-test-secret-rotation-dead-letter"],
      ["gcp:pubsub/subscriptionIAMMember:SubscriptionIAMMember", "roles/pubsub.subscriber"],
      ["gcp:pubsub/topic:Topic", "orion-test-secret-rotation"],
      ["gcp:pubsub/topic:Topic", "orion-test-secret-rotation-dead-letter"],
      ["gcp:pubsub/topicIAMMember:TopicIAMMember", "roles/pubsub.publisher"],
    ]);
  });

  it("encrypts every topic and confines its storage to the stack's regions (PS-001, PS-003)", async () => {
    const resources = await build(() => new Messaging("m", args));
    for (const topic of ofType(resources, "gcp:pubsub/topic:Topic")) {
      expect(topic.inputs.kmsKeyName).toBe(args.pubsubKeyId);
      expect(at(topic, "messageStoragePolicy.allowedPersistenceRegions")).toEqual(args.regions);
    }
    expect(unlabelled(resources)).toEqual([]);
  });

  it("consumes the rotation topic with a subscription that never expires and dead-letters what it cannot deliver (SEC-002)", async () => {
    const resources = await build(() => new Messaging("m", args));
    const topicId = (name: string) => `projects/${TEST_PROJECT}/topics/${name}`;
    const subscription = (name: string) =>
      ofType(resources, "gcp:pubsub/subscription:Subscription").find((s) => s.inputs.name === name);
    const reminders = subscription("orion-test-secret-rotation");
    const deadLetters = subscription("orion-test-secret-rotation-dead-letter");
    expect(reminders?.inputs.topic).toBe(topicId("orion-test-secret-rotation"));
    expect(at(reminders, "expirationPolicy.ttl")).toBe("");
    expect(at(reminders, "deadLetterPolicy")).toEqual({
      deadLetterTopic: topicId("orion-test-secret-rotation-dead-letter"),
      maxDeliveryAttempts: 5,
    });
    // The dead-letter topic keeps what reaches it only through a subscription of its own, which never expires either.
    expect(deadLetters?.inputs.topic).toBe(topicId("orion-test-secret-rotation-dead-letter"));
    expect(at(deadLetters, "expirationPolicy.ttl")).toBe("");
  });

  it("grants the Pub/Sub agent forwarding rights on the dead-letter topic and the source subscription only", async () => {
    const resources = await build(() => new Messaging("m", args));
    const grants = resources.filter((r) => r.custom && r.type.includes("IAMMember"));
    expect(grants.map((g) => [g.inputs.topic ?? g.inputs.subscription, g.inputs.role, g.inputs.member])).toEqual([
      ["orion-test-secret-rotation-dead-letter", "roles/pubsub.publisher", AGENT],
      ["orion-test-secret-rotation", "roles/pubsub.subscriber", AGENT],
    ]);
  });

  it("lets the rotation handlers pull and acknowledge reminders and dead letters, and nothing else", async () => {
    const handler = "group:oncall@example.com";
    const resources = await build(() => new Messaging("m", { ...args, rotationHandlers: [handler] }));
    const theirs = resources.filter((r) => r.custom && r.inputs.member === handler);
    expect(theirs.map((g) => [g.type, g.inputs.subscription, g.inputs.role]).sort()).toEqual([
      [
        "gcp:pubsub/subscriptionIAMMember:SubscriptionIAMMember",
        "orion-test-secret-rotation",
        "roles/pubsub.subscriber",
      ],
      [
        "gcp:pubsub/subscriptionIAMMember:SubscriptionIAMMember",
        "orion-test-secret-rotation-dead-letter",
        "roles/pubsub.subscriber",
      ],
    ]);
  });

  it("refuses an empty region list, a malformed handler and an out-of-range retention", async () => {
    await expect(build(() => new Messaging("m", { ...args, regions: [] }))).rejects.toThrow(
      /regions must list at least one region/,
    );
    await expect(
      build(() => new Messaging("m", { ...args, rotationHandlers: ["oncall@example.com"] })),
    ).rejects.toThrow(
      /rotationHandlers must be user:, group: or serviceAccount: EMAIL members, got "oncall@example.com"/,
    );
    await expect(build(() => new Messaging("m", { ...args, retentionSeconds: 30 * 86_400 }))).rejects.toThrow(
      /retentionSeconds must be 600..604800/,
    );
  });
});
