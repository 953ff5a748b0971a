import * as pulumi from "@pulumi/pulumi";
import * as cloudrunv2 from "@pulumi/gcp/cloudrunv2/index.js";
import { gcpName } from "../common/naming.ts";
import { labelsFor, validateLabels, type Labels } from "../common/labels.ts";
import {
  COLLECTOR_CONTAINER,
  COLLECTOR_PORT,
  collectorConfig,
  tracingEnv,
  validateTracing,
  type TracingArgs,
} from "../common/tracing.ts";
import { literalSecretLikeEnv, trafficFor, type Rollout } from "./traffic.ts";

export { COLLECTOR_CONTAINER, collectorConfig, type TracingArgs } from "../common/tracing.ts";

/** A secret and the version of it to read. */
export interface SecretRef {
  secret: pulumi.Input<string>;
  version: pulumi.Input<string>;
}

export interface ServiceArgs {
  project: string;
  prefix: string;
  region: string;
  /** The bot: scanner, orchestrator, executor or api; the container runs `orion run <workload>`. */
  workload: string;
  image: string;
  /** The bot's dedicated service account (RUN-003). */
  serviceAccountEmail: pulumi.Input<string>;
  /** CMEK for the container image and revision data (RUN-004). */
  runKeyId: pulumi.Input<string>;
  /** Direct VPC egress: all traffic leaves through the VPC (RUN-005). */
  networkId: pulumi.Input<string>;
  subnetId: pulumi.Input<string>;
  scaling: { min: number; max: number };
  /** Default { strategy: "latest" }. */
  rollout?: Rollout;
  /** Plain settings. A name that looks secret (KEY, SECRET, TOKEN, PASSWORD, PRIVATE) is refused: use secretEnv. */
  env?: Record<string, pulumi.Input<string>>;
  /**
   * Env var -> a Secret Manager secret and the version to read (RUN-006). The version is pinned, never `latest`: a
   * revision must only start once its secrets have a version (FEAS-008), and a new value rolls out as a new revision.
   */
  secretEnv?: Record<string, SecretRef>;
  /**
   * Cloud SQL connection names mounted through the Cloud SQL connector (SQL-014 connector enforcement). The same
   * instance may be named twice (the writer and the reader in the primary region); it is mounted once (FEAS-007).
   */
  cloudSqlInstances?: pulumi.Input<string>[];
  /**
   * Serve the public load balancer: ingress from the internal LB only and anonymous invocation, which RUN-002 allows
   * because the only path in is the LB with Cloud Armor. Default false: internal only, no invokers.
   */
  public?: boolean;
  /** Where the bot's OpenTelemetry spans go (components/common/tracing.ts); without it the bot records no spans. */
  tracing?: TracingArgs;
  labels: Labels;
  cpu?: string;
  memory?: string;
  /** What the service's revisions must wait for (the schema's Migrations job): a component's own dependsOn is not its children's. */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** One bot as a Cloud Run v2 service in one region. */
export class Service extends pulumi.ComponentResource {
  readonly name: pulumi.Output<string>;
  readonly uri: pulumi.Output<string>;

