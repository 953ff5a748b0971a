import * as pulumi from "@pulumi/pulumi";
import { Platform } from "../components/platform/platform.ts";
import { BOTS, chainIdOf, type Bot, type StackConfig } from "./config.ts";

/** Instances per bot when the stack config names none: dev scales to zero, the others keep one warm. */
function defaultScaling(config: StackConfig): Record<Bot, { min: number; max: number }> {
  const min = config.environment === "dev" ? 0 : 1;
  const max = config.environment === "prod" ? 10 : 3;
  return Object.fromEntries(BOTS.map((b) => [b, config.scaling[b] ?? { min, max }])) as Record<
    Bot,
    { min: number; max: number }
  >;
}

/** The stack: one Platform from a validated config. `opts` lets tests and the plan reach every child (transformations). */
export function buildPlatform(config: StackConfig, opts?: pulumi.ComponentResourceOptions): Platform {
  return new Platform(
    config.environment,
    {
      project: config.project,
      environment: config.environment,
      regions: config.regions,
      primaryRegion: config.primaryRegion,
      runtime: config.runtime,
      networkCidr: config.networkCidr,
      domain: config.domain,
      imageRegistry: config.imageRegistry,
      imageTag: config.imageTag,
      scaling: defaultScaling(config),
      rollout: config.rollout,
      databaseTier: config.databaseTier,
      databaseGenerations: config.databaseGenerations,
      redisMemoryGb: config.redisMemoryGb,
      alertEmails: config.alertEmails,
      ...(config.pagerduty && config.pagerdutyServiceKey !== undefined
        ? { pagerdutyServiceKey: pulumi.secret(config.pagerdutyServiceKey) }
        : {}),
      replicaLagRpoSeconds: config.replicaLagRpoSeconds,
      sloGoal: config.sloGoal,
      githubRepository: config.githubRepository,
      ...(config.servicePerimeter ? { servicePerimeter: config.servicePerimeter } : {}),
      rotationHandlers: config.rotationHandlers,
      secretVersions: Object.fromEntries(
        Object.entries(config.secretVersions).filter((e): e is [string, number] => e[1] !== undefined),
      ),
      ...(config.trading
        ? {
            trading: {
              chain: config.trading.chain,
              pools: config.trading.pools,
              chainId: chainIdOf(config.trading.chain),
              executorContract: config.trading.executorContract,
              executorAccount: config.trading.executorAccount,
              stack: pulumi.getStack(),
              reportPublicKey: config.trading.reportPublicKey,
            },
          }
        : {}),
      ...(config.relay
        ? {
            relay: {
              ...(config.relay.url !== undefined ? { url: config.relay.url } : {}),
              bidShareBps: config.relay.bidShareBps,
            },
          }
        : {}),
      ...(config.userOperations ? { userOperations: config.userOperations } : {}),
      ...(config.tracing ? { tracing: config.tracing } : {}),
      labels: { env: config.environment, owner: config.owner, "data-classification": config.dataClassification },
    },
    opts,
  );
}
