import type { PolicyResource } from "@pulumi/policy";
import { resourcePolicy, stackPolicy } from "./factory.ts";
import { at, isSet, isTrue, lastSegment, list, num, refersTo, str } from "./props.ts";
import { BUCKET, isAuditOrBackupBucket } from "./storage.ts";
import type { OrionPolicy } from "./types.ts";

export const AUDIT_CONFIG = "gcp:projects/iAMAuditConfig:IAMAuditConfig";
export const SINK_TYPES = [
  "gcp:logging/projectSink:ProjectSink",
  "gcp:logging/folderSink:FolderSink",
  "gcp:logging/organizationSink:OrganizationSink",
];
export const LOG_BUCKET = "gcp:logging/projectBucketConfig:ProjectBucketConfig";
export const LOG_METRIC = "gcp:logging/metric:Metric";
export const ALERT_POLICY = "gcp:monitoring/alertPolicy:AlertPolicy";
const LOG_TYPES = ["ADMIN_READ", "DATA_READ", "DATA_WRITE"];
const isGcp = (type: string) => type.startsWith("gcp:");

/** What keeps an audit config from logging every type for every service, exempting nobody. */
function auditConfigProblems(props: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (str(props, "service") !== "allServices") problems.push("service must be allServices");
  const configs = list(props, "auditLogConfigs");
  const types = new Set(configs.map((c) => str(c, "logType")));
  const missing = LOG_TYPES.filter((t) => !types.has(t));
  if (missing.length > 0) problems.push(`auditLogConfigs must include ${missing.join(", ")}`);
  if (configs.some((c) => list(c, "exemptedMembers").length > 0))
    problems.push("auditLogConfigs must exempt no members");
  return problems;
}

export const auditConfigComplete = () =>
  resourcePolicy({
    name: "audit-config-all-services",
    description:
      "IAM audit configs must log admin reads, data reads and data writes for all services, exempting nobody.",
    controls: ["LOG-001"],
    types: [AUDIT_CONFIG],
    check: (props, _args, report) => {
      for (const p of auditConfigProblems(props)) report("LOG-001", `${p}.`);
    },
  });

export const auditConfigPresent = () =>
  stackPolicy({
    name: "audit-config-present",
    description: "The stack must turn on Data Access audit logs for all services.",
    controls: ["LOG-001"],
    types: isGcp,
    examines: [AUDIT_CONFIG],
    check: (resources, _args, report) => {
      const ok = resources.some((r) => r.type === AUDIT_CONFIG && auditConfigProblems(r.props).length === 0);
      if (!ok)
        report("LOG-001", "An IAMAuditConfig for allServices with ADMIN_READ, DATA_READ and DATA_WRITE must exist.");
    },
  });

/** Whether a sink destination ("storage.googleapis.com/<bucket>", ".../buckets/<id>") is the stack's audit bucket. */
function isAuditDestination(destination: string, resources: readonly PolicyResource[]): boolean {
  const target = lastSegment(destination);
  if (destination.startsWith("storage.googleapis.com/")) {
    return resources.some((r) => r.type === BUCKET && refersTo(target, r) && isAuditOrBackupBucket(r.props, r.name));
  }
  if (destination.startsWith("logging.googleapis.com/")) {
    return resources.some(
      (r) =>
        r.type === LOG_BUCKET && (str(r.props, "bucketId") === target || refersTo(target, r)) && /audit/.test(target),
    );
  }
  return false;
}

export const auditSink = () =>
  stackPolicy({
    name: "audit-log-sink",
    description: "A logging sink with its own writer identity must route all audit logs to the audit bucket.",
    controls: ["LOG-002"],
    types: isGcp,
    examines: [...SINK_TYPES, BUCKET, LOG_BUCKET],
    check: (resources, _args, report) => {
      const ok = resources.some((r) => {
        if (!SINK_TYPES.includes(r.type) || isTrue(r.props, "disabled")) return false;
        const filter = str(r.props, "filter") ?? "";
        const coversAudit = filter.trim() === "" || filter.includes("cloudaudit.googleapis.com");
        // Organization and folder sinks always get their own writer identity.
        const unique = r.type !== SINK_TYPES[0] || isTrue(r.props, "uniqueWriterIdentity");
        return coversAudit && unique && isAuditDestination(str(r.props, "destination") ?? "", resources);
      });
      if (!ok) {
        report(
          "LOG-002",
          "A logging sink with uniqueWriterIdentity and a filter covering cloudaudit.googleapis.com must route to the audit bucket.",
        );
      }
    },
  });

