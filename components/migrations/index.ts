export { Migrations, type MigrationsArgs } from "./migrations.ts";
export { executionToken, jobEnv, migrationsDigest, MIGRATIONS_DIR, type JobInputs } from "./plan.ts";
