import type { Workload } from "../identity/roles.ts";

export interface SecretSpec {
  id: string;
  description: string;
  /** The only identities granted secretAccessor on this secret (SEC-003). */
  accessors: readonly Workload[];
  /** Rotation reminders go to the rotation topic (SEC-002); the value is set by the operator, never by the program. */
  rotates: boolean;
}

/** Operator-provided secrets: values are added with `gcloud secrets versions add`, so none is in code or state. */
export const SECRETS: readonly SecretSpec[] = [
  {
    id: "rpc-urls",
    description: "EVM JSON-RPC endpoints (their URLs carry provider API keys)",
    // The API reads them too: its live pre-flight checks the chain head, the executor contract and the signer's gas.
    accessors: ["scanner", "executor", "api"],
    rotates: true,
  },
  { id: "api-session-secret", description: "HMAC secret for operator API sessions", accessors: ["api"], rotates: true },
];

/** SEC-002: the longest rotation Secret Manager may schedule. */
export const MAX_SECRET_ROTATION_SECONDS = 90 * 86_400;
