import * as pulumi from "@pulumi/pulumi";
import { validateLabels, type Labels } from "../common/labels.ts";
import { imageReference } from "../common/naming.ts";
import { Cache } from "../cache/cache.ts";
import { KubernetesRuntime } from "../kubernetes/kubernetes.ts";
import { SECRETS_DIR } from "../kubernetes/manifests.ts";
import { Service, type SecretRef, type TracingArgs } from "../service/service.ts";
import type { Rollout } from "../service/traffic.ts";
import type { RegionRanges } from "../network/cidr.ts";
import type { KeyPurpose } from "../kms/keys.ts";
import { iamUserName } from "../database/flags.ts";
import {
  botEnv,
  botSecrets,
  REGION_SECRET_KEYS,
  type Bot,
  type RelaySettings,
  type TradingSettings,
  type UserOperationSettings,
} from "./env.ts";
import { ENTRY_POINT_V08 } from "../../apps/domain/env/index.ts";

export const BOT_NAMES: readonly Bot[] = ["scanner", "orchestrator", "executor", "api"];

export interface RegionArgs {
  project: string;
  prefix: string;
  region: string;
  primaryRegion: string;
  /** cloudrun: every bot on Cloud Run. gke: the workers on a private GKE cluster; the API stays on Cloud Run behind the LB. */
  runtime: "cloudrun" | "gke";
  networkId: pulumi.Input<string>;
  /** This region's subnet and its planned ranges (GKE uses the pods, services and master ranges). */
  subnet: { id: pulumi.Input<string>; ranges: RegionRanges };
  /** This region's keys (from its Kms): redis, secrets and run; gke too when the runtime is GKE. */
  keys: Partial<Record<KeyPurpose, pulumi.Input<string>>>;
  /** The executor's signing key version (ORION_SIGNER_KMS): a key version, since each version is its own address. */
  signingKeyVersionId: pulumi.Input<string>;
  accounts: Record<Bot, { email: pulumi.Input<string>; member: pulumi.Input<string>; name: pulumi.Input<string> }>;
  /** Operator secrets by key ("rpc-urls", "api-session-secret") -> the secret and the version its readers pin. */
  secrets: Record<string, SecretRef>;
  /**
   * Default true. False on a first deploy, before operators have added the secrets' first versions: the region gets
   * its Redis but no bots, which could not start without their secrets (README, "First deploy").
   */
  deployBots?: boolean;
  databaseWriter: pulumi.Input<string>;
  databaseReader: pulumi.Input<string>;
  /** What the bots trade (stack config `alpha-orion:trading`); required when the bots are deployed. */
  trading?: TradingSettings;
  /**
   * Private submission: the executor's relay and bid. Its reputation key is the operator secret RELAY_KEY_SECRET
   * (in `secrets`), read by the executor only. Absent (default): trades go to the public mempool.
   */
  relay?: RelaySettings;
  /**
   * The ERC-4337 route: the executor trades through user operations. The bundler's and paymaster's URLs are the
   * operator secrets USER_OPERATION_SECRETS (in `secrets`), read by the executor only. Absent (default): the EOA route.
   */
  userOperations?: UserOperationSettings;
  /** Where every bot's spans go, on Cloud Run and on GKE alike (components/common/tracing.ts); none when unset. */
  tracing?: TracingArgs;
  imageRegistry: string;
  imageTag: string;
  scaling: Record<Bot, { min: number; max: number }>;
  rollout: Rollout;
  redisMemoryGb: number;
  /**
   * The authoritative control store: the primary region's Redis (its Region's `controlStore`). Absent only in the
   * primary region, whose own Redis is it. Every region's bots read mode and kill switch there, never a local copy.
   */
  controlStore?: ControlStoreRef;
  /** Where Secret Manager sends rotation reminders for the Redis AUTH secret. */
  secretRotation: { topicId: pulumi.Input<string> };
  labels: Labels;
  /** Private Service Access and the agents' key grants. */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
  /** What the bots (not the region's Redis) wait for: the schema's Migrations job, so they start on a current schema. */
  botsDependOn?: pulumi.Input<pulumi.Resource>[];
}

/** Where the bots of every region reach the control store: the primary region's Memorystore. */
export interface ControlStoreRef {
  host: pulumi.Input<string>;
  caCert: pulumi.Input<string>;
  authSecret: SecretRef;
}

