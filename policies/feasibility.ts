import type { PolicyResource } from "@pulumi/policy";
import { RUN_WORKLOADS, runTemplate } from "./cloudrun.ts";
import { resourcePolicy, stackPolicy, type Props } from "./factory.ts";
import { ALERT_POLICY, LOG_METRIC } from "./logging.ts";
import { at, isSet, isTrue, list, membersOf, num, refersTo, str } from "./props.ts";
import { REDIS_INSTANCE } from "./redis.ts";
import { SECRET } from "./secretmanager.ts";
import { BUCKET, BUCKET_IAM_TYPES } from "./storage.ts";
import type { OrionPolicy } from "./types.ts";

/*
 * Feasibility rules (FEAS-nnn, policies/feasibility-catalogue.ts): what Google Cloud refuses or fights, found by
 * reading the provider's documentation. A stack that breaks one would not converge on its first `pulumi up`.
 */

const SQL_INSTANCE = "gcp:sql/databaseInstance:DatabaseInstance";
const BACKEND_BUCKET = "gcp:compute/backendBucket:BackendBucket";
export const METRIC_DESCRIPTOR = "gcp:monitoring/metricDescriptor:MetricDescriptor";
/** Memorystore enables read replicas only from this size on. */
const READ_REPLICA_MIN_GB = 5;
/** Secret Manager refuses a next rotation closer than five minutes. */
const MIN_ROTATION_LEAD_MS = 300_000;
const CDN_FILL_AGENT = /@cloud-cdn-fill\.iam\.gserviceaccount\.com$/;
const BUCKET_READER_ROLES = ["roles/storage.objectViewer", "roles/storage.legacyObjectReader"];

export const bucketVersioningWithRetention = () =>
  resourcePolicy({
    name: "feasible-bucket-versioning-or-retention",
    description: "A bucket must not enable object versioning together with a retention policy.",
    controls: ["FEAS-001"],
    types: [BUCKET],
    check: (props, _args, report) => {
      if (isTrue(props, "versioning.enabled") && isSet(at(props, "retentionPolicy.retentionPeriod"))) {
        report("FEAS-001", "versioning.enabled must not be true on a bucket with a retentionPolicy.");
      }
    },
  });

export const redisReadReplicaSize = () =>
  resourcePolicy({
    name: "feasible-memorystore-read-replicas",
    description: "Memorystore read replicas must only be enabled on STANDARD_HA instances of at least 5 GB.",
    controls: ["FEAS-002"],
    types: [REDIS_INSTANCE],
    check: (props, _args, report) => {
      if (str(props, "readReplicasMode") === "READ_REPLICAS_ENABLED") {
        if ((num(props, "memorySizeGb") ?? 0) < READ_REPLICA_MIN_GB) {
          report("FEAS-002", `memorySizeGb must be at least ${READ_REPLICA_MIN_GB} when read replicas are enabled.`);
        }
        if (str(props, "tier") !== "STANDARD_HA") report("FEAS-002", "tier must be STANDARD_HA for read replicas.");
      } else if ((num(props, "replicaCount") ?? 1) > 1) {
        report("FEAS-002", "replicaCount must not exceed 1 without read replicas.");
      }
    },
  });

/** The metric types an alert policy's conditions filter on. */
function alertMetricTypes(props: Props): string[] {
  const filters = list(props, "conditions").flatMap((c) =>
    [
      at(c, "conditionThreshold.filter"),
      at(c, "conditionThreshold.denominatorFilter"),
      at(c, "conditionAbsent.filter"),
    ].filter((f): f is string => typeof f === "string"),
  );
  return filters.flatMap((f) => [...f.matchAll(/metric\.type\s*=\s*"([^"]+)"/g)].map((m) => m[1] ?? ""));
}

const LOG_BASED = "logging.googleapis.com/user/";
/** Metric families that exist only once a descriptor is declared (or a first point is written). */
const DECLARED_FAMILIES = ["custom.googleapis.com/", "external.googleapis.com/", "workload.googleapis.com/"];

/** Every resource `r` waits for, directly or through its dependencies. */
function waitsFor(r: PolicyResource): Set<PolicyResource> {
  const seen = new Set<PolicyResource>();
  const stack = [...r.dependencies];
  while (stack.length > 0) {
    const next = stack.pop() as PolicyResource;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...next.dependencies);
  }
  return seen;
}

export const alertMetricDeclared = () =>
  stackPolicy({
    name: "feasible-alert-metric-declared",
    description:
      "Alert policies on log-based or custom metrics must reference a metric declared in the stack, created first.",
    controls: ["FEAS-003"],
    types: [ALERT_POLICY],
    examines: [ALERT_POLICY, LOG_METRIC, METRIC_DESCRIPTOR],
    check: (resources, _args, report) => {
      const declaring = (metricType: string): PolicyResource | undefined => {
        if (metricType.startsWith(LOG_BASED)) {
          const name = metricType.slice(LOG_BASED.length);
          return resources.find((r) => r.type === LOG_METRIC && str(r.props, "name") === name);
        }
        return resources.find((r) => r.type === METRIC_DESCRIPTOR && str(r.props, "type") === metricType);
      };
      for (const alert of resources.filter((r) => r.type === ALERT_POLICY)) {
        const before = waitsFor(alert);
        for (const metricType of alertMetricTypes(alert.props as Props)) {
          if (!metricType.startsWith(LOG_BASED) && !DECLARED_FAMILIES.some((f) => metricType.startsWith(f))) continue;
          const declared = declaring(metricType);
          if (declared === undefined) {
            report(
              "FEAS-003",
              `metric ${metricType} must be declared in the stack before an alert uses it.`,
              alert.urn,
            );
          } else if (!before.has(declared)) {
            report("FEAS-003", `the alert must depend on the declaration of ${metricType}.`, alert.urn);
          }
        }
      }
    },
  });

