export type Rollout =
  | { strategy: "latest" }
  | { strategy: "canary"; stableRevision: string; canaryPercent: number }
  | { strategy: "blue-green"; stableRevision: string };

export interface TrafficSpec {
  type: "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST" | "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION";
  revision?: string;
  percent: number;
  tag: string;
}

/**
 * Traffic split for a rollout. Every target is tagged, so each revision also has its own URL for smoke tests:
 * canary = stable keeps 100-p% and the newest revision takes p%; blue-green = "blue" (stable) takes all traffic while
 * "green" (newest) is reachable only by its tag until the config flips to `latest`.
 */
export function trafficFor(rollout: Rollout): TrafficSpec[] {
  const latest = "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST" as const;
  const revision = "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION" as const;
  switch (rollout.strategy) {
    case "latest":
      return [{ type: latest, percent: 100, tag: "latest" }];
    case "canary":
      if (rollout.canaryPercent < 1 || rollout.canaryPercent > 50) {
        throw new Error(`rollout.canaryPercent must be 1..50, got ${rollout.canaryPercent}`);
      }
      return [
        { type: revision, revision: rollout.stableRevision, percent: 100 - rollout.canaryPercent, tag: "stable" },
        { type: latest, percent: rollout.canaryPercent, tag: "canary" },
      ];
    case "blue-green":
      return [
        { type: revision, revision: rollout.stableRevision, percent: 100, tag: "blue" },
        { type: latest, percent: 0, tag: "green" },
      ];
  }
}

/** RUN-006: names that look like they carry a credential. */
export const SECRET_LIKE_ENV = /KEY|SECRET|TOKEN|PASSWORD|PRIVATE/i;

/** A public key is no credential: a plain value is fine (the API's ORION_REPORT_PUBLIC_KEY). */
const PUBLIC_KEY_ENV = /_PUBLIC_KEY$/i;

/** Plain env vars whose names look secret: these must come from Secret Manager instead. */
export function literalSecretLikeEnv(env: Readonly<Record<string, unknown>>): string[] {
  return Object.keys(env).filter((k) => SECRET_LIKE_ENV.test(k) && !PUBLIC_KEY_ENV.test(k));
}
