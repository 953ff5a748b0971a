import type { ResourceValidationArgs } from "@pulumi/policy";
import { resourcePolicy, type Props } from "./factory.ts";
import { at, isPublicMember, isSet, isTrue, list, membersOf, num, str } from "./props.ts";
import type { OrionPolicy, PolicySettings } from "./types.ts";

export const BUCKET = "gcp:storage/bucket:Bucket";
export const BUCKET_IAM_TYPES = [
  "gcp:storage/bucketIAMMember:BucketIAMMember",
  "gcp:storage/bucketIAMBinding:BucketIAMBinding",
];
const YEAR = 31_536_000;
const DAY = 86_400;

/** The bucket's name: its `name` input, else the Pulumi resource name. */
function bucketName(props: Props, name: string): string {
  return str(props, "name") ?? name;
}

/** Audit and backup buckets, by their purpose label or their name. */
export function isAuditOrBackupBucket(props: Props, name: string): boolean {
  const purpose = str(props, "labels.purpose") ?? "";
  return ["audit", "backup", "audit-logs", "backups"].includes(purpose) || /audit|backup/.test(bucketName(props, name));
}

/** The bucket that receives other buckets' access logs cannot log to itself or to another log bucket forever. */
function isAccessLogBucket(props: Props, name: string): boolean {
  return str(props, "labels.purpose") === "access-logs" || /access-log/.test(bucketName(props, name));
}

export const gcsUniformAccess = () =>
  resourcePolicy({
    name: "gcs-uniform-bucket-level-access",
    description: "Buckets must use uniform bucket-level access.",
    controls: ["GCS-001"],
    types: [BUCKET],
    check: (props, _args, report) => {
      if (!isTrue(props, "uniformBucketLevelAccess")) report("GCS-001", "uniformBucketLevelAccess must be true.");
    },
  });

export const gcsNotPublic = () =>
  resourcePolicy({
    name: "gcs-not-public",
    description:
      "Buckets must enforce public access prevention and grant nothing to allUsers or allAuthenticatedUsers.",
    controls: ["GCS-002"],
    types: [BUCKET, ...BUCKET_IAM_TYPES],
    check: (props, args, report) => {
      if (args.type === BUCKET) {
        if (str(props, "publicAccessPrevention") !== "enforced") {
          report("GCS-002", "publicAccessPrevention must be enforced.");
        }
        return;
      }
      for (const m of membersOf(props).filter(isPublicMember)) report("GCS-002", `Bucket IAM must not grant to ${m}.`);
    },
  });

export const gcsCmek = () =>
  resourcePolicy({
    name: "gcs-cmek",
    description: "Buckets must be encrypted with a customer-managed key.",
    controls: ["GCS-003"],
    types: [BUCKET],
    check: (props, _args, report) => {
      if (!isSet(at(props, "encryption.defaultKmsKeyName"))) {
        report("GCS-003", "encryption.defaultKmsKeyName must name a Cloud KMS key.");
      }
    },
  });

export const gcsLockedRetention = () =>
  resourcePolicy({
    name: "gcs-audit-backup-locked-retention",
    description: "Audit and backup buckets must keep objects for at least a year under a locked retention policy.",
    controls: ["GCS-004"],
    types: [BUCKET],
    check: (props, args: ResourceValidationArgs, report) => {
      if (!isAuditOrBackupBucket(props, args.name)) return args.notApplicable("Neither an audit nor a backup bucket");
      if ((num(props, "retentionPolicy.retentionPeriod") ?? 0) < YEAR) {
        report("GCS-004", "retentionPolicy.retentionPeriod must be at least 31536000 seconds.");
      }
      if (!isTrue(props, "retentionPolicy.isLocked")) report("GCS-004", "retentionPolicy.isLocked must be true.");
    },
  });

export const gcsVersioning = () =>
  resourcePolicy({
    name: "gcs-versioning-no-force-destroy",
    description:
      "Buckets must keep object versions (or every object under a locked retention policy) and must not be force-destroyable.",
    controls: ["GCS-005"],
    types: [BUCKET],
    check: (props, _args, report) => {
      // GCS refuses versioning beside a retention policy (FEAS-001); a locked policy already keeps every object,
      // so it satisfies GCS-005 where GCS-004 demands it.
      const locked = isTrue(props, "retentionPolicy.isLocked") && isSet(at(props, "retentionPolicy.retentionPeriod"));
      if (!locked && !isTrue(props, "versioning.enabled")) {
        report("GCS-005", "versioning.enabled must be true unless a locked retention policy keeps every object.");
      }
      if (isTrue(props, "forceDestroy")) report("GCS-005", "forceDestroy must be false.");
    },
  });

export const gcsAccessLogging = () =>
  resourcePolicy({
    name: "gcs-access-logging",
    description: "Buckets must log access to a different bucket.",
    controls: ["GCS-006"],
    types: [BUCKET],
    check: (props, args, report) => {
      if (isAccessLogBucket(props, args.name)) return args.notApplicable("The access-log bucket itself");
      const target = str(props, "logging.logBucket");
      if (target === undefined || target === "" || target === bucketName(props, args.name)) {
        report("GCS-006", "logging.logBucket must be set to a bucket other than this one.");
      }
    },
  });

export const gcsLocationAndLifecycle = (settings: PolicySettings) =>
  resourcePolicy({
    name: "gcs-approved-location-and-lifecycle",
    description:
      "Buckets must live in approved locations, and lifecycle rules must not delete objects before retention ends.",
    controls: ["GCS-007"],
    types: [BUCKET],
    settings: { from: settings, reads: ["approvedLocations"] },
    check: (props, _args, report, settings) => {
      const location = (str(props, "location") ?? "").toLowerCase();
      const approved = settings.approvedLocations?.map((l) => l.toLowerCase());
      if (location === "" || (approved !== undefined && !approved.includes(location))) {
        report(
          "GCS-007",
          `location must be one of the approved locations${approved ? ` (${approved.join(", ")})` : ""}.`,
        );
      }
      const retention = num(props, "retentionPolicy.retentionPeriod") ?? 0;
      for (const rule of list(props, "lifecycleRules")) {
        if (str(rule, "action.type") !== "Delete") continue;
        const age = num(rule, "condition.age");
        if (age === undefined ? retention > 0 : age * DAY < retention) {
          report(
            "GCS-007",
            "lifecycleRules must not delete objects before retentionPolicy.retentionPeriod has passed.",
          );
        }
      }
    },
  });

export function storagePolicies(settings: PolicySettings): OrionPolicy[] {
  return [
    gcsUniformAccess(),
    gcsNotPublic(),
    gcsCmek(),
    gcsLockedRetention(),
    gcsVersioning(),
    gcsAccessLogging(),
    gcsLocationAndLifecycle(settings),
  ];
}
