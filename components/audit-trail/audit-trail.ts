import * as pulumi from "@pulumi/pulumi";
import * as bigquery from "@pulumi/gcp/bigquery/index.js";
import * as logging from "@pulumi/gcp/logging/index.js";
import * as projects from "@pulumi/gcp/projects/index.js";
import * as storage from "@pulumi/gcp/storage/index.js";
import { privateBucketBaseline } from "../common/bucket.ts";
import { gcpName } from "../common/naming.ts";
import type { ComponentArgs } from "../common/args.ts";
import { labelsFor, validateLabels } from "../common/labels.ts";
import { AUDIT_LOG_FILTER, AUDIT_RETENTION_DAYS, MIN_RETENTION_DAYS, retentionSeconds } from "./retention.ts";

/** `dependsOn`: the storage, logging and BigQuery agents' key grants. */
export interface AuditTrailArgs extends ComponentArgs {
  /** Location of the buckets, dataset and log bucket: a region of the stack (GCS-007). */
  region: string;
  /** CMEK in `region` for the archive buckets (GCS-003). */
  storageKeyId: pulumi.Input<string>;
  /** CMEK in `region` for the log bucket (LOG-003). */
  logsKeyId: pulumi.Input<string>;
  /** CMEK in `region` for the BigQuery audit dataset. */
  bigqueryKeyId: pulumi.Input<string>;
  /** Default 2555 (7 years). */
  retentionDays?: number;
}

/**
 * Data-access audit logging for every service (LOG-001) and three copies of the audit logs: a locked, CMEK, 7-year
 * Cloud Storage archive; a locked CMEK log bucket; and BigQuery for investigation. Each sink has its own writer
 * identity, granted write on its destination only (LOG-002).
 */
export class AuditTrail extends pulumi.ComponentResource {
  readonly archiveBucket: pulumi.Output<string>;
  readonly accessLogBucket: pulumi.Output<string>;
  readonly logBucketId: pulumi.Output<string>;

  constructor(name: string, args: AuditTrailArgs, opts?: pulumi.ComponentResourceOptions) {
    const days = args.retentionDays ?? AUDIT_RETENTION_DAYS;
    const archiveSeconds = retentionSeconds(days, `AuditTrail ${name}: retentionDays`);
    validateLabels(args.labels, `AuditTrail ${name}`);
    super("alpha-orion:platform:AuditTrail", name, {}, opts);
    const parent = { parent: this };
    const project = args.project;
    const after = { parent: this, dependsOn: args.dependsOn ?? [] };

    new projects.IAMAuditConfig(
      `${name}-all-services`,
      {
        project,
        service: "allServices",
        auditLogConfigs: [{ logType: "ADMIN_READ" }, { logType: "DATA_READ" }, { logType: "DATA_WRITE" }],
      },
      parent,
    );

    const bucketArgs = (purpose: string, retention: number): storage.BucketArgs => ({
      project,
      location: args.region.toUpperCase(),
      ...privateBucketBaseline(args.storageKeyId, retention),
      // Old objects move to colder storage; nothing is ever deleted by lifecycle (GCS-007).
      lifecycleRules: [{ action: { type: "SetStorageClass", storageClass: "ARCHIVE" }, condition: { age: 365 } }],
      labels: labelsFor(args.labels, { purpose }),
    });
    // The two buckets log each other's access: neither logs to itself (GCS-006).
    const accessLogName = gcpName([project, args.prefix, "access-logs"]);
    const archiveName = gcpName([project, args.prefix, "audit"]);
    const accessLogs = new storage.Bucket(
      `${name}-access-logs`,
      {
        ...bucketArgs("access-logs", retentionSeconds(MIN_RETENTION_DAYS, "access log retention")),
        name: accessLogName,
        logging: { logBucket: archiveName },
      },
      after,
    );
    const archive = new storage.Bucket(
      `${name}-archive`,
      { ...bucketArgs("audit", archiveSeconds), name: archiveName, logging: { logBucket: accessLogName } },
      after,
    );
    this.archiveBucket = archive.name;
    this.accessLogBucket = accessLogs.name;

    const toArchive = new logging.ProjectSink(
      `${name}-to-archive`,
      {
        project,
        name: `${args.prefix}-audit-to-gcs`,
        destination: pulumi.interpolate`storage.googleapis.com/${archive.name}`,
        filter: AUDIT_LOG_FILTER,
        uniqueWriterIdentity: true,
      },
      parent,
    );
    new storage.BucketIAMMember(
      `${name}-archive-writer`,
      { bucket: archive.name, role: "roles/storage.objectCreator", member: toArchive.writerIdentity },
      parent,
    );

    const logBucket = new logging.ProjectBucketConfig(
      `${name}-log-bucket`,
      {
        project,
        location: args.region,
        bucketId: `${args.prefix}-audit`,
        retentionDays: days,
        locked: true,
        cmekSettings: { kmsKeyName: args.logsKeyId },
        description: "Audit logs, locked for the retention period",
      },
      after,
    );
    this.logBucketId = logBucket.id;
    new logging.ProjectSink(
      `${name}-to-log-bucket`,
      {
        project,
        name: `${args.prefix}-audit-to-log-bucket`,
        destination: pulumi.interpolate`logging.googleapis.com/${logBucket.id}`,
        filter: AUDIT_LOG_FILTER,
        uniqueWriterIdentity: true,
      },
      parent,
    );

    const dataset = new bigquery.Dataset(
      `${name}-dataset`,
      {
        project,
        datasetId: `${args.prefix.replace(/-/g, "_")}_audit`,
        location: args.region,
        defaultEncryptionConfiguration: { kmsKeyName: args.bigqueryKeyId },
        deleteContentsOnDestroy: false,
        labels: labelsFor(args.labels, { purpose: "audit" }),
      },
      after,
    );
    const toBigQuery = new logging.ProjectSink(
      `${name}-to-bigquery`,
      {
        project,
        name: `${args.prefix}-audit-to-bigquery`,
        destination: pulumi.interpolate`bigquery.googleapis.com/projects/${project}/datasets/${dataset.datasetId}`,
        filter: AUDIT_LOG_FILTER,
        uniqueWriterIdentity: true,
        bigqueryOptions: { usePartitionedTables: true },
      },
      parent,
    );
    new bigquery.DatasetIamMember(
      `${name}-dataset-writer`,
      { project, datasetId: dataset.datasetId, role: "roles/bigquery.dataEditor", member: toBigQuery.writerIdentity },
      parent,
    );

    this.registerOutputs({ archiveBucket: this.archiveBucket, logBucketId: this.logBucketId });
  }
}
