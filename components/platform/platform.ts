import * as pulumi from "@pulumi/pulumi";
import * as bigquery from "@pulumi/gcp/bigquery/index.js";
import * as logging from "@pulumi/gcp/logging/index.js";
import * as storage from "@pulumi/gcp/storage/index.js";
import { validateLabels, type Labels } from "../common/labels.ts";
import { imageReference } from "../common/naming.ts";
import { AuditTrail } from "../audit-trail/audit-trail.ts";
import { Database } from "../database/database.ts";
import { AGENT_SERVICES, Identity, type Agent } from "../identity/identity.ts";
import { DEPLOY_ENVIRONMENTS } from "../identity/roles.ts";
import { Kms } from "../kms/kms.ts";
import { KEY_PURPOSES, type KeyPurpose } from "../kms/keys.ts";
import { GlobalLoadBalancer } from "../load-balancer/load-balancer.ts";
import { Messaging } from "../messaging/messaging.ts";
import { Migrations } from "../migrations/migrations.ts";
import { Network } from "../network/network.ts";
import { Observability } from "../observability/observability.ts";
import { Perimeter } from "../perimeter/perimeter.ts";
import type { Severity } from "../observability/cis.ts";
import { Region, BOT_NAMES } from "../region/region.ts";
import type { Bot, RelaySettings, TradingSettings, UserOperationSettings } from "../region/env.ts";
import { RELAY_KEY_SECRET, SECRETS, USER_OPERATION_SECRETS } from "../secrets/plan.ts";
import { Secrets } from "../secrets/secrets.ts";
import type { Rollout } from "../service/traffic.ts";
import type { TracingArgs } from "../service/service.ts";

export interface PlatformArgs {
  project: string;
  /** "dev" | "staging" | "prod": part of every name. */
  environment: string;
  /** Regions in their approved, stable order; the first is home to the global stores (topics' key, archives). */
  regions: readonly string[];
  /** Where the Cloud SQL primary runs; every other region holds a replica. Changing it is the DR failover. */
  primaryRegion: string;
  runtime: "cloudrun" | "gke";
  networkCidr: string;
  domain: string;
  imageRegistry: string;
  imageTag: string;
  scaling: Record<Bot, { min: number; max: number }>;
  rollout: Rollout;
  databaseTier: string;
  /** region -> Cloud SQL instance generation, bumped when an instance is rebuilt after a failover. */
  databaseGenerations?: Readonly<Record<string, number>>;
  redisMemoryGb: number;
  alertEmails: Record<Severity, readonly string[]>;
  pagerdutyServiceKey?: pulumi.Input<string>;
  replicaLagRpoSeconds: number;
  /** The API's availability objective (e.g. 0.9999): the burn-rate alerts are computed for it. Default 0.995. */
  sloGoal?: number;
  githubRepository: string;
  /**
   * The VPC Service Controls perimeter around the project (NET-005): the organisation's access policy it lives in, the
   * people who operate the stack from outside it, and whether it only logs (dry run). Default none; prod's policy
   * configuration requires one.
   */
  servicePerimeter?: { accessPolicy: string; operators?: readonly string[]; dryRun?: boolean };
  /** Who handles secret-rotation reminders (IAM members): they may pull and acknowledge them (Messaging). */
  rotationHandlers?: readonly string[];
  /**
   * Operator secret id -> the version an operator added. Until every operator secret has one, the program deploys
   * everything but the bots and the load balancer in front of them (the first of two `pulumi up`s, README).
   */
  secretVersions?: Readonly<Record<string, number>>;
  /**
   * What the bots trade: their markets file, the chain's wrapped native token, the executor's contract and account.
   * Until it is set the bots are not deployed (like the secret versions: the account is the KMS key's address, known
   * only after the first `pulumi up` created the key).
   */
  trading?: TradingSettings;
  /**
   * Private submission: every region's executor sends bundles to this relay. The reputation key is then one more
   * operator secret (RELAY_KEY_SECRET, executor-only), whose version the bots wait for like the others'. Default none:
   * the public mempool.
   */
  relay?: RelaySettings;
  /**
   * The ERC-4337 route: every region's executor trades through user operations of its key's smart account. The
   * bundler's and paymaster's URLs are then two more operator secrets (USER_OPERATION_SECRETS, executor-only), whose
   * versions the bots wait for like the others'. Default none: the EOA route.
   */
  userOperations?: UserOperationSettings;
  /** Where the bots' spans go in every region: an OTLP endpoint, or a collector sidecar beside each bot (Cloud Run or GKE). */
  tracing?: TracingArgs;
  /** env, owner, data-classification (GOV-001), on every labelable resource. */
  labels: Labels;
}

