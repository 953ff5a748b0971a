import * as pulumi from "@pulumi/pulumi";
import * as bigquery from "@pulumi/gcp/bigquery/index.js";
import * as pubsub from "@pulumi/gcp/pubsub/index.js";
import { labelsFor, validateLabels, type Labels } from "../common/labels.ts";
import { messagingGrants, TOPICS, TRADES_TABLE_SCHEMA, type Publisher } from "./plan.ts";

export interface MessagingArgs {
  project: string;
  prefix: string;
  /** Message storage is confined to these regions (PS-003). */
  regions: readonly string[];
  /** The region of the analytics dataset and of the keys below. */
  homeRegion: string;
  /** CMEK for every topic (PS-001) and for the analytics dataset. */
  pubsubKeyId: pulumi.Input<string>;
  bigqueryKeyId: pulumi.Input<string>;
  /** The Pub/Sub service agent's IAM member: it moves dead letters and writes to BigQuery. */
  pubsubAgent: pulumi.Input<string>;
  members: Record<Publisher, pulumi.Input<string>>;
  labels: Labels;
  /** How long undelivered messages are kept. Default 7 days. */
  retentionSeconds?: number;
  /** Deliveries before a message is dead-lettered. Default 10. */
  maxDeliveryAttempts?: number;
}

/**
 * The trading flow's Pub/Sub topics with CMEK, storage confined to the stack's regions, a dead-letter topic per
 * subscription, and the trade stream exported to a BigQuery analytics table.
 */
export class Messaging extends pulumi.ComponentResource {
  readonly topicIds: Record<string, pulumi.Output<string>>;
  readonly subscriptionIds: Record<string, pulumi.Output<string>>;
  /** Secret Manager publishes rotation reminders here (SEC-002). */
  readonly rotationTopicId: pulumi.Output<string>;
  readonly analyticsDatasetId: pulumi.Output<string>;