export const logBucketRetention = () =>
  resourcePolicy({
    name: "log-bucket-locked-retention-cmek",
    description:
      "Log buckets must keep logs locked for a year (seven for financial records) under a customer-managed key.",
    controls: ["LOG-003"],
    types: [LOG_BUCKET],
    check: (props, _args, report) => {
      const id = str(props, "bucketId") ?? "";
      const minimum = /financ|ledger|trade/.test(id) ? 2555 : 365;
      if ((num(props, "retentionDays") ?? 0) < minimum) report("LOG-003", `retentionDays must be at least ${minimum}.`);
      if (!isTrue(props, "locked")) report("LOG-003", "locked must be true.");
      if (!isSet(at(props, "cmekSettings.kmsKeyName"))) report("LOG-003", "cmekSettings.kmsKeyName must be set.");
    },
  });

/** CIS 2.4-2.11: the change each alert must catch, recognised by what its log-based metric's filter selects. */
export const ALERT_CATEGORIES: ReadonlyArray<{ key: string; pattern: RegExp }> = [
  { key: "iam", pattern: /bindingDeltas|projectOwnership/ },
  { key: "audit-config", pattern: /auditConfigDeltas/ },
  { key: "custom-role", pattern: /iam_role/ },
  { key: "firewall", pattern: /gce_firewall_rule/ },
  { key: "route", pattern: /gce_route/ },
  { key: "network", pattern: /"gce_network"|compute\.networks\./ },
  { key: "bucket-iam", pattern: /storage\.setIamPermissions/ },
  { key: "sql-config", pattern: /cloudsql\.instances\.update/ },
];

/** Metric names the alert policies with notification channels watch (`logging.googleapis.com/user/<name>`). */
function alertedMetrics(alerts: readonly PolicyResource[]): Set<string> {
  const names = new Set<string>();
  for (const a of alerts) {
    for (const m of JSON.stringify(list(a.props, "conditions")).matchAll(
      /logging\.googleapis\.com\/user\/([A-Za-z0-9_./-]+)/g,
    )) {
      if (m[1]) names.add(m[1]);
    }
  }
  return names;
}

export const securityAlerts = () =>
  stackPolicy({
    name: "security-change-alerts",
    description:
      "Log-based metrics and alert policies with notification channels must watch every security-relevant change.",
    controls: ["LOG-004"],
    types: isGcp,
    examines: [LOG_METRIC, ALERT_POLICY],
    check: (resources, _args, report) => {
      const metrics = resources.filter((r) => r.type === LOG_METRIC);
      const alerted = alertedMetrics(
        resources.filter((r) => r.type === ALERT_POLICY && list(r.props, "notificationChannels").length > 0),
      );
      for (const { key, pattern } of ALERT_CATEGORIES) {
        const watched = metrics.some(
          (m) => alerted.has(str(m.props, "name") ?? m.name) && pattern.test(str(m.props, "filter") ?? ""),
        );
        if (!watched) {
          report(
            "LOG-004",
            `A log-based metric for ${key} changes must feed an alert policy with notificationChannels.`,
          );
        }
      }
      for (const a of resources.filter((r) => r.type === ALERT_POLICY)) {
        if (list(a.props, "notificationChannels").length === 0) {
          report("LOG-004", `Alert policy ${a.name} must have notificationChannels.`, a.urn);
        }
      }
    },
  });

export function loggingPolicies(): OrionPolicy[] {
  return [auditConfigComplete(), auditConfigPresent(), auditSink(), logBucketRetention(), securityAlerts()];
}