/** Which Google agent encrypts with which key purpose. */
const KEY_USERS: Partial<Record<KeyPurpose, Agent>> = {
  sql: "sql",
  redis: "redis",
  pubsub: "pubsub",
  secrets: "secrets",
  run: "run",
  gke: "gke",
};

/** The whole Alpha-Orion platform of one stack: global parts once, regional parts per region. */
export class Platform extends pulumi.ComponentResource {
  /** Undefined on a first deploy, until the bots behind the load balancer are deployed. */
  readonly loadBalancerIp: pulumi.Output<string> | undefined;
  readonly primaryConnectionName: pulumi.Output<string>;
  readonly connectionNames: Record<string, pulumi.Output<string>>;
  readonly apiServices: Record<string, pulumi.Output<string>>;
  readonly workloadIdentityProvider: pulumi.Output<string>;
  readonly deployerEmail: pulumi.Output<string>;
  readonly previewerEmail: pulumi.Output<string>;

  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    if (!/^[a-z][a-z0-9]{1,9}$/.test(args.environment)) {
      throw new Error(`Platform ${name}: environment "${args.environment}" must be 2-10 lowercase letters/digits`);
    }
    if (!args.regions.includes(args.primaryRegion)) {
      throw new Error(
        `Platform ${name}: primaryRegion ${args.primaryRegion} must be one of regions (${args.regions.join(", ")})`,
      );
    }
    for (const bot of BOT_NAMES) {
      if (args.scaling[bot] === undefined) throw new Error(`Platform ${name}: scaling.${bot} is missing`);
    }
    validateLabels(args.labels, `Platform ${name}`);
    super("alpha-orion:platform:Platform", name, {}, opts);
    const parent = { parent: this };
    const { project, labels } = args;
    const prefix = `orion-${args.environment}`;
    const home = args.regions[0] as string;

    // The GKE key and agent exist only where GKE runs: an unused HSM key still costs and still needs guarding.
    const gke = args.runtime === "gke";
    const purposes = KEY_PURPOSES.filter((p) => p !== "gke" || gke);
    const identity = new Identity(
      `${name}-identity`,
      {
        project,
        prefix,
        githubRepository: args.githubRepository,
        // CI deploys staging and prod, each from its own GitHub environment; other stacks are deployed by a person.
        deployEnvironments: DEPLOY_ENVIRONMENTS.filter((e) => e === args.environment),
        agents: (Object.keys(AGENT_SERVICES) as Agent[]).filter((a) => a !== "gke" || gke),
      },
      parent,
    );
    const agent = (a: Agent): pulumi.Output<string> => {
      const member = identity.agents[a];
      if (member === undefined) throw new Error(`Platform ${name}: the ${a} service agent was not provisioned`);
      return member;
    };
    const members = Object.fromEntries(BOT_NAMES.map((b) => [b, identity.accounts[b].member])) as Record<
      Bot,
      pulumi.Output<string>
    >;
    // Agents known only through lookups: storage, logging (log bucket CMEK) and BigQuery.
    const storageAgent = storage
      .getProjectServiceAccountOutput({ project }, parent)
      .apply((a) => `serviceAccount:${a.emailAddress}`);
    const loggingAgent = logging
      .getProjectCmekSettingsOutput({ project }, parent)
      .apply((s) => `serviceAccount:${s.serviceAccountId}`);
    const bigqueryAgent = bigquery
      .getDefaultServiceAccountOutput({ project }, parent)
      .apply((a) => `serviceAccount:${a.email}`);

    const network = new Network(
      `${name}-network`,
      { project, prefix, regions: args.regions, cidr: args.networkCidr, labels },
      parent,
    );

    const kms: Record<string, Kms> = {};
    for (const region of args.regions) {
      const encrypters: Partial<Record<KeyPurpose, pulumi.Input<string>[]>> = {
        storage: [storageAgent],
        logs: [loggingAgent],
        bigquery: [bigqueryAgent],
      };
      for (const [purpose, agent] of Object.entries(KEY_USERS) as [KeyPurpose, Agent][]) {
        const member = identity.agents[agent];
        if (member !== undefined && purposes.includes(purpose)) encrypters[purpose] = [member];
      }
      kms[region] = new Kms(
        `${name}-kms-${region}`,
        {
          project,
          prefix,
          region,
          labels,
          purposes,
          encrypters,
          signers: [identity.accounts.executor.member],
          // The API of every region reads its region's signing key version for the live pre-flight (ORION_SIGNER_KMS).
          publicKeyViewers: [identity.accounts.api.member],
        },
        parent,
      );
    }
    const key = (region: string, purpose: KeyPurpose): pulumi.Output<string> => {
      const id = kms[region]?.keyIds[purpose];
      if (id === undefined) throw new Error(`Platform ${name}: no ${purpose} key in ${region}`);
      return id;
    };
    // Resources with CMEK wait for every key grant: a key the agent cannot use fails creation late and confusingly.
    const keysReady = Object.values(kms);

