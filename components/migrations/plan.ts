import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { MigrateVariable } from "../../apps/domain/env/index.ts";

/** The migrations the image ships (apps/store/migrations): the job must run again whenever they change. */
export const MIGRATIONS_DIR = fileURLToPath(new URL("../../apps/store/migrations/", import.meta.url));

/** Hex characters of the execution token: short, since Cloud Run wants job name + token under 63 characters. */
export const TOKEN_LENGTH = 12;

/** sha256 over the migration files' names and contents, in order: changes when any file is added or edited. */
export function migrationsDigest(dir = MIGRATIONS_DIR): string {
  const hash = createHash("sha256");
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort();
  if (files.length === 0) throw new Error(`Migrations: no NNN_name.sql file in ${dir}`);
  for (const file of files) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(join(dir, file)));
    hash.update("\0");
  }
  return hash.digest("hex");
}

/** What one execution of the job does: the schema it brings, where, as whom, and whom it makes members of orion_app. */
export interface JobInputs {
  image: string;
  migrationsDigest: string;
  instance: string;
  databaseUser: string;
  appRoles: readonly string[];
}

/**
 * The job's runExecutionToken. Cloud Run starts an execution when the token changes and holds the Job resource until
 * it succeeds, so `pulumi up` re-runs the job exactly when its effect could differ: a new image, edited migrations,
 * another instance, user or set of roles. Roles are a set (order does not matter).
 */
export function executionToken(j: JobInputs): string {
  const parts = [j.image, j.migrationsDigest, j.instance, j.databaseUser, ...[...new Set(j.appRoles)].sort()];
  return createHash("sha256").update(parts.join("\n")).digest("hex").slice(0, TOKEN_LENGTH);
}

/** The env of the job's container: exactly what `orion migrate` reads (typed by its schema, apps/domain/env). */
export function jobEnv<V>(o: {
  instance: V;
  databaseUser: V;
  appRoles: V;
}): Partial<Record<MigrateVariable, V | string>> {
  return {
    DATABASE_INSTANCE: o.instance,
    DATABASE_IAM_AUTH: "true",
    DATABASE_USER: o.databaseUser,
    ORION_APP_ROLES: o.appRoles,
  };
}
