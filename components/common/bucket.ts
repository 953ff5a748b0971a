import type * as pulumi from "@pulumi/pulumi";

/**
 * What every bucket of the platform is, whatever it holds: private (GCS-001, GCS-002), encrypted under our key
 * (GCS-003) and never destroyed with its stack (GCS-005). Objects are kept either by versioning or, for audit and
 * backup buckets, by a locked retention policy (GCS-004): GCS refuses the two together (FEAS-001), and a locked policy
 * already keeps every object for its whole period. Access logging differs per bucket.
 */
export function privateBucketBaseline(
  storageKeyId: pulumi.Input<string>,
  lockedRetentionSeconds?: number,
): {
  storageClass: string;
  uniformBucketLevelAccess: boolean;
  publicAccessPrevention: string;
  encryption: { defaultKmsKeyName: pulumi.Input<string> };
  versioning: { enabled: boolean };
  forceDestroy: boolean;
  retentionPolicy?: { retentionPeriod: string; isLocked: boolean };
} {
  const base = {
    storageClass: "STANDARD",
    uniformBucketLevelAccess: true,
    publicAccessPrevention: "enforced",
    encryption: { defaultKmsKeyName: storageKeyId },
    forceDestroy: false,
  };
  if (lockedRetentionSeconds === undefined) return { ...base, versioning: { enabled: true } };
  return {
    ...base,
    versioning: { enabled: false },
    // Locking is irreversible: the bucket and every object in it outlive this stack by the retention period.
    retentionPolicy: { retentionPeriod: String(lockedRetentionSeconds), isLocked: true },
  };
}