  constructor(name: string, args: MessagingArgs, opts?: pulumi.ComponentResourceOptions) {
    const attempts = args.maxDeliveryAttempts ?? 10;
    if (attempts < 5 || attempts > 100)
      throw new Error(`Messaging ${name}: maxDeliveryAttempts must be 5..100, got ${attempts}`);
    if (!args.regions.includes(args.homeRegion)) {
      throw new Error(
        `Messaging ${name}: homeRegion ${args.homeRegion} must be one of regions (${args.regions.join(", ")})`,
      );
    }
    validateLabels(args.labels, `Messaging ${name}`);
    super("alpha-orion:platform:Messaging", name, {}, opts);
    const parent = { parent: this };
    const retention = `${args.retentionSeconds ?? 7 * 86_400}s`;

    const topic = (key: string, purpose: string): pubsub.Topic =>
      new pubsub.Topic(
        `${name}-${key}`,
        {
          project: args.project,
          name: `${args.prefix}-${key}`,
          kmsKeyName: args.pubsubKeyId,
          messageStoragePolicy: { allowedPersistenceRegions: [...args.regions], enforceInTransit: true },
          messageRetentionDuration: retention,
          labels: labelsFor(args.labels, { purpose }),
        },
        parent,
      );

    const dataset = new bigquery.Dataset(
      `${name}-analytics`,
      {
        project: args.project,
        datasetId: `${args.prefix.replace(/-/g, "_")}_analytics`,
        location: args.homeRegion,
        defaultEncryptionConfiguration: { kmsKeyName: args.bigqueryKeyId },
        deleteContentsOnDestroy: false,
        labels: labelsFor(args.labels, { purpose: "analytics" }),
      },
      parent,
    );
    this.analyticsDatasetId = dataset.datasetId;
    const trades = new bigquery.Table(
      `${name}-trades`,
      {
        project: args.project,
        datasetId: dataset.datasetId,
        tableId: "trades",
        deletionProtection: true,
        encryptionConfiguration: { kmsKeyName: args.bigqueryKeyId },
        timePartitioning: { type: "DAY", field: "publish_time" },
        schema: JSON.stringify(TRADES_TABLE_SCHEMA),
        labels: labelsFor(args.labels, { purpose: "analytics" }),
      },
      parent,
    );
    const writer = new bigquery.IamMember(
      `${name}-trades-writer`,
      {
        project: args.project,
        datasetId: dataset.datasetId,
        tableId: trades.tableId,
        role: "roles/bigquery.dataEditor",
        member: args.pubsubAgent,
      },
      parent,
    );

    this.topicIds = {};
    this.subscriptionIds = {};
    const topics: Record<string, pubsub.Topic> = {};
    const subscriptions: Record<string, pubsub.Subscription> = {};
    for (const spec of TOPICS) {
      const t = topic(spec.name, "trading-flow");
      topics[spec.name] = t;
      this.topicIds[spec.name] = t.id;
      const dead = topic(`${spec.subscription.name}-dead-letter`, "dead-letter");
      new pubsub.TopicIAMMember(
        `${name}-${spec.subscription.name}-dead-letter-agent`,
        { project: args.project, topic: dead.name, role: "roles/pubsub.publisher", member: args.pubsubAgent },
        parent,
      );
      new pubsub.Subscription(
        `${name}-${spec.subscription.name}-dead-letter`,
        {
          project: args.project,
          name: `${args.prefix}-${spec.subscription.name}-dead-letter`,
          topic: dead.id,
          messageRetentionDuration: retention,
          expirationPolicy: { ttl: "" },
          labels: labelsFor(args.labels, { purpose: "dead-letter" }),
        },
        parent,
      );
      const common = {
        project: args.project,
        name: `${args.prefix}-${spec.subscription.name}`,
        topic: t.id,
        ackDeadlineSeconds: 30,
        messageRetentionDuration: retention,
        expirationPolicy: { ttl: "" },
        retryPolicy: { minimumBackoff: "1s", maximumBackoff: "60s" },
        deadLetterPolicy: { deadLetterTopic: dead.id, maxDeliveryAttempts: attempts },
        labels: labelsFor(args.labels, { purpose: "trading-flow" }),
      };
      const sub =
        "bigquery" in spec.subscription
          ? new pubsub.Subscription(
              `${name}-${spec.subscription.name}`,
              {
                ...common,
                bigqueryConfig: {
                  table: pulumi.interpolate`${args.project}.${dataset.datasetId}.${trades.tableId}`,
                  writeMetadata: true,
                },
              },
              { parent: this, dependsOn: [writer] },
            )
          : new pubsub.Subscription(
              `${name}-${spec.subscription.name}`,
              { ...common, enableExactlyOnceDelivery: true },
              parent,
            );
      subscriptions[spec.subscription.name] = sub;
      this.subscriptionIds[spec.subscription.name] = sub.id;
      // The agent acknowledges what it moves to the dead-letter topic.
      new pubsub.SubscriptionIAMMember(
        `${name}-${spec.subscription.name}-agent`,
        { project: args.project, subscription: sub.name, role: "roles/pubsub.subscriber", member: args.pubsubAgent },
        parent,
      );
    }

    for (const g of messagingGrants()) {
      const key = `${name}-${g.resource}-${g.workload}-${g.role === "roles/pubsub.publisher" ? "pub" : "sub"}`;
      const member = args.members[g.workload];
      if (g.on === "topic") {
        const target = topics[g.resource];
        if (!target) throw new Error(`Messaging ${name}: grant names unknown topic ${g.resource}`);
        new pubsub.TopicIAMMember(key, { project: args.project, topic: target.name, role: g.role, member }, parent);
      } else {
        const target = subscriptions[g.resource];
        if (!target) throw new Error(`Messaging ${name}: grant names unknown subscription ${g.resource}`);
        new pubsub.SubscriptionIAMMember(
          key,
          { project: args.project, subscription: target.name, role: g.role, member },
          parent,
        );
      }
    }

    const rotation = topic("secret-rotation", "secret-rotation");
    this.rotationTopicId = rotation.id;

    this.registerOutputs({
      topicIds: this.topicIds,
      subscriptionIds: this.subscriptionIds,
      rotationTopicId: this.rotationTopicId,
    });
  }
}
