import { gcpName } from "../common/naming.ts";

/**
 * PostgreSQL flags shared by the primary and every replica (a replica that logs less than its primary would be the
 * weak link an auditor finds). Each line cites the control it satisfies.
 */
export const AUDIT_FLAGS: Readonly<Record<string, string>> = {
  log_connections: "on", // SQL-008
  log_disconnections: "on", // SQL-008
  log_statement: "ddl", // SQL-009
  log_min_messages: "warning", // SQL-010
  log_min_error_statement: "error", // SQL-010
  log_min_duration_statement: "-1", // SQL-011: statements with their parameters never reach the logs
  log_error_verbosity: "default", // SQL-011
  log_checkpoints: "on",
  log_lock_waits: "on",
  "cloudsql.enable_pgaudit": "on", // SQL-012
  "pgaudit.log": "ddl,role,write", // SQL-012
  "cloudsql.iam_authentication": "on", // SQL-013
};

/** Flags a caller may not weaken: extra flags are merged, but these keys keep their audit values. */
export function mergeFlags(extra: Readonly<Record<string, string>> = {}): { name: string; value: string }[] {
  for (const key of Object.keys(extra)) {
    if (key in AUDIT_FLAGS && extra[key] !== AUDIT_FLAGS[key]) {
      throw new Error(`databaseFlags.${key} is fixed to "${AUDIT_FLAGS[key]}" by the audit controls; remove it`);
    }
  }
  return Object.entries({ ...extra, ...AUDIT_FLAGS })
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => ({ name, value }));
}

export interface InstancePlan {
  region: string;
  role: "primary" | "replica";
}

/**
 * Primary in `primaryRegion`, a read replica in every other region. Names derive from the region, not the role, so
 * promoting a replica (DR) renames nothing.
 */
export function instancePlan(primaryRegion: string, regions: readonly string[]): InstancePlan[] {
  if (!regions.includes(primaryRegion)) {
    throw new Error(`primaryRegion ${primaryRegion} must be one of regions (${regions.join(", ")})`);
  }
  return regions.map((region) => ({ region, role: region === primaryRegion ? "primary" : "replica" }));
}

/** Named by region and generation, never by role: a promotion renames nothing; a rebuild takes the next generation. */
export function instanceNameFor(prefix: string, region: string, generation: number): string {
  if (!Number.isInteger(generation) || generation < 1)
    throw new Error(`generations.${region} must be an integer >= 1, got ${generation}`);
  return gcpName([prefix, "pg", region, ...(generation > 1 ? [`g${generation}`] : [])], 98);
}

/** Cloud SQL's IAM user name for a service account: its email without ".gserviceaccount.com". */
export function iamUserName(email: string): string {
  return email.replace(/\.gserviceaccount\.com$/, "");
}