    const messaging = new Messaging(
      `${name}-messaging`,
      {
        project,
        prefix,
        regions: args.regions,
        pubsubKeyId: key(home, "pubsub"),
        pubsubAgent: agent("pubsub"),
        ...(args.rotationHandlers ? { rotationHandlers: args.rotationHandlers } : {}),
        labels,
      },
      { parent: this, dependsOn: keysReady },
    );

    const secrets = new Secrets(
      `${name}-secrets`,
      {
        project,
        prefix,
        keys: Object.fromEntries(args.regions.map((r) => [r, key(r, "secrets")])),
        members,
        secretManagerAgent: agent("secrets"),
        rotationTopicId: messaging.rotationTopicId,
        ...(args.secretVersions ? { versions: args.secretVersions } : {}),
        // The relay's key and the route's URLs exist only where they are configured: no secret nobody reads.
        secrets: [
          ...SECRETS,
          ...(args.relay ? [RELAY_KEY_SECRET] : []),
          ...(args.userOperations ? USER_OPERATION_SECRETS : []),
        ],
        labels,
      },
      { parent: this, dependsOn: keysReady },
    );

    const database = new Database(
      `${name}-database`,
      {
        project,
        prefix,
        primaryRegion: args.primaryRegion,
        regions: args.regions,
        keys: Object.fromEntries(args.regions.map((r) => [r, key(r, "sql")])),
        networkId: network.networkId,
        iamUsers: {
          orchestrator: identity.accounts.orchestrator.email,
          executor: identity.accounts.executor.email,
          api: identity.accounts.api.email,
        },
        owner: identity.migrator.email,
        tier: args.databaseTier,
        ...(args.databaseGenerations ? { generations: args.databaseGenerations } : {}),
        labels,
        dependsOn: [network.privateServiceAccess, ...keysReady],
      },
      parent,
    );
    this.primaryConnectionName = database.primaryConnectionName;
    this.connectionNames = database.connectionNames;

    const audit = new AuditTrail(
      `${name}-audit`,
      {
        project,
        prefix,
        region: home,
        storageKeyId: key(home, "storage"),
        logsKeyId: key(home, "logs"),
        bigqueryKeyId: key(home, "bigquery"),
        labels,
        dependsOn: keysReady,
      },
      parent,
    );

