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
  labels: Labels;
  /** How long undelivered messages are kept. Default 7 days. */
  retentionSeconds?: number;
}

/**
 * The platform's Pub/Sub: only topics with a publisher and a consumer. The trading path (opportunities, orders, the
 * kill switch) runs on Memorystore's Redis Streams, not here (README, "The bus in the cloud"), so the one topic is
 * the one Secret Manager publishes rotation reminders to (SEC-002).
 */
export class Messaging extends pulumi.ComponentResource {
  /** Secret Manager publishes rotation reminders here (SEC-002). */
  readonly rotationTopicId: pulumi.Output<string>;

  constructor(name: string, args: MessagingArgs, opts?: pulumi.ComponentResourceOptions) {
    if (args.regions.length === 0) throw new Error(`Messaging ${name}: regions must list at least one region`);
    validateLabels(args.labels, `Messaging ${name}`);
    super("alpha-orion:platform:Messaging", name, {}, opts);

    const rotation = new pubsub.Topic(
      `${name}-secret-rotation`,
      {
        project: args.project,
        name: `${args.prefix}-secret-rotation`,
        kmsKeyName: args.pubsubKeyId,
        messageStoragePolicy: { allowedPersistenceRegions: [...args.regions], enforceInTransit: true },
        messageRetentionDuration: `${args.retentionSeconds ?? 7 * 86_400}s`,
        labels: labelsFor(args.labels, { purpose: "secret-rotation" }),
      },
      { parent: this },
    );
    this.rotationTopicId = rotation.id;

    this.registerOutputs({ rotationTopicId: this.rotationTopicId });
  }
}
