import * as pulumi from "@pulumi/pulumi";
import * as pubsub from "@pulumi/gcp/pubsub/index.js";
import { labelsFor, validateLabels, type Labels } from "../common/labels.ts";

export interface MessagingArgs {
  project: string;
  prefix: string;
  /** Message storage is confined to these regions (PS-003). */
  regions: readonly string[];
  /** CMEK for every topic (PS-001). */
  pubsubKeyId: pulumi.Input<string>;
  /**
   * Pub/Sub's service agent: it moves reminders that fail delivery to the dead-letter topic, for which it must publish
   * there and subscribe to the source subscription (granted on those two resources only).
   */
  pubsubAgent: pulumi.Input<string>;
  /**
   * Who handles rotation reminders (IAM members, e.g. "group:platform-oncall@example.com"): they may pull and
   * acknowledge them, on the reminder subscriptions only. Default none: the alert still fires, and only project-wide
   * roles can acknowledge.
   */
  rotationHandlers?: readonly string[];
  labels: Labels;
  /** How long undelivered messages are kept. Default 7 days, Pub/Sub's maximum for a subscription. */
  retentionSeconds?: number;
}

const MEMBER = /^(user|group|serviceAccount):[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The platform's Pub/Sub: only topics with a publisher and a consumer. The trading path (opportunities, orders, the
 * kill switch) runs on Memorystore's Redis Streams, not here (README, "The bus in the cloud"), so the one topic is
 * the one Secret Manager publishes rotation reminders to (SEC-002), with its consumer: a subscription that never
 * expires, watched by the "secret rotation due" alert (Observability) and acknowledged by whoever rotated the secret
 * (runbooks/secret-rotation.md); reminders it fails to deliver go to a dead-letter topic with a subscription of its own.
 */
export class Messaging extends pulumi.ComponentResource {
  /** Secret Manager publishes rotation reminders here (SEC-002). */
  readonly rotationTopicId: pulumi.Output<string>;
  /** The reminders' consumer: the rotation alert watches its backlog. */
  readonly rotationSubscriptionName: pulumi.Output<string>;
  /** Reminders that exhausted their delivery attempts. */
  readonly deadLetterSubscriptionName: pulumi.Output<string>;

  constructor(name: string, args: MessagingArgs, opts?: pulumi.ComponentResourceOptions) {
    if (args.regions.length === 0) throw new Error(`Messaging ${name}: regions must list at least one region`);
    const badHandler = (args.rotationHandlers ?? []).find((m) => !MEMBER.test(m));
    if (badHandler !== undefined) {
      throw new Error(
        `Messaging ${name}: rotationHandlers must be user:, group: or serviceAccount: EMAIL members, got "${badHandler}"`,
      );
    }
    const retention = args.retentionSeconds ?? 7 * 86_400;
    if (!Number.isInteger(retention) || retention < 600 || retention > 7 * 86_400) {
      throw new Error(
        `Messaging ${name}: retentionSeconds must be 600..604800 (10 minutes to 7 days), got ${retention}`,
      );
    }
    validateLabels(args.labels, `Messaging ${name}`);
    super("alpha-orion:platform:Messaging", name, {}, opts);
    const parent = { parent: this };

    const topic = (id: string, purpose: string) =>
      new pubsub.Topic(
        `${name}-${id}`,
        {
          project: args.project,
          name: `${args.prefix}-${id}`,
          kmsKeyName: args.pubsubKeyId,
          messageStoragePolicy: { allowedPersistenceRegions: [...args.regions], enforceInTransit: true },
          messageRetentionDuration: `${retention}s`,
          labels: labelsFor(args.labels, { purpose }),
        },
        parent,
      );
    const rotation = topic("secret-rotation", "secret-rotation");
    const deadLetter = topic("secret-rotation-dead-letter", "secret-rotation");

    // The agent's grants exist before the subscription names the dead-letter topic: without them Pub/Sub drops
    // undeliverable reminders instead of forwarding them.
    const agentPublishes = new pubsub.TopicIAMMember(
      `${name}-dead-letter-publisher`,
      { project: args.project, topic: deadLetter.name, role: "roles/pubsub.publisher", member: args.pubsubAgent },
      parent,
    );
    const subscription = (
      id: string,
      source: pubsub.Topic,
      extra: Partial<pubsub.SubscriptionArgs>,
      dependsOn: pulumi.Resource[] = [],
    ) =>
      new pubsub.Subscription(
        `${name}-${id}`,
        {
          project: args.project,
          name: `${args.prefix}-${id}`,
          topic: source.id,
          // A person handles a reminder: rotating a secret takes longer than the default 10 s.
          ackDeadlineSeconds: 600,
          messageRetentionDuration: `${retention}s`,
          // Pub/Sub deletes a subscription idle for 31 days by default; reminders come every 90 (SEC-002).
          expirationPolicy: { ttl: "" },
          labels: labelsFor(args.labels, { purpose: "secret-rotation" }),
          ...extra,
        },
        { parent: this, dependsOn },
      );
    const reminders = subscription(
      "secret-rotation",
      rotation,
      {
        deadLetterPolicy: { deadLetterTopic: deadLetter.id, maxDeliveryAttempts: 5 },
        retryPolicy: { minimumBackoff: "60s", maximumBackoff: "600s" },
      },
      [agentPublishes],
    );
    // A topic without a subscription drops what is published to it: the dead letters are kept here.
    const deadLetters = subscription("secret-rotation-dead-letter", deadLetter, {});
    new pubsub.SubscriptionIAMMember(
      `${name}-dead-letter-forwarder`,
      {
        project: args.project,
        subscription: reminders.name,
        role: "roles/pubsub.subscriber",
        member: args.pubsubAgent,
      },
      { parent: this, dependsOn: [agentPublishes] },
    );
    for (const [i, member] of (args.rotationHandlers ?? []).entries()) {
      for (const [id, sub] of [
        ["reminders", reminders],
        ["dead-letters", deadLetters],
      ] as const) {
        new pubsub.SubscriptionIAMMember(
          `${name}-rotation-handler-${i}-${id}`,
          { project: args.project, subscription: sub.name, role: "roles/pubsub.subscriber", member },
          parent,
        );
      }
    }
    this.rotationTopicId = rotation.id;
    this.rotationSubscriptionName = reminders.name;
    this.deadLetterSubscriptionName = deadLetters.name;

    this.registerOutputs({
      rotationTopicId: this.rotationTopicId,
      rotationSubscriptionName: this.rotationSubscriptionName,
      deadLetterSubscriptionName: this.deadLetterSubscriptionName,
    });
  }
}
