import * as pulumi from "@pulumi/pulumi";
import * as cloudrunv2 from "@pulumi/gcp/cloudrunv2/index.js";
import type { ComponentArgs } from "../common/args.ts";
import { labelsFor, validateLabels } from "../common/labels.ts";
import { gcpName } from "../common/naming.ts";
import { executionToken, jobEnv, migrationsDigest, TOKEN_LENGTH } from "./plan.ts";

/** `dependsOn`: the database with its users, the account's roles, the run key's grant. */
export interface MigrationsArgs extends ComponentArgs {
  /** The primary region: where the Cloud SQL primary is, and so where the job runs. */
  region: string;
  /** The one image of the bots; the job runs its `orion migrate`. */
  image: string;
  /** The migrate service account (Identity's `migrator`): Cloud SQL client and instance user only. */
  serviceAccountEmail: pulumi.Input<string>;
  /** CMEK for the image and execution data (RUN-004): the region's `run` key. */
  runKeyId: pulumi.Input<string>;
  /** Direct VPC egress: the primary's private IP is only reachable through the VPC (RUN-005). */
  networkId: pulumi.Input<string>;
  subnetId: pulumi.Input<string>;
  /** The Cloud SQL primary's connection name. */
  instance: pulumi.Input<string>;
  /** The migrate service account's IAM database user (a cloudsqlsuperuser: Database's `ownerUserName`). */
  databaseUser: pulumi.Input<string>;
  /** The bots' IAM database users, made members of orion_app after migrating. */
  appRoles: pulumi.Input<string>[];
  /** Default apps/store/migrations: a new or edited file runs the job again. */
  migrationsDir?: string;
}

/**
 * The schema's owner as a Cloud Run job in the primary region: one task of `orion migrate` as the migrate service
 * account. Its runExecutionToken changes with the image, the migrations and the roles, and the Job resource is ready
 * only once that execution succeeded: whatever depends on this component (the bots) rolls out after the schema and
 * the grants exist, in the same `pulumi up`.
 */
export class Migrations extends pulumi.ComponentResource {
  readonly jobName: pulumi.Output<string>;
  readonly executionToken: pulumi.Output<string>;

  constructor(name: string, args: MigrationsArgs, opts?: pulumi.ComponentResourceOptions) {
    validateLabels(args.labels, `Migrations ${name}`);
    if (args.appRoles.length === 0) {
      throw new Error(`Migrations ${name}: appRoles is empty: no bot could write the schema the job creates`);
    }
    // Cloud Run names each execution job name + token; both must fit 63 characters.
    const jobName = gcpName([args.prefix, "migrate"], 62 - TOKEN_LENGTH);
    const digest = migrationsDigest(args.migrationsDir);
    super("alpha-orion:platform:Migrations", name, { region: args.region }, opts);

    const roles = pulumi.all(args.appRoles);
    const token = pulumi
      .all([args.instance, args.databaseUser, roles])
      .apply(([instance, databaseUser, appRoles]) =>
        executionToken({ image: args.image, migrationsDigest: digest, instance, databaseUser, appRoles }),
      );
    const env = jobEnv({
      instance: args.instance,
      databaseUser: args.databaseUser,
      appRoles: roles.apply((r) => r.join(",")),
    });
    const labels = labelsFor(args.labels, { workload: "migrate" });
    const job = new cloudrunv2.Job(
      name,
      {
        project: args.project,
        name: jobName,
        location: args.region,
        launchStage: "GA",
        deletionProtection: true,
        binaryAuthorization: { useDefault: true },
        labels,
        runExecutionToken: token,
        template: {
          labels,
          taskCount: 1,
          parallelism: 1,
          template: {
            serviceAccount: args.serviceAccountEmail,
            encryptionKey: args.runKeyId,
            executionEnvironment: "EXECUTION_ENVIRONMENT_GEN2",
            // A migration is one transaction per file and the grants one more: a retry resumes where it stopped.
            maxRetries: 3,
            timeout: "600s",
            vpcAccess: {
              egress: "ALL_TRAFFIC",
              networkInterfaces: [{ network: args.networkId, subnetwork: args.subnetId }],
            },
            containers: [
              {
                name: "migrate",
                image: args.image,
                // The image's entrypoint is the orion CLI.
                args: ["migrate"],
                resources: { limits: { cpu: "1", memory: "512Mi" } },
                envs: Object.entries(env).map(([envName, value]) => ({ name: envName, value })),
                volumeMounts: [{ name: "cloudsql", mountPath: "/cloudsql" }],
              },
            ],
            volumes: [{ name: "cloudsql", cloudSqlInstance: { instances: [args.instance] } }],
          },
        },
      },
      { parent: this, dependsOn: args.dependsOn ?? [] },
    );
    this.jobName = job.name;
    this.executionToken = token;
    this.registerOutputs({ jobName: this.jobName, executionToken: this.executionToken });
  }
}