    // Bots start only once their secrets hold a value: deploying them earlier leaves revisions that cannot start.
    const deployBots = secrets.awaitingVersions.length === 0 && args.trading !== undefined;
    if (secrets.awaitingVersions.length > 0) {
      void pulumi.log.warn(
        `first deploy: the bots and the load balancer wait for versions of ${secrets.awaitingVersions.join(", ")}; ` +
          "add them with `gcloud secrets versions add`, set alpha-orion:secretVersions and run `pulumi up` again",
        this,
      );
    }
    if (args.trading === undefined) {
      void pulumi.log.warn(
        "first deploy: the bots and the load balancer wait for alpha-orion:trading (markets, contract, the KMS " +
          "signing key's address); set it and run `pulumi up` again",
        this,
      );
    }
    // The schema before the bots: the job runs `orion migrate` as the owner and grants orion_app to the bots' users;
    // every bot service waits for its execution to succeed (README, "Database roles"). Created with the bots, since it
    // runs their image, which exists only once pushed (first deploy, step 9).
    const primaryRing = kms[args.primaryRegion] as Kms;
    const migrations = !deployBots
      ? undefined
      : new Migrations(
          `${name}-migrations`,
          {
            project,
            prefix,
            region: args.primaryRegion,
            image: imageReference(args.imageRegistry, args.imageTag),
            serviceAccountEmail: identity.migrator.email,
            runKeyId: primaryRing.keyIds.run as pulumi.Input<string>,
            networkId: network.networkId,
            subnetId: (network.subnets[args.primaryRegion] as Network["subnets"][string]).id,
            instance: database.primaryConnectionName,
            databaseUser: database.ownerUserName as pulumi.Output<string>,
            appRoles: Object.values(database.iamUserNames),
            labels,
            // The users (in Database), the account's Cloud SQL roles (in Identity) and the run key's grant.
            dependsOn: [database, identity, ...keysReady],
          },
          parent,
        );
    this.apiServices = {};
    // The primary region first: its Redis is the one control store every other region's bots read (README).
    let controlStore: Region["controlStore"] | undefined;
    for (const region of [args.primaryRegion, ...args.regions.filter((r) => r !== args.primaryRegion)]) {
      const ring = kms[region] as Kms;
      const reader = database.connectionNames[region];
      if (reader === undefined) throw new Error(`Platform ${name}: no database instance in ${region}`);
      const r = new Region(
        `${name}-${region}`,
        {
          project,
          prefix,
          region,
          primaryRegion: args.primaryRegion,
          runtime: args.runtime,
          networkId: network.networkId,
          subnet: network.subnets[region] as Network["subnets"][string],
          keys: ring.keyIds,
          signingKeyVersionId: ring.signingKeyVersionId,
          accounts: identity.accounts,
          secrets: secrets.refs,
          deployBots,
          databaseWriter: database.primaryConnectionName,
          databaseReader: reader,
          ...(args.trading ? { trading: args.trading } : {}),
          ...(args.relay ? { relay: args.relay } : {}),
          ...(args.userOperations ? { userOperations: args.userOperations } : {}),
          ...(args.tracing ? { tracing: args.tracing } : {}),
          imageRegistry: args.imageRegistry,
          imageTag: args.imageTag,
          scaling: args.scaling,
          rollout: args.rollout,
          redisMemoryGb: args.redisMemoryGb,
          ...(controlStore !== undefined ? { controlStore } : {}),
          secretRotation: { topicId: messaging.rotationTopicId },
          labels,
          // The Secrets component holds the agent's grant on the rotation topic the AUTH secret notifies.
          dependsOn: [network.privateServiceAccess, secrets, ...keysReady],
          ...(migrations ? { botsDependOn: [migrations] } : {}),
        },
        parent,
      );
      controlStore ??= r.controlStore;
      if (r.apiServiceName !== undefined) this.apiServices[region] = r.apiServiceName;
    }

    const lb = !deployBots
      ? undefined
      : new GlobalLoadBalancer(
          `${name}-lb`,
          {
            project,
            prefix,
            domain: args.domain,
            apiServices: this.apiServices,
            assetsRegion: home,
            storageKeyId: key(home, "storage"),
            accessLogBucket: audit.accessLogBucket,
            labels,
            dependsOn: keysReady,
          },
          parent,
        );
    this.loadBalancerIp = lb?.ipAddress;

    new Observability(
      `${name}-observability`,
      {
        project,
        prefix,
        emails: args.alertEmails,
        ...(args.pagerdutyServiceKey !== undefined ? { pagerdutyServiceKey: args.pagerdutyServiceKey } : {}),
        domain: args.domain,
        replicaLagRpoSeconds: args.replicaLagRpoSeconds,
        ...(args.sloGoal !== undefined ? { availabilityGoal: args.sloGoal } : {}),
        secretRotation: {
          subscription: messaging.rotationSubscriptionName,
          deadLetterSubscription: messaging.deadLetterSubscriptionName,
        },
        labels,
      },
      parent,
    );

    if (args.servicePerimeter !== undefined) {
      new Perimeter(
        `${name}-perimeter`,
        {
          project,
          prefix,
          accessPolicy: args.servicePerimeter.accessPolicy,
          ciMembers: [identity.deployer.member, identity.previewer.member],
          ...(args.servicePerimeter.operators ? { operators: args.servicePerimeter.operators } : {}),
          ...(args.servicePerimeter.dryRun !== undefined ? { dryRun: args.servicePerimeter.dryRun } : {}),
        },
        parent,
      );
    }

    this.workloadIdentityProvider = identity.workloadIdentityProvider;
    this.deployerEmail = identity.deployer.email;
    this.previewerEmail = identity.previewer.email;
    this.registerOutputs({
      loadBalancerIp: this.loadBalancerIp,
      primaryConnectionName: this.primaryConnectionName,
      connectionNames: this.connectionNames,
      apiServices: this.apiServices,
      workloadIdentityProvider: this.workloadIdentityProvider,
      deployerEmail: this.deployerEmail,
      previewerEmail: this.previewerEmail,
    });
  }
}