export const sqlDiskSizeWithAutoresize = () =>
  resourcePolicy({
    name: "feasible-sql-disk-autoresize",
    description: "Cloud SQL instances must not pin settings.diskSize while settings.diskAutoresize grows the disk.",
    controls: ["FEAS-004"],
    types: [SQL_INSTANCE],
    check: (props, _args, report) => {
      if (at(props, "settings.diskAutoresize") !== false && isSet(at(props, "settings.diskSize"))) {
        report("FEAS-004", "settings.diskSize must not be set while settings.diskAutoresize is on.");
      }
    },
  });

export const secretRotationInFuture = (now: () => number = Date.now) =>
  resourcePolicy({
    name: "feasible-secret-rotation-time",
    description: "A secret's next rotation must be scheduled at least five minutes in the future.",
    controls: ["FEAS-005"],
    types: [SECRET],
    check: (props, _args, report) => {
      const next = str(props, "rotation.nextRotationTime");
      if (next === undefined) return;
      const at = Date.parse(next);
      if (Number.isNaN(at) || at < now() + MIN_ROTATION_LEAD_MS) {
        report("FEAS-005", "rotation.nextRotationTime must be at least five minutes in the future when deployed.");
      }
    },
  });

export const sqlReplicaFailoverTarget = () =>
  resourcePolicy({
    name: "feasible-postgres-replica-no-failover-target",
    description: "PostgreSQL replicas must not set replicaConfiguration.failoverTarget.",
    controls: ["FEAS-006"],
    types: [SQL_INSTANCE],
    check: (props, _args, report) => {
      if (!(str(props, "databaseVersion") ?? "").startsWith("POSTGRES")) return;
      if (at(props, "replicaConfiguration.failoverTarget") !== undefined) {
        report("FEAS-006", "replicaConfiguration.failoverTarget must not be set on a PostgreSQL instance.");
      }
    },
  });

export const runCloudSqlOnce = () =>
  resourcePolicy({
    name: "feasible-run-cloudsql-instances-unique",
    description: "A Cloud Run service or job must mount each Cloud SQL instance once.",
    controls: ["FEAS-007"],
    types: RUN_WORKLOADS,
    check: (props, args, report) => {
      const path = `${runTemplate(args.type)}.volumes`;
      for (const volume of list(props, path)) {
        const instances = list(volume, "cloudSqlInstance.instances");
        const twice = instances.filter((x, i) => instances.indexOf(x) !== i);
        for (const name of new Set(twice)) {
          report("FEAS-007", `${path} cloudSqlInstance.instances must not list ${String(name)} twice.`);
        }
      }
    },
  });

export const runSecretVersionPinned = () =>
  resourcePolicy({
    name: "feasible-run-secret-version-pinned",
    description: "Cloud Run must read secrets at a pinned version that exists before the revision starts.",
    controls: ["FEAS-008"],
    types: RUN_WORKLOADS,
    check: (props, args, report) => {
      for (const container of list(props, `${runTemplate(args.type)}.containers`)) {
        for (const env of list(container, "envs")) {
          if (!isSet(at(env, "valueSource.secretKeyRef"))) continue;
          const version = str(env, "valueSource.secretKeyRef.version");
          if (version === undefined || version === "" || version === "latest") {
            report(
              "FEAS-008",
              `env ${str(env, "name") ?? "?"} must pin secretKeyRef.version (not latest) to a version that exists.`,
            );
          }
        }
      }
    },
  });

export const cdnBucketReadable = () =>
  stackPolicy({
    name: "feasible-cdn-bucket-reader",
    description: "A CDN backend bucket's bucket must grant object reads to the Cloud CDN fill service agent.",
    controls: ["FEAS-009"],
    types: [BACKEND_BUCKET],
    examines: [BACKEND_BUCKET, BUCKET, ...BUCKET_IAM_TYPES],
    check: (resources, _args, report) => {
      const grants = resources.filter((r) => BUCKET_IAM_TYPES.includes(r.type));
      for (const backend of resources.filter((r) => r.type === BACKEND_BUCKET)) {
        const bucket = str(backend.props, "bucketName") ?? "";
        const readable = grants.some(
          (g) =>
            refersTo(str(g.props, "bucket"), { name: bucket, props: { name: bucket } }) &&
            BUCKET_READER_ROLES.includes(str(g.props, "role") ?? "") &&
            membersOf(g.props as Props).some((m) => CDN_FILL_AGENT.test(m)),
        );
        if (!readable) {
          report(
            "FEAS-009",
            `bucket ${bucket} must grant roles/storage.objectViewer to the cloud-cdn-fill service agent.`,
            backend.urn,
          );
        }
      }
    },
  });

/** Every feasibility rule; `now` lets tests fix the clock the rotation rule compares with. */
export function feasibilityPolicies(now?: () => number): OrionPolicy[] {
  return [
    bucketVersioningWithRetention(),
    redisReadReplicaSize(),
    alertMetricDeclared(),
    sqlDiskSizeWithAutoresize(),
    secretRotationInFuture(now),
    sqlReplicaFailoverTarget(),
    runCloudSqlOnce(),
    runSecretVersionPinned(),
    cdnBucketReadable(),
  ];
}
