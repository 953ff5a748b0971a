import { z } from "zod";
import { databaseVariables } from "./common.ts";
import { withDefault } from "./vars.ts";

/** The role every service's login role is a member of (migration 103 creates it); it owns nothing. */
export const APP_ROLE = "orion_app";

/**
 * Why a login role name cannot be granted orion_app, or undefined when it can. PostgreSQL role names are at most 63
 * bytes; a Cloud SQL IAM user is a service account email without ".gserviceaccount.com" (letters, digits, - . @).
 * Reserved names, the administrators' roles and orion_app itself are refused: granting them orion_app is a mistake.
 */
export function loginRoleProblem(role: string): string | undefined {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,62}$/.test(role)) {
    return `"${role}" is not a login role name (letters, digits, _ . @ -, at most 63)`;
  }
  if (/^pg_/i.test(role)) return `"${role}" is a reserved role name (pg_*)`;
  if ([APP_ROLE, "postgres", "cloudsqlsuperuser", "public"].includes(role.toLowerCase())) {
    return `"${role}" cannot be made a member of ${APP_ROLE}`;
  }
  return undefined;
}

/** Who migrates a bot's database: itself at start (a laptop), or a job before the bots roll out (the cloud). */
export const migrationVariables = {
  ORION_MIGRATIONS: withDefault(
    z.enum(["self", "external"], { message: 'must be "self" or "external"' }),
    "self",
  ).describe(
    "who migrates the schema: self (the bot, at start; DATABASE_OWNER_URL for the API when set) or external (`orion migrate`, the cloud's migrate job): the bot runs no DDL and stays unready until the schema is current",
  ),
} as const;

/**
 * `orion migrate`: the bots' database variables (DATABASE_URL, or the Cloud SQL connector with IAM as the migrate
 * service account) and the login roles to make members of orion_app.
 */
export const migrateEnvSchema = z.object({
  ...databaseVariables,
  ORION_APP_ROLES: withDefault(z.string(), "")
    .transform((s) =>
      s
        .split(",")
        .map((r) => r.trim())
        .filter(Boolean),
    )
    .superRefine((roles, ctx) => {
      for (const role of roles) {
        const problem = loginRoleProblem(role);
        if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
      }
    })
    .describe("comma-separated login roles to grant orion_app after migrating (the bots' IAM database users)"),
});

/** The variable names `orion migrate` reads: what the Migrations component may write for its job. */
export type MigrateVariable = keyof z.input<typeof migrateEnvSchema> & string;
