/** The bots, one dedicated service account each. */
export const WORKLOADS = ["scanner", "orchestrator", "executor", "api"] as const;
export type Workload = (typeof WORKLOADS)[number];

/** Every bot writes logs, metrics and traces; nothing more is granted at project level to all of them. */
const TELEMETRY = ["roles/logging.logWriter", "roles/monitoring.metricWriter", "roles/cloudtrace.agent"] as const;

/**
 * Project-level roles per bot. Topic, secret and key access is granted on the resource itself by the component that
 * creates it (never project-wide: SEC-003, KMS-004), so these are only the roles GCP offers no narrower scope for.
 * Cloud SQL IAM login needs cloudsql.client (connect) and cloudsql.instanceUser (log in as the IAM user).
 */
export function projectRoles(workload: Workload): string[] {
  const database = ["roles/cloudsql.client", "roles/cloudsql.instanceUser"];
  switch (workload) {
    case "scanner":
      return [...TELEMETRY];
    case "orchestrator":
    case "executor":
    case "api":
      return [...TELEMETRY, ...database];
  }
}

/** Roles no user-managed service account may hold (IAM-001, IAM-002, IAM-003); checked before anything is created. */
export function forbiddenRole(role: string): string | undefined {
  if (["roles/owner", "roles/editor", "roles/viewer"].includes(role)) return "basic roles are too broad (IAM-001)";
  if (role === "roles/iam.serviceAccountUser" || role === "roles/iam.serviceAccountTokenCreator") {
    return "grant impersonation on the one service account instead of the project (IAM-002)";
  }
  if (/admin$/i.test(role)) return "service accounts hold no *Admin role (IAM-003)";
  if (role === "roles/secretmanager.secretAccessor") return "grant secretAccessor on each secret instead (SEC-003)";
  return undefined;
}

/** Service account id: 6-30 chars, so long environment names are cut from the prefix, never from the bot name. */
export function accountId(prefix: string, workload: string): string {
  const id = `${prefix}-${workload}`;
  if (id.length <= 30) return id;
  return `${prefix.slice(0, 29 - workload.length)}-${workload}`;
}

/**
 * The Workload Identity Federation condition: tokens only from this repository's workflows, and only for pushes to
 * the default branch, pull requests and the deployment environments (IAM-006).
 */
export function githubAttributeCondition(repository: string): string {
  return (
    `assertion.repository == "${repository}" && ` +
    `(assertion.ref == "refs/heads/main" || assertion.event_name == "pull_request" || ` +
    `assertion.environment in ["staging", "prod"])`
  );
}
