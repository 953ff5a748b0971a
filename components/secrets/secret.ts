import * as pulumi from "@pulumi/pulumi";
import * as secretmanager from "@pulumi/gcp/secretmanager/index.js";
import { labelsFor, validateLabels, type Labels } from "../common/labels.ts";
import { MAX_SECRET_ROTATION_SECONDS } from "./plan.ts";

export interface SecretArgs {
  project: string;
  secretId: string;
  /** region -> CMEK in that region: one user-managed replica each (SEC-001). */
  replicas: Record<string, pulumi.Input<string>>;
  /** IAM members granted roles/secretmanager.secretAccessor on this secret only. */
  accessors: readonly pulumi.Input<string>[];
  labels: Labels;
  rotation?: { topicId: pulumi.Input<string>; nextRotationTime: string; periodSeconds?: number };
  /** A value produced by another resource (e.g. Redis AUTH); stored as a secret version, kept secret in state. */
  value?: pulumi.Input<string>;
  /** Resources the secret must wait for (the agent's topic and key grants). */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** One Secret Manager secret with CMEK replicas, optional rotation and per-secret accessors. */
export class Secret extends pulumi.ComponentResource {
  readonly secretId: pulumi.Output<string>;
  readonly name: pulumi.Output<string>;

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
              rotation: { rotationPeriod: `${period}s`, nextRotationTime: args.rotation.nextRotationTime },
              topics: [{ name: args.rotation.topicId }],
            }
          : {}),
        labels: labelsFor(args.labels, { purpose: "secret" }),
      },
      { parent: this, dependsOn: args.dependsOn ?? [] },
    );
    this.secretId = secret.secretId;
    this.name = secret.name;

    if (args.value !== undefined) {
      new secretmanager.SecretVersion(
        name,
        { secret: secret.id, secretData: pulumi.secret(args.value) },
        { parent: this },
      );
    }
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
