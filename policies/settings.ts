import type { PolicyConfigSchema } from "@pulumi/policy";
import type { PolicySettings } from "./types.ts";

/** One property of a policy's configSchema (@pulumi/policy's PolicyConfigJSONSchema, not exported by its index). */
type PolicyConfigJSONSchema = PolicyConfigSchema["properties"][string];

export type SettingKey = keyof PolicySettings;

const names = (description: string): PolicyConfigJSONSchema => ({
  type: "array",
  items: { type: "string", minLength: 1 },
  minItems: 1,
  uniqueItems: true,
  description,
});

/**
 * Every stack setting a policy may read, as the JSON schema `pulumi preview --policy-pack-config` validates it
 * against. Policies declare which of these they read; their `configSchema` is the matching subset, so one setting has
 * one definition however many policies read it.
 */
export const SETTING_SCHEMAS: Record<SettingKey, PolicyConfigJSONSchema> = {
  environment: {
    type: "string",
    minLength: 1,
    description: 'The stack\'s environment; "prod" turns on the production-only requirements.',
  },
  approvedRegions: names("Regions data may live in."),
  approvedLocations: names("GCS locations (regions, dual- or multi-regions) buckets may use."),
  sloGoal: {
    type: "number",
    exclusiveMinimum: 0.9,
    exclusiveMaximum: 1,
    description: "The API's 28-day availability objective the burn-rate alerts must be computed for.",
  },
  minInstances: {
    type: "integer",
    minimum: 0,
    maximum: 100,
    description: "Instances every Cloud Run service keeps warm in each region.",
  },
  requireServicePerimeter: {
    type: "boolean",
    description: "Whether the stack must sit inside a VPC Service Controls perimeter (NET-005).",
  },
};

/** The `configSchema` of a policy that reads `keys`. */
export function configSchemaFor(keys: readonly SettingKey[]): PolicyConfigSchema {
  return { properties: Object.fromEntries(keys.map((k) => [k, SETTING_SCHEMAS[k]])) };
}

/**
 * The settings a policy runs with: those it was built with, overridden by the keys it reads that the engine's policy
 * configuration (`--policy-pack-config`, already validated against the policy's schema) sets.
 */
export function withConfig(
  base: PolicySettings,
  reads: readonly SettingKey[],
  config: Record<string, unknown>,
): PolicySettings {
  const set = reads.filter((k) => config[k] !== undefined);
  if (set.length === 0) return base;
  return { ...base, ...Object.fromEntries(set.map((k) => [k, config[k]])) } as PolicySettings;
}
