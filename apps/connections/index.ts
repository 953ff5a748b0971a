// Public API of the cloud connections: Redis (Memorystore TLS + AUTH) and PostgreSQL (Cloud SQL connector + IAM).
export { EnvError, type Readiness } from "./env-error.ts";
export {
  redisEnvSchema,
  redisEndpoint,
  redisOptions,
  createRedis,
  describeRedisEndpoint,
  describeRedisError,
  RedisProbe,
  type RedisEnv,
  type RedisEndpoint,
} from "./redis.ts";
export {
  databaseEnvSchema,
  databasePlan,
  openDatabases,
  checkDatabase,
  type DatabaseEnv,
  type DatabasePlan,
  type DatabaseTarget,
  type Databases,
  type OpenDatabasesOptions,
} from "./postgres.ts";
export { controlStoreEndpoint, controlStoreTarget, type ControlStoreEnv } from "./control-store.ts";
