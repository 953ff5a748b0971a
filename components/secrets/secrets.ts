import * as pulumi from "@pulumi/pulumi";
import * as pubsub from "@pulumi/gcp/pubsub/index.js";
import { validateLabels, type Labels } from "../common/labels.ts";
import type { Workload } from "../identity/roles.ts";
import { SECRETS, type SecretSpec } from "./plan.ts";
import { Secret } from "./secret.ts";

export interface SecretsArgs {
  project: string;
  prefix: string;
  /** region -> that region's secrets CMEK. */
  keys: Record<string, pulumi.Input<string>>;
  members: Record<Workload, pulumi.Input<string>>;
  /** Secret Manager's service agent: publishes rotation reminders. */
  secretManagerAgent: pulumi.Input<string>;
  rotationTopicId: pulumi.Input<string>;
  /** ISO time of the first rotation reminder. */
  rotationStart: string;
  labels: Labels;
  /** Default SECRETS. */
  secrets?: readonly SecretSpec[];
}

/** The operator-provided secrets, replicated to every region under that region's key. */
export class Secrets extends pulumi.ComponentResource {
  /** secret id -> Secret Manager secret id (for Cloud Run secretKeyRef). */
  readonly ids: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: SecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    if (Number.isNaN(Date.parse(args.rotationStart))) {
      throw new Error(`Secrets ${name}: rotationStart must be an ISO time such as 2027-01-01T00:00:00Z`);
    }
    validateLabels(args.labels, `Secrets ${name}`);
    super("alpha-orion:platform:Secrets", name, {}, opts);

    const topicGrant = new pubsub.TopicIAMMember(
      `${name}-rotation-publisher`,
      {
        project: args.project,
        topic: args.rotationTopicId,
        role: "roles/pubsub.publisher",
        member: args.secretManagerAgent,
      },
      { parent: this },
    );
    this.ids = {};
    for (const spec of args.secrets ?? SECRETS) {
      const secret = new Secret(
        `${name}-${spec.id}`,
        {
          project: args.project,
          secretId: `${args.prefix}-${spec.id}`,
          replicas: args.keys,
          accessors: spec.accessors.map((w) => args.members[w]),
          labels: args.labels,
          ...(spec.rotates
            ? { rotation: { topicId: args.rotationTopicId, nextRotationTime: args.rotationStart } }
            : {}),
          dependsOn: [topicGrant],
        },
        { parent: this },
      );
      this.ids[spec.id] = secret.secretId;
    }
    this.registerOutputs({ ids: this.ids });
  }
}
