import type * as pulumi from "@pulumi/pulumi";

/**
 * What every bucket of the platform is, whatever it holds: private (GCS-001, GCS-002), encrypted under our key
 * (GCS-003), versioned and never destroyed with its stack (GCS-005). Retention and access logging differ per bucket.
 */
export function privateBucketBaseline(storageKeyId: pulumi.Input<string>) {
  return {
    storageClass: "STANDARD",
    uniformBucketLevelAccess: true,
    publicAccessPrevention: "enforced",
    encryption: { defaultKmsKeyName: storageKeyId },
    versioning: { enabled: true },
    forceDestroy: false,
  };
}
