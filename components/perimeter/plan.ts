/**
 * The Google APIs the perimeter restricts: every data service the platform stores or moves data with (NET-005's
 * list), plus BigQuery, which holds the audit dataset and the trade fan-out.
 */
export const RESTRICTED_SERVICES = [
  "sqladmin.googleapis.com",
  "redis.googleapis.com",
  "storage.googleapis.com",
  "pubsub.googleapis.com",
  "secretmanager.googleapis.com",
  "cloudkms.googleapis.com",
  "run.googleapis.com",
  "bigquery.googleapis.com",
] as const;

const ACCESS_POLICY = /^accessPolicies\/\d+$/;
// VPC Service Controls admits people and service accounts by their email in ingress rules.
const IDENTITY = /^(user|serviceAccount):[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Checks the perimeter's inputs; returns the first problem as "field: reason", or undefined. */
export function perimeterProblem(args: {
  accessPolicy: string;
  prefix: string;
  operators?: readonly string[];
}): string | undefined {
  if (!ACCESS_POLICY.test(args.accessPolicy)) {
    return `accessPolicy must be "accessPolicies/NUMBER" (gcloud access-context-manager policies list --organization ORG), got "${args.accessPolicy}"`;
  }
  if (!/^[a-z][a-z0-9-]{0,49}$/.test(args.prefix)) {
    return `prefix must be lowercase letters, digits or '-' (at most 50), got "${args.prefix}"`;
  }
  const bad = (args.operators ?? []).find((m) => !IDENTITY.test(m));
  if (bad !== undefined) return `operators must be user:EMAIL or serviceAccount:EMAIL, got "${bad}"`;
  return undefined;
}

/** The perimeter's resource name: perimeter names take letters, digits and underscores only. */
export function perimeterName(accessPolicy: string, prefix: string): string {
  return `${accessPolicy}/servicePerimeters/${prefix.replace(/-/g, "_")}`;
}
