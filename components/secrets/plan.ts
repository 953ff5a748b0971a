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

/**
 * The bundle relay's reputation key (issue 17, private submission): created only for a stack that configures a relay,
 * readable by the executor alone. It signs requests to the relay and holds nothing; a relay ranks senders by its
 * history, so a rotation (the reminder is SEC-002's) starts that history again.
 */
export const RELAY_KEY_SECRET: SecretSpec = {
  id: "relay-reputation-key",
  description: "the bundle relay's reputation key (0x 32-byte hex): signs eth_sendBundle requests, holds nothing",
  accessors: ["executor"],
  rotates: true,
};

/**
 * The ERC-4337 route's hosted endpoints (issue 15): a bundler and an ERC-7677 paymaster service, whose URLs carry the
 * provider's API key (Pimlico's, Alchemy's), so they are secrets, created only for a stack that configures the route
 * and readable by the executor alone. Rotating the provider's key means a new version of each.
 */
export const BUNDLER_URL_SECRET: SecretSpec = {
  id: "bundler-url",
  description: "the ERC-4337 bundler's JSON-RPC URL (it carries the provider's API key)",
  accessors: ["executor"],
  rotates: true,
};
export const PAYMASTER_URL_SECRET: SecretSpec = {
  id: "paymaster-url",
  description: "the ERC-7677 paymaster service's URL (it carries the provider's API key and sponsorship policy)",
  accessors: ["executor"],
  rotates: true,
};
export const USER_OPERATION_SECRETS: readonly SecretSpec[] = [BUNDLER_URL_SECRET, PAYMASTER_URL_SECRET];

/** SEC-002: the longest rotation Secret Manager may schedule. */
export const MAX_SECRET_ROTATION_SECONDS = 90 * 86_400;
