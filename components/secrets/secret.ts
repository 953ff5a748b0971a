import * as pulumi from "@pulumi/pulumi";
import * as secretmanager from "@pulumi/gcp/secretmanager/index.js";
import { labelsFor, validateLabels, type Labels } from "../common/labels.ts";
import { MAX_SECRET_ROTATION_SECONDS } from "./plan.ts";
import { firstRotationTime } from "./rotation.ts";

export interface SecretArgs {
  project: string;
  secretId: string;
  /** region -> CMEK in that region: one user-managed replica each (SEC-001). */
  replicas: Record<string, pulumi.Input<string>>;
  /** IAM members granted roles/secretmanager.secretAccessor on this secret only. */
  accessors: readonly pulumi.Input<string>[];
  labels: Labels;
  /** Rotation reminders to a topic every `periodSeconds` (default 90 days), the first one period after creation. */
  rotation?: { topicId: pulumi.Input<string>; periodSeconds?: number };
  /** A value produced by another resource (e.g. Redis AUTH); stored as a secret version, kept secret in state. */
  value?: pulumi.Input<string>;
  /** Resources the secret must wait for (the agent's topic and key grants). */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** One Secret Manager secret with CMEK replicas, optional rotation and per-secret accessors. */
export class Secret extends pulumi.ComponentResource {
  readonly secretId: pulumi.Output<string>;
  readonly name: pulumi.Output<string>;
  /** The version holding `value` (when one is given): readers pin it, so they wait for it to exist (FEAS-008). */
  readonly version: pulumi.Output<string> | undefined;

  constructor(name: string, args: SecretArgs, opts?: pulumi.ComponentResourceOptions) {
    if (Object.keys(args.replicas).length === 0)
      throw new Error(`Secret ${name}: replicas must name at least one region`);
    const period = args.rotation?.periodSeconds ?? MAX_SECRET_ROTATION_SECONDS;
    if (args.rotation && (period < 3600 || period > MAX_SECRET_ROTATION_SECONDS)) {
      throw new Error(
        `Secret ${name}: rotation.periodSeconds must be 3600..${MAX_SECRET_ROTATION_SECONDS} (SEC-002), got ${period}`,
      );
    }
    validateLabels(args.labels, `Secret ${name}`);
    super("alpha-orion:platform:Secret", name, {}, opts);

    const secret = new secretmanager.Secret(
      name,
      {
        project: args.project,
        secretId: args.secretId,
        replication: {
          userManaged: {
            replicas: Object.entries(args.replicas).map(([location, kmsKeyName]) => ({
              location,
              customerManagedEncryption: { kmsKeyName },
            })),
          },
        },
        ...(args.rotation
          ? {
              rotation: { rotationPeriod: `${period}s`, nextRotationTime: firstRotationTime(new Date(), period) },
              topics: [{ name: args.rotation.topicId }],
            }
          : {}),
        labels: labelsFor(args.labels, { purpose: "secret" }),
      },
      // Secret Manager advances the next rotation after each reminder: the deploy-time value is only the first.
      { parent: this, dependsOn: args.dependsOn ?? [], ignoreChanges: ["rotation.nextRotationTime"] },
    );
    this.secretId = secret.secretId;
    this.name = secret.name;

    this.version =
      args.value === undefined
        ? undefined
        : new secretmanager.SecretVersion(
            name,
            { secret: secret.id, secretData: pulumi.secret(args.value) },
            { parent: this },
          ).version;
    args.accessors.forEach((member, i) => {
      new secretmanager.SecretIamMember(
        `${name}-accessor-${i}`,
        { project: args.project, secretId: secret.secretId, role: "roles/secretmanager.secretAccessor", member },
        { parent: this },
      );
    });
    this.registerOutputs({ secretId: this.secretId });
  }
}
