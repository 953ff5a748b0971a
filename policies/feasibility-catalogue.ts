import type { Control, Severity } from "./types.ts";

/**
 * Feasibility rules: configurations Google Cloud refuses, or fights on every refresh, so a `pulumi up` would not
 * converge. They are not compliance controls (no framework reference, never in a compliance report's control list);
 * the CrossGuard pack always enforces them as mandatory and `orion plan` fails on them.
 */
function rule(id: string, severity: Severity, title: string, remediation: string): Control {
  return { id, severity, title, remediation, frameworks: { soc2: [], "pci-dss-4.0": [], "cis-gcp-3.0": [] } };
}

export const FEASIBILITY_RULES: readonly Control[] = [
  rule(
    "FEAS-001",
    "high",
    "A bucket does not combine object versioning with a retention policy",
    "Keep the locked retention policy on audit and backup buckets and turn versioning off there (GCS refuses both).",
  ),
  rule(
    "FEAS-002",
    "high",
    "Memorystore read replicas only where the instance is large enough",
    "Enable read replicas only on STANDARD_HA instances of 5 GB or more; otherwise disable them and keep one replica.",
  ),
  rule(
    "FEAS-003",
    "high",
    "Alerts on log-based or custom metrics wait for the metric's declaration",
    "Declare the logging metric or monitoring metric descriptor in the stack and reference it from the alert filter.",
  ),
  rule(
    "FEAS-004",
    "medium",
    "Cloud SQL disk size is not pinned while the disk grows itself",
    "Leave settings.diskSize unset when settings.diskAutoresize is true (or set a diskAutoresizeLimit instead).",
  ),
  rule(
    "FEAS-005",
    "high",
    "Secret rotation is scheduled in the future",
    "Derive rotation.nextRotationTime at deploy time (and ignore later changes): a fixed calendar date passes.",
  ),
  rule(
    "FEAS-006",
    "medium",
    "PostgreSQL replicas carry no failover target",
    "Remove replicaConfiguration.failoverTarget from PostgreSQL replicas (it is a legacy MySQL setting).",
  ),
  rule(
    "FEAS-007",
    "medium",
    "A Cloud Run service mounts each Cloud SQL instance once",
    "List each connection name once in template.volumes[].cloudSqlInstance.instances.",
  ),
  rule(
    "FEAS-008",
    "high",
    "Cloud Run reads secret versions that exist before the revision starts",
    "Pin secretKeyRef.version to a version created in the stack or added by an operator before the deploy.",
  ),
  rule(
    "FEAS-009",
    "high",
    "A CDN backend bucket is readable by the load balancer",
    "Grant roles/storage.objectViewer on the bucket to the Cloud CDN fill service agent (cloud-cdn-fill).",
  ),
];