/** Everything that runs in one region: its Memorystore and its bots (Cloud Run services or GKE workloads). */
export class Region extends pulumi.ComponentResource {
  /** Undefined until the bots are deployed (`deployBots`). */
  readonly apiServiceName: pulumi.Output<string> | undefined;
  readonly serviceNames: Partial<Record<Bot, pulumi.Output<string>>>;
  readonly redisHost: pulumi.Output<string>;
  /** The control store this region's bots read; in the primary region, its own Redis, for the others to use. */
  readonly controlStore: ControlStoreRef;

  constructor(name: string, args: RegionArgs, opts?: pulumi.ComponentResourceOptions) {
    const deployBots = args.deployBots ?? true;
    if (deployBots && args.trading === undefined) {
      throw new Error(`Region ${name}: trading is missing (the bots read their markets and contract from it)`);
    }
    for (const bot of deployBots ? BOT_NAMES : []) {
      for (const secretKey of Object.values(botSecrets(bot, args))) {
        if (!REGION_SECRET_KEYS.includes(secretKey) && args.secrets[secretKey] === undefined) {
          throw new Error(`Region ${name}: secrets.${secretKey} is missing (${bot} reads it)`);
        }
      }
    }
    if (args.relay) validateRelay(args.relay, name);
    if (args.userOperations) validateUserOperations(args.userOperations, name);
    const needed: KeyPurpose[] = ["redis", "secrets", "run", ...(args.runtime === "gke" ? (["gke"] as const) : [])];
    const key = (purpose: KeyPurpose): pulumi.Input<string> => {
      const id = args.keys[purpose];
      if (id === undefined)
        throw new Error(`Region ${name}: keys.${purpose} is missing (the ${args.runtime} runtime needs it)`);
      return id;
    };
    needed.forEach(key);
    const primary = args.region === args.primaryRegion;
    if (primary && args.controlStore !== undefined) {
      throw new Error(`Region ${name}: the primary region's own Redis is the control store: pass no controlStore`);
    }
    if (!primary && args.controlStore === undefined) {
      throw new Error(
        `Region ${name}: controlStore is missing: a region other than the primary (${args.primaryRegion}) reads mode and kill switch from the primary region's Redis`,
      );
    }
    validateLabels(args.labels, `Region ${name}`);
    // The region is the component's one input: plans group its children by it.
    super("alpha-orion:platform:Region", name, { region: args.region }, opts);

    const cache = new Cache(
      `${name}-cache`,
      {
        project: args.project,
        prefix: args.prefix,
        region: args.region,
        networkId: args.networkId,
        redisKeyId: key("redis"),
        secretsKeyId: key("secrets"),
        authReaders: BOT_NAMES.map((b) => args.accounts[b].member),
        memorySizeGb: args.redisMemoryGb,
        rotation: args.secretRotation,
        labels: args.labels,
        dependsOn: args.dependsOn ?? [],
      },
      { parent: this },
    );
    this.redisHost = cache.host;
    const ownAuth: SecretRef = { secret: cache.authSecretId, version: cache.authSecretVersion };
    this.controlStore = args.controlStore ?? { host: cache.host, caCert: cache.caCert, authSecret: ownAuth };

    const secretRefs: Record<string, SecretRef> = {
      ...args.secrets,
      "redis-auth": ownAuth,
      "control-redis-auth": this.controlStore.authSecret,
    };
    const endpoints = {
      project: args.project,
      region: args.region,
      redisHost: cache.host,
      redisPort: cache.port.apply(String),
      redisCa: cache.caCert,
      controlRedisHost: this.controlStore.host,
      controlRedisCaCert: this.controlStore.caCert,
      databaseWriter: args.databaseWriter,
      databaseReader: args.databaseReader,
      databaseUsers: Object.fromEntries(
        BOT_NAMES.map((b) => [b, pulumi.output(args.accounts[b].email).apply(iamUserName)]),
      ) as Record<Bot, pulumi.Output<string>>,
      signer: args.signingKeyVersionId,
      trading: args.trading as TradingSettings,
      ...(args.relay ? { relay: args.relay } : {}),
      ...(args.userOperations ? { userOperations: args.userOperations } : {}),
    };
    // One image for every bot (the Dockerfile's); the container's args pick the bot. A digest pins the exact build.
    const image = (_bot: Bot): string => imageReference(args.imageRegistry, args.imageTag);
    const secretEnv = (bot: Bot): Record<string, SecretRef> =>
      Object.fromEntries(
        Object.entries(botSecrets(bot, args)).map(([envName, key]) => {
          const ref = secretRefs[key];
          if (ref === undefined) throw new Error(`Region ${name}: secrets.${key} is missing (${bot} reads it)`);
          return [envName, ref];
        }),
      );

    this.serviceNames = {};
    const onCloudRun: readonly Bot[] = !deployBots ? [] : args.runtime === "cloudrun" ? BOT_NAMES : ["api"];
    for (const bot of onCloudRun) {
      const service = new Service(
        `${name}-${bot}`,
        {
          project: args.project,
          prefix: args.prefix,
          region: args.region,
          workload: bot,
          image: image(bot),
          serviceAccountEmail: args.accounts[bot].email,
          runKeyId: key("run"),
          networkId: args.networkId,
          subnetId: args.subnet.id,
          scaling: args.scaling[bot],
          rollout: args.rollout,
          env: botEnv(bot, endpoints),
          secretEnv: secretEnv(bot),
          cloudSqlInstances: bot === "scanner" ? [] : [args.databaseWriter, args.databaseReader],
          public: bot === "api",
          ...(args.tracing ? { tracing: args.tracing } : {}),
          labels: args.labels,
          dependsOn: args.botsDependOn ?? [],
        },
        { parent: this },
      );
      this.serviceNames[bot] = service.name;
    }
    this.apiServiceName = this.serviceNames.api;

    if (args.runtime === "gke" && deployBots) {
      const workers = BOT_NAMES.filter((b) => b !== "api");
      new KubernetesRuntime(
        `${name}-gke`,
        {
          project: args.project,
          prefix: args.prefix,
          region: args.region,
          networkId: args.networkId,
          subnetId: args.subnet.id,
          subnetCidr: args.subnet.ranges.primary,
          masterCidr: args.subnet.ranges.master,
          gkeKeyId: key("gke"),
          labels: args.labels,
          workloads: workers.map((bot) => ({
            workload: bot,
            image: image(bot),
            gsaEmail: args.accounts[bot].email,
            gsaName: args.accounts[bot].name,
            minReplicas: Math.max(1, args.scaling[bot].min),
            maxReplicas: Math.max(1, args.scaling[bot].max),
            // The cluster's Secret Manager add-on mounts each secret's pinned version as a file, fetched as the
            // pod's own identity; the env names the file (`<VAR>_FILE`), which `orion run` reads in place of <VAR>.
            env: {
              ...botEnv(bot, endpoints),
              ...Object.fromEntries(
                Object.keys(secretEnv(bot)).map((envName) => [`${envName}_FILE`, `${SECRETS_DIR}/${envName}`]),
              ),
            },
            secretFiles: Object.fromEntries(
              Object.entries(secretEnv(bot)).map(([envName, ref]) => [
                envName,
                pulumi.interpolate`projects/${args.project}/secrets/${ref.secret}/versions/${ref.version}`,
              ]),
            ),
          })),
          ...(args.tracing ? { tracing: args.tracing } : {}),
          dependsOn: [...(args.dependsOn ?? []), ...(args.botsDependOn ?? [])],
        },
        { parent: this },
      );
    }

    this.registerOutputs({
      apiServiceName: this.apiServiceName,
      serviceNames: this.serviceNames,
      redisHost: this.redisHost,
    });
  }
}

