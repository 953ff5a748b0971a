/** One symmetric key per kind of data, so revoking one service's access never touches another's data. */
export const KEY_PURPOSES = ["sql", "redis", "pubsub", "storage", "secrets", "run", "logs", "bigquery", "gke"] as const;
export type KeyPurpose = (typeof KEY_PURPOSES)[number];

export const DAY_SECONDS = 86_400;
/** KMS-001: at most 90 days between rotations. */
export const MAX_ROTATION_SECONDS = 90 * DAY_SECONDS;
/** KMS-002: a destroyed version stays recoverable for 30 days at least. */
export const MIN_DESTROY_SECONDS = 30 * DAY_SECONDS;

export interface KeyPolicy {
  rotationPeriodSeconds: number;
  destroyScheduledSeconds: number;
}

/** Checks a key policy against KMS-001/KMS-002 and says which argument to change. */
export function validateKeyPolicy(policy: KeyPolicy): string[] {
  const problems: string[] = [];
  const { rotationPeriodSeconds: rotation, destroyScheduledSeconds: destroy } = policy;
  if (!Number.isInteger(rotation) || rotation < DAY_SECONDS || rotation > MAX_ROTATION_SECONDS) {
    problems.push(
      `rotationPeriodSeconds must be between ${DAY_SECONDS} and ${MAX_ROTATION_SECONDS} (KMS-001), got ${rotation}`,
    );
  }
  if (!Number.isInteger(destroy) || destroy < MIN_DESTROY_SECONDS || destroy > 120 * DAY_SECONDS) {
    problems.push(
      `destroyScheduledSeconds must be between ${MIN_DESTROY_SECONDS} and ${120 * DAY_SECONDS} (KMS-002), got ${destroy}`,
    );
  }
  return problems;
}

export const seconds = (n: number): string => `${n}s`;
