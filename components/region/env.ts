/** Where each bot finds its dependencies. Values are names and addresses only; credentials travel as secret refs. */
export interface RegionEndpoints<V = string> {
  region: string;
  primaryRegion: string;
  redisHost: V;
  /**
   * The authoritative control store (mode, kill switch, limits): the primary region's Memorystore, the same for
   * every region, so a switch engaged through any region's API reaches every region's bots at their next block.
   */
  controlRedisHost: V;
  controlRedisCaCert: V;
  /** Cloud SQL connection names: the primary (writes) and the instance in this region (reads). */
  databaseWriter: V;
  databaseReader: V;
  topics: Readonly<Record<string, V>>;
  subscriptions: Readonly<Record<string, V>>;
  signer: V;
}

export type Bot = "scanner" | "orchestrator" | "executor" | "api";

/** The plain environment of one bot: only what it uses, so a leaked env dump shows the least. */
export function botEnv<V>(bot: Bot, e: RegionEndpoints<V>): Record<string, V | string> {
  const common = {
    ORION_REGION: e.region,
    ORION_PRIMARY_REGION: e.primaryRegion,
    REDIS_HOST: e.redisHost,
    REDIS_TLS: "true",
    ORION_CONTROL_REDIS_HOST: e.controlRedisHost,
    ORION_CONTROL_REDIS_CA_CERT: e.controlRedisCaCert,
  };
  const db = {
    DATABASE_INSTANCE: e.databaseWriter,
    DATABASE_READ_INSTANCE: e.databaseReader,
    DATABASE_IAM_AUTH: "true",
  };
  const topic = (name: string): V => {
    const id = e.topics[name];
    if (id === undefined) throw new Error(`botEnv: no topic "${name}"`);
    return id;
  };
  const subscription = (name: string): V => {
    const id = e.subscriptions[name];
    if (id === undefined) throw new Error(`botEnv: no subscription "${name}"`);
    return id;
  };
  switch (bot) {
    case "scanner":
      return { ...common, OPPORTUNITIES_TOPIC: topic("opportunities"), AUDIT_TOPIC: topic("audit") };
    case "orchestrator":
      return {
        ...common,
        ...db,
        OPPORTUNITIES_SUBSCRIPTION: subscription("opportunities-orchestrator"),
        ORDERS_TOPIC: topic("orders"),
        AUDIT_TOPIC: topic("audit"),
      };
    case "executor":
      return {
        ...common,
        ...db,
        ORDERS_SUBSCRIPTION: subscription("orders-executor"),
        TRADES_TOPIC: topic("trades"),
        AUDIT_TOPIC: topic("audit"),
        // A KMS resource name, not key material: the executor asks KMS to sign.
        ORION_SIGNER_KMS: e.signer,
      };
    case "api":
      return { ...common, ...db, AUDIT_SUBSCRIPTION: subscription("audit-api") };
  }
}

/** The secret keys a Region provides itself rather than taking from the Secrets component. */
export const REGION_SECRET_KEYS: readonly string[] = ["redis-auth", "control-redis-auth"];

/**
 * Secret env per bot: env var -> secret id key ("rpc-urls", "api-session-secret", "redis-auth", and
 * "control-redis-auth", the primary region's AUTH string).
 */
export function botSecrets(bot: Bot): Record<string, string> {
  const redis = { REDIS_PASSWORD: "redis-auth", ORION_CONTROL_REDIS_PASSWORD: "control-redis-auth" };
  switch (bot) {
    case "scanner":
    case "executor":
      return { ...redis, RPC_URLS: "rpc-urls" };
    case "orchestrator":
      return redis;
    case "api":
      return { ...redis, API_SESSION_SECRET: "api-session-secret" };
  }
}