/** A relay the executor could not use is refused here, not by an executor that exits 2 at every start. */
function validateRelay(relay: RelaySettings, name: string): void {
  if (relay.url !== undefined && !/^https:\/\/[^\s/]+/.test(relay.url)) {
    throw new Error(`Region ${name}: relay.url must be an https:// URL (a relay is reached over TLS)`);
  }
  if (!Number.isInteger(relay.bidShareBps) || relay.bidShareBps < 0 || relay.bidShareBps > 10_000) {
    throw new Error(`Region ${name}: relay.bidShareBps must be a whole number of basis points 0..10000`);
  }
}

/** An ERC-4337 route the executor would refuse at start (exit 2) is refused here, before a deploy. */
function validateUserOperations(u: UserOperationSettings, name: string): void {
  if (u.entryPoint.toLowerCase() !== ENTRY_POINT_V08) {
    throw new Error(`Region ${name}: userOperations.entryPoint must be EntryPoint v0.8 (${ENTRY_POINT_V08})`);
  }
  for (const field of ["smartAccount", "smartAccountContract"] as const) {
    if (!/^0x[0-9a-fA-F]{40}$/.test(u[field])) {
      throw new Error(`Region ${name}: userOperations.${field} must be a 0x-prefixed 20-byte hex address`);
    }
  }
  if (!Number.isInteger(u.bundlerTimeoutMs) || u.bundlerTimeoutMs < 100 || u.bundlerTimeoutMs > 999_999) {
    throw new Error(`Region ${name}: userOperations.bundlerTimeoutMs must be whole milliseconds 100..999999`);
  }
}
