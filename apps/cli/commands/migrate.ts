import type { Command } from "commander";
import type { z } from "zod";
import { databasePlan, openDatabases } from "../../connections/index.ts";
import { EnvError, migrateEnvSchema, parseEnv } from "../../domain/env/index.ts";
import { migrateAndGrant, schemaGap, schemaStatus } from "../../store/index.ts";
import { CheckFailed, InputError } from "../errors.ts";

/** The env `orion migrate` reads, from its schema's descriptions: `orion migrate --help` documents it. */
function envHelp(): string {
  const shape = migrateEnvSchema.shape as Record<string, z.ZodTypeAny>;
  const rows = Object.entries(shape).map(([name, s]) => `  ${name.padEnd(24)} ${s.description ?? ""}`);
  return `\nEnvironment (what the Migrations component writes for its job):\n${rows.join("\n")}\n`;
}

/**
 * Applies the pending migrations as the role it connects as, which becomes the owner of what they create (the cloud:
 * the migrate service account's IAM user, a cloudsqlsuperuser), then makes each of ORION_APP_ROLES a member of
 * orion_app. One line per step on stdout; a bad variable is exit 2 before connecting, a failure exit 1.
 */
export async function runMigrate(
  env: NodeJS.ProcessEnv,
  out: (line: string) => void,
  o: { check?: boolean } = {},
): Promise<void> {
  let roles: string[];
  let plan: ReturnType<typeof databasePlan>;
  try {
    roles = parseEnv(migrateEnvSchema, env).ORION_APP_ROLES;
    plan = databasePlan(env);
  } catch (err) {
    if (err instanceof EnvError) throw new InputError(`migrate: ${err.message}`);
    throw err;
  }
  // Only the primary is written; the read pool is never used (connections are made on first use).
  const dbs = await openDatabases(plan, { max: 1 });
  try {
    if (o.check) {
      // What the bots check at start (ORION_MIGRATIONS=external), without writing anything.
      const status = await schemaStatus(dbs.write);
      const gap = schemaGap(status);
      if (gap !== null) throw new CheckFailed(gap);
      out(`schema at ${status.at}: current`);
      return;
    }
    await migrateAndGrant(dbs.write, roles, out);
  } finally {
    await dbs.close();
  }
}

export function configure(command: Command): void {
  command
    .option("--check", "only report whether the schema is current (exit 1 when behind); no DDL, no grants")
    .addHelpText("after", envHelp())
    .action(async (opts: { check?: boolean }) => {
      await runMigrate(process.env, (line) => process.stdout.write(`orion migrate: ${line}\n`), {
        check: opts.check === true,
      });
    });
}
