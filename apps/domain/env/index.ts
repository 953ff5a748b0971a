// The env contract between the infrastructure (components/region writes it) and the bots (`orion run` reads it).
// Pure zod (and one file read for `<VAR>_FILE` secrets): the Pulumi program imports it without loading any bot.
export { EnvError, parseEnv } from "./parse.ts";
export { fileVariable, resolveSecretFiles, SECRET_FILE_VARIABLES, type SecretFileVariable } from "./secret-files.ts";
export { apiVariables } from "./api.ts";
export { databaseVariables, redisVariables } from "./common.ts";
export { controlVariables } from "./control.ts";
export { APP_ROLE, loginRoleProblem, migrateEnvSchema, migrationVariables, type MigrateVariable } from "./migrate.ts";
export { DEFAULT_BID_SHARE_BPS, relayVariables } from "./relay.ts";
export {
  scannerEnvSchema,
  orchestratorEnvSchema,
  executorEnvSchema,
  apiEnvSchema,
  botEnvSchemas,
  ENTRY_POINT_V08,
} from "./bots.ts";
export type { BotEnv, BotEnvSchemas, BotVariable, EnvBot } from "./bots.ts";
