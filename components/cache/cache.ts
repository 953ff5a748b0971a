import * as pulumi from "@pulumi/pulumi";
import * as redis from "@pulumi/gcp/redis/index.js";
import { gcpName, shortRegion } from "../common/naming.ts";
import { labelsFor, validateLabels, type Labels } from "../common/labels.ts";
import { Secret } from "../secrets/secret.ts";

/** Memorystore enables read replicas only from this size on. */
export const READ_REPLICA_MIN_GB = 5;

export interface CacheArgs {
  project: string;
  prefix: string;
  region: string;
  networkId: pulumi.Input<string>;
  /** CMEK for the data at rest (RED-003). */
  redisKeyId: pulumi.Input<string>;
  /** CMEK for the AUTH string's secret in this region. */
  secretsKeyId: pulumi.Input<string>;
  /** Who may read the AUTH string (the bots in this region). */
  authReaders: readonly pulumi.Input<string>[];
  labels: Labels;
  /** Default 1 GB. */
  memorySizeGb?: number;
  /**
   * Replicas besides the primary node (RED-005 needs >= 1). Default 1. Memorystore serves reads from them only on
   * instances of 5 GB or more (FEAS-002); below that it keeps exactly one failover replica.
   */
  replicaCount?: number;
  /**
   * Rotation reminders for the AUTH string (SEC-002): a new one is issued by re-enabling AUTH, a runbook step, so
   * Secret Manager reminds the operators through this topic.
   */
  rotation: { topicId: pulumi.Input<string> };
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * Memorystore for Redis STANDARD_HA in one region: AUTH, TLS, CMEK, RDB snapshots, reached only over Private Service
 * Access. The AUTH string goes straight into Secret Manager; the bots read it from there.
 */
export class Cache extends pulumi.ComponentResource {
  readonly host: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  /** PEM of the instance's server CA: clients verify its TLS certificate against it (public material). */
  readonly caCert: pulumi.Output<string>;
  /** Secret Manager secret id holding the AUTH string. */
  readonly authSecretId: pulumi.Output<string>;
  /** The secret version holding it: readers pin it, so they are created after it exists (FEAS-008). */
  readonly authSecretVersion: pulumi.Output<string>;

  constructor(name: string, args: CacheArgs, opts?: pulumi.ComponentResourceOptions) {
    const replicas = args.replicaCount ?? 1;
    const memory = args.memorySizeGb ?? 1;
    if (memory < 1) throw new Error(`Cache ${name}: memorySizeGb must be >= 1, got ${memory}`);
    const readReplicas = memory >= READ_REPLICA_MIN_GB;
    const maxReplicas = readReplicas ? 5 : 1;
    if (replicas < 1 || replicas > maxReplicas) {
      throw new Error(
        `Cache ${name}: replicaCount must be 1..${maxReplicas} for a ${memory} GB STANDARD_HA instance (RED-005; read replicas need ${READ_REPLICA_MIN_GB} GB), got ${replicas}`,
      );
    }
    validateLabels(args.labels, `Cache ${name}`);
    // The region is the component's one input: plans group its children by it.
    super("alpha-orion:platform:Cache", name, { region: args.region }, opts);

    const instance = new redis.Instance(
      name,
      {
        project: args.project,
        name: gcpName([args.prefix, "redis", shortRegion(args.region)], 40),
        region: args.region,
        tier: "STANDARD_HA",
        memorySizeGb: memory,
        replicaCount: replicas,
        readReplicasMode: readReplicas ? "READ_REPLICAS_ENABLED" : "READ_REPLICAS_DISABLED",
        redisVersion: "REDIS_7_2",
        authEnabled: true,
        transitEncryptionMode: "SERVER_AUTHENTICATION",
        customerManagedKey: args.redisKeyId,
        connectMode: "PRIVATE_SERVICE_ACCESS",
        authorizedNetwork: args.networkId,
        persistenceConfig: { persistenceMode: "RDB", rdbSnapshotPeriod: "ONE_HOUR" },
        maintenancePolicy: { weeklyMaintenanceWindows: [{ day: "SUNDAY", startTime: { hours: 4, minutes: 0 } }] },
        labels: labelsFor(args.labels, { region: args.region }),
      },
      { parent: this, dependsOn: args.dependsOn ?? [] },
    );
    this.host = instance.host;
    this.port = instance.port;
    this.caCert = instance.serverCaCerts.apply((certs) => certs?.[0]?.cert ?? "");

    const auth = new Secret(
      `${name}-auth`,
      {
        project: args.project,
        secretId: gcpName([args.prefix, "redis-auth", args.region]),
        replicas: { [args.region]: args.secretsKeyId },
        accessors: args.authReaders,
        labels: args.labels,
        value: instance.authString,
        rotation: args.rotation,
        dependsOn: args.dependsOn ?? [],
      },
      { parent: this },
    );
    this.authSecretId = auth.secretId;
    if (auth.version === undefined) throw new Error(`Cache ${name}: the AUTH secret has no version`);
    this.authSecretVersion = auth.version;
    this.registerOutputs({ host: this.host, port: this.port, authSecretId: this.authSecretId });
  }
}
