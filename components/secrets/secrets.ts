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
  /**
   * secret id -> the version an operator has added (`gcloud secrets versions add`). Readers pin it: a revision that
   * read `latest` before any version exists could not start (FEAS-008). A secret without one has no readers yet.
   */
  versions?: Readonly<Record<string, number>>;
  labels: Labels;
  /** Default SECRETS. */
  secrets?: readonly SecretSpec[];
}

/** The operator-provided secrets, replicated to every region under that region's key. */
export class Secrets extends pulumi.ComponentResource {
  /** secret id -> Secret Manager secret id. */
  readonly ids: Record<string, pulumi.Output<string>>;
  /** secret id -> the secret and its pinned version, for the secrets whose version an operator has added. */
  readonly refs: Record<string, { secret: pulumi.Output<string>; version: string }>;
  /** Secrets still waiting for their first version: the bots that read them are not deployed yet. */
  readonly awaitingVersions: readonly string[];

  constructor(name: string, args: SecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    const specs = args.secrets ?? SECRETS;
    for (const [id, version] of Object.entries(args.versions ?? {})) {
      if (!specs.some((s) => s.id === id)) {
        throw new Error(`Secrets ${name}: versions.${id} names no secret (${specs.map((s) => s.id).join(", ")})`);
      }
      if (!Number.isInteger(version) || version < 1) {
        throw new Error(`Secrets ${name}: versions.${id} must be a version number >= 1, got ${version}`);
      }
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
    this.refs = {};
    this.awaitingVersions = specs.filter((s) => args.versions?.[s.id] === undefined).map((s) => s.id);
    for (const spec of specs) {
      const secret = new Secret(
        `${name}-${spec.id}`,
        {
          project: args.project,
          secretId: `${args.prefix}-${spec.id}`,
          replicas: args.keys,
          accessors: spec.accessors.map((w) => args.members[w]),
          labels: args.labels,
          ...(spec.rotates ? { rotation: { topicId: args.rotationTopicId } } : {}),
          dependsOn: [topicGrant],
        },
        { parent: this },
      );
      this.ids[spec.id] = secret.secretId;
      const version = args.versions?.[spec.id];
      if (version !== undefined) this.refs[spec.id] = { secret: secret.secretId, version: String(version) };
    }
    this.registerOutputs({ ids: this.ids });
  }
}
