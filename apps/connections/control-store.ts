/**
 * Where a bot finds the authoritative control store (README, "One kill switch for every region"). The variables are
 * the REDIS_* ones of the bot's own Redis with an ORION_CONTROL_ prefix and the same rules, except that the cloud form
 * is always TLS: the control store is another region's Memorystore, reached across the VPC.
 */
import type { RedisOptions } from "ioredis";
import { EnvError } from "./env-error.ts";
import { redisEndpoint, redisOptions, type RedisEndpoint } from "./redis.ts";

export interface ControlStoreEnv {
  ORION_CONTROL_REDIS_URL?: string | undefined;
  ORION_CONTROL_REDIS_HOST?: string | undefined;
  ORION_CONTROL_REDIS_PORT?: string | undefined;
  ORION_CONTROL_REDIS_CA_CERT?: string | undefined;
  ORION_CONTROL_REDIS_PASSWORD?: string | undefined;
}

const PREFIX = "ORION_CONTROL_";

/** The control store's endpoint, or null when the bot's own Redis is the control store. Throws EnvError. */
export function controlStoreEndpoint(env: ControlStoreEnv): RedisEndpoint | null {
  const url = env.ORION_CONTROL_REDIS_URL || undefined;
  const host = env.ORION_CONTROL_REDIS_HOST || undefined;
  if (url === undefined && host === undefined) {
    for (const name of ["PORT", "CA_CERT", "PASSWORD"] as const) {
      if (env[`${PREFIX}REDIS_${name}`]) {
        throw new EnvError(`${PREFIX}REDIS_${name}`, `is set without ${PREFIX}REDIS_HOST: it has nothing to apply to`);
      }
    }
    return null;
  }
  try {
    return redisEndpoint({
      REDIS_URL: url,
      REDIS_HOST: host,
      REDIS_PORT: env.ORION_CONTROL_REDIS_PORT || undefined,
      REDIS_CA_CERT: env.ORION_CONTROL_REDIS_CA_CERT || undefined,
      REDIS_PASSWORD: env.ORION_CONTROL_REDIS_PASSWORD || undefined,
      ...(host !== undefined ? { REDIS_TLS: "true" as const } : {}),
    });
  } catch (err) {
    // The shared parser names REDIS_*; the operator must fix the ORION_CONTROL_ variable.
    if (err instanceof EnvError) {
      const reason = err.message.slice(err.variable.length + 1).replace(/\bREDIS_/g, `${PREFIX}REDIS_`);
      throw new EnvError(`${PREFIX}${err.variable}`, reason);
    }
    throw err;
  }
}

/** ioredis options for the control store, or the bot's own Redis URL when that is the control store. */
export function controlStoreTarget(env: ControlStoreEnv, ownRedisUrl: string): string | RedisOptions {
  const endpoint = controlStoreEndpoint(env);
  return endpoint === null ? ownRedisUrl : redisOptions(endpoint);
}
