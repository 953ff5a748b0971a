import type {
  EnforcementLevel,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  Severity,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";

/** Framework keys exactly as the compliance report's `frameworks` uses them. */
export const FRAMEWORKS = ["soc2", "pci-dss-4.0", "cis-gcp-3.0"] as const;
export type Framework = (typeof FRAMEWORKS)[number];
export type FrameworkRefs = Record<Framework, readonly string[]>;

/** One row of CONTROLS.md. */
export interface Control {
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  readonly remediation: string;
  readonly frameworks: FrameworkRefs;
}

/** Settings a stack's policy configuration supplies (policies/config/<stack>.json). */
export interface PolicySettings {
  /** "prod" turns on the production-only requirements (cross-region replicas). */
  readonly environment: string | undefined;
  /** Regions data may live in; undefined means the stack configured none, so only presence is checked. */
  readonly approvedRegions: readonly string[] | undefined;
  /** GCS locations (regions, dual- or multi-regions) buckets may use. */
  readonly approvedLocations: readonly string[] | undefined;
  /** The API's availability objective the burn-rate alerts must be computed for (MON-001); undefined: not checked. */
  readonly sloGoal?: number | undefined;
  /** Instances every Cloud Run service keeps warm in each region (RUN-008); undefined: not checked. */
  readonly minInstances?: number | undefined;
  /** Whether the stack must sit inside a VPC Service Controls perimeter (NET-005); undefined: only checked if present. */
  readonly requireServicePerimeter?: boolean | undefined;
}

export const DEFAULT_SETTINGS: PolicySettings = {
  environment: undefined,
  approvedRegions: undefined,
  approvedLocations: undefined,
};

/** What the library adds to @pulumi/policy's policy shape: the controls it enforces and how to find its targets. */
export interface OrionPolicyMeta {
  readonly controls: readonly string[];
  /** Resource types the policy inspects; the evaluator uses it to skip the rest and to count unchecked types. */
  readonly appliesTo: (type: string) => boolean;
  /** Resource types whose properties the policy reads: they count as checked (for a stack policy, not its trigger). */
  readonly examines: (type: string) => boolean;
  readonly severity: Severity;
  readonly remediationSteps: string;
  /** The stack settings the policy reads: its `configSchema` declares exactly these (policies/settings.ts). */
  readonly settingKeys?: readonly (keyof PolicySettings)[];
}

export type OrionResourcePolicy = ResourceValidationPolicy & OrionPolicyMeta & { readonly kind: "resource" };
export type OrionStackPolicy = StackValidationPolicy & OrionPolicyMeta & { readonly kind: "stack" };
export type OrionPolicy = OrionResourcePolicy | OrionStackPolicy;

export type { EnforcementLevel, ReportViolation, ResourceValidationArgs, Severity, StackValidationArgs };