  constructor(name: string, args: ServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    const leaked = literalSecretLikeEnv(args.env ?? {});
    if (leaked.length > 0) {
      throw new Error(`Service ${name}: env ${leaked.join(", ")} look like secrets (RUN-006): move them to secretEnv`);
    }
    if (args.scaling.min < 0 || args.scaling.max < 1 || args.scaling.min > args.scaling.max) {
      throw new Error(
        `Service ${name}: scaling must satisfy 0 <= min <= max and max >= 1, got ${JSON.stringify(args.scaling)}`,
      );
    }
    validateTracing(args.tracing, `Service ${name}`);
    const traffic = trafficFor(args.rollout ?? { strategy: "latest" });
    validateLabels(args.labels, `Service ${name}`);
    // The region is the component's one input: plans group its children by it.
    super("alpha-orion:platform:Service", name, { region: args.region }, opts);

    const sqlInstances = pulumi.all(args.cloudSqlInstances ?? []).apply((names) => [...new Set(names)]);
    const mountsSql = (args.cloudSqlInstances ?? []).length > 0;
    const service = new cloudrunv2.Service(
      name,
      {
        project: args.project,
        name: gcpName([args.prefix, args.workload, args.region], 49),
        location: args.region,
        ingress: args.public ? "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER" : "INGRESS_TRAFFIC_INTERNAL_ONLY",
        launchStage: "GA",
        deletionProtection: true,
        binaryAuthorization: { useDefault: true },
        invokerIamDisabled: false,
        labels: labelsFor(args.labels, { workload: args.workload }),
        template: {
          serviceAccount: args.serviceAccountEmail,
          encryptionKey: args.runKeyId,
          executionEnvironment: "EXECUTION_ENVIRONMENT_GEN2",
          scaling: { minInstanceCount: args.scaling.min, maxInstanceCount: args.scaling.max },
          vpcAccess: {
            egress: "ALL_TRAFFIC",
            networkInterfaces: [{ network: args.networkId, subnetwork: args.subnetId }],
          },
          labels: labelsFor(args.labels, { workload: args.workload }),
          containers: [
            {
              name: args.workload,
              image: args.image,
              // The image's entrypoint is the orion CLI; the args make this container the bot it is named for.
              args: ["run", args.workload],
              ports: { containerPort: 8080 },
              resources: { limits: { cpu: args.cpu ?? "1", memory: args.memory ?? "512Mi" }, cpuIdle: false },
              envs: [
                ...Object.entries({ ...tracingEnv(args.tracing, `${args.prefix}-${args.workload}`), ...args.env }).map(
                  ([envName, value]) => ({
                    name: envName,
                    value,
                  }),
                ),
                ...Object.entries(args.secretEnv ?? {}).map(([envName, ref]) => ({
                  name: envName,
                  valueSource: { secretKeyRef: { secret: ref.secret, version: ref.version } },
                })),
              ],
              startupProbe: { httpGet: { path: "/healthz" }, periodSeconds: 5, failureThreshold: 12 },
              livenessProbe: { httpGet: { path: "/healthz" }, periodSeconds: 15 },
              // Not ready (a dependency down, state not loaded) takes the instance out of serving without restarting
              // it; with every instance of a region unready, the load balancer's outlier detection ejects the region.
              readinessProbe: {
                httpGet: { path: "/readyz" },
                periodSeconds: 5,
                timeoutSeconds: 2,
                failureThreshold: 3,
                successThreshold: 1,
              },
              volumeMounts: mountsSql ? [{ name: "cloudsql", mountPath: "/cloudsql" }] : [],
              // The collector is up before the bot starts, so no span of the first block is dropped.
              ...(args.tracing?.collector ? { dependsOns: [COLLECTOR_CONTAINER] } : {}),
            },
            ...(args.tracing?.collector
              ? [
                  {
                    name: COLLECTOR_CONTAINER,
                    image: args.tracing.collector.image,
                    args: ["--config=env:OTELCOL_CONFIG"],
                    envs: [{ name: "OTELCOL_CONFIG", value: collectorConfig(args.project) }],
                    resources: { limits: { cpu: "0.5", memory: "256Mi" } },
                    startupProbe: { tcpSocket: { port: COLLECTOR_PORT }, periodSeconds: 2, failureThreshold: 15 },
                  },
                ]
              : []),
          ],
          volumes: mountsSql ? [{ name: "cloudsql", cloudSqlInstance: { instances: sqlInstances } }] : [],
        },
        traffics: traffic.map((t) => ({
          type: t.type,
          percent: t.percent,
          tag: t.tag,
          ...(t.revision ? { revision: t.revision } : {}),
        })),
      },
      { parent: this, dependsOn: args.dependsOn ?? [] },
    );
    this.name = service.name;
    this.uri = service.uri;

    if (args.public) {
      new cloudrunv2.ServiceIamMember(
        `${name}-lb-invoker`,
        {
          project: args.project,
          location: args.region,
          name: service.name,
          role: "roles/run.invoker",
          member: "allUsers",
        },
        { parent: this },
      );
    }
    this.registerOutputs({ name: this.name, uri: this.uri });
  }
}
