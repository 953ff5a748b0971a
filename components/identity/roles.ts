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

/**
 * The migrate job's project roles: it logs in to Cloud SQL as its IAM user (client + instanceUser) and writes its
 * log lines; nothing else. What it may do inside the database comes from its database role (cloudsqlsuperuser, the
 * Database component), not from IAM.
 */
export const MIGRATE_ROLES = [
  "roles/logging.logWriter",
  "roles/cloudsql.client",
  "roles/cloudsql.instanceUser",
] as const;

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
 * The only GitHub subjects (the OIDC token's `sub`) that may act in the project. A pull request's jobs run as the
 * read-only previewer; only jobs of the `staging` and `prod` GitHub environments (whose protection rules admit `main`
 * alone and ask for reviewers) run as the deployer. A branch that edits a workflow gets neither: its jobs' subject is
 * `ref:refs/heads/BRANCH`, or the environment's subject with a ref other than main, which the condition refuses.
 */
export const DEPLOY_ENVIRONMENTS = ["staging", "prod"] as const;
export type DeployEnvironment = (typeof DEPLOY_ENVIRONMENTS)[number];

export function githubSubjects(repository: string): { previewer: string; deployer: Record<DeployEnvironment, string> } {
  return {
    previewer: `repo:${repository}:pull_request`,
    deployer: { staging: `repo:${repository}:environment:staging`, prod: `repo:${repository}:environment:prod` },
  };
}

/**
 * Read-only project roles for `pulumi preview` of a pull request: it reads resources and their IAM policies, never
 * secret values or data (secretmanager.viewer and storage.bucketViewer see metadata only).
 */
export const PREVIEWER_ROLES = [
  "roles/browser",
  "roles/iam.securityReviewer",
  "roles/compute.viewer",
  "roles/cloudsql.viewer",
  "roles/redis.viewer",
  "roles/run.viewer",
  "roles/pubsub.viewer",
  "roles/secretmanager.viewer",
  "roles/cloudkms.viewer",
  "roles/logging.viewer",
  "roles/monitoring.viewer",
  "roles/storage.bucketViewer",
  "roles/bigquery.metadataViewer",
  "roles/container.clusterViewer",
] as const;

/**
 * The Workload Identity Federation condition (IAM-006, IAM-007): tokens only from this repository, and only with a
 * subject some account trusts: a pull request's (`pull_request` events only, not `pull_request_target`, which runs
 * with the base branch's secrets), or a deployment environment's on `main`. Environment protection rules say the same;
 * the condition holds even if they are misconfigured.
 */
export function githubAttributeCondition(repository: string): string {
  const s = githubSubjects(repository);
  const environments = DEPLOY_ENVIRONMENTS.map((e) => `"${s.deployer[e]}"`).join(", ");
  return (
    `assertion.repository == "${repository}" && (` +
    `(assertion.sub == "${s.previewer}" && assertion.event_name == "pull_request") || ` +
    `(assertion.sub in [${environments}] && assertion.ref == "refs/heads/main"))`
  );
}
