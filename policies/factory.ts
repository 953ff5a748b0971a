import type { PolicyResource, ResourceValidation, StackValidation } from "@pulumi/policy";
import { controlById } from "./controls.ts";
import { configSchemaFor, withConfig, type SettingKey } from "./settings.ts";
import { DEFAULT_SETTINGS } from "./types.ts";
import type {
  OrionResourcePolicy,
  OrionStackPolicy,
  PolicySettings,
  ResourceValidationArgs,
  Severity,
  StackValidationArgs,
} from "./types.ts";

export type Props = Record<string, unknown>;

/** Reports one finding against one control; the control id prefixes the message so every diagnostic names it. */
export type Report = (control: string, requirement: string, urn?: string) => void;

const SEVERITY_RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 };

/** A type filter: an exact list of type tokens, or a predicate for families (every IAM member type). */
export type TypeFilter = readonly string[] | ((type: string) => boolean);

interface Common {
  /** kebab-case, says what is checked. */
  name: string;
  /** One sentence stating the requirement. */
  description: string;
  controls: readonly string[];
  types: TypeFilter;
  /**
   * The stack settings the check reads (`from`, the policy's defaults; `reads`, the keys). Each may be overridden per
   * policy through `--policy-pack-config`; the policy's `configSchema` declares exactly `reads`.
   */
  settings?: { from: PolicySettings; reads: readonly SettingKey[] };
}

/** What a policy's settings declaration adds to it, and how its check finds the settings in force. */
function settingsOf(spec: Common) {
  const from = spec.settings?.from ?? DEFAULT_SETTINGS;
  const reads = spec.settings?.reads ?? [];
  return {
    meta: { settingKeys: reads, ...(reads.length > 0 ? { configSchema: configSchemaFor(reads) } : {}) },
    inForce: (args: { getConfig<T extends object>(): T }): PolicySettings =>
      reads.length === 0 ? from : withConfig(from, reads, args.getConfig<Record<string, unknown>>()),
  };
}

function describeControls(controls: readonly string[]) {
  const rows = controls.map(controlById);
  const severity = rows.reduce<Severity>(
    (worst, c) => (SEVERITY_RANK[c.severity] > SEVERITY_RANK[worst] ? c.severity : worst),
    "low",
  );
  return { severity, remediationSteps: rows.map((c) => `${c.id}: ${c.remediation}`).join(" ") };
}

function toPredicate(types: TypeFilter): (type: string) => boolean {
  if (typeof types === "function") return types;
  const set = new Set(types);
  return (type) => set.has(type);
}

function checkedReport(controls: readonly string[], reportViolation: (message: string, urn?: string) => void): Report {
  return (control, requirement, urn) => {
    // A policy may only report the controls it declares; anything else is a library bug, not a finding.
    if (!controls.includes(control)) throw new Error(`policy reported undeclared control ${control}`);
    reportViolation(`${control}: ${requirement}`, urn);
  };
}

/** A resource policy whose check sees the resource's inputs (as the engine passes them) and reports per control. */
export function resourcePolicy(
  spec: Common & {
    check: (props: Props, args: ResourceValidationArgs, report: Report, settings: PolicySettings) => void;
  },
): OrionResourcePolicy {
  const appliesTo = toPredicate(spec.types);
  const settings = settingsOf(spec);
  const validateResource: ResourceValidation = (args, reportViolation) => {
    if (!appliesTo(args.type)) return args.notApplicable(`Policy applies only to ${describeTypes(spec.types)}`);
    spec.check(args.props as Props, args, checkedReport(spec.controls, reportViolation), settings.inForce(args));
  };
  // The engine skips a policy without calling it when the function names its one type (its fast path).
  if (Array.isArray(spec.types) && spec.types.length === 1) {
    Object.assign(validateResource, { __pulumiType: spec.types[0] });
  }
  return {
    kind: "resource",
    name: spec.name,
    description: spec.description,
    controls: spec.controls,
    appliesTo,
    examines: appliesTo,
    tags: [...spec.controls],
    ...describeControls(spec.controls),
    ...settings.meta,
    validateResource,
  };
}

/** A stack policy over every resource of the stack (their outputs, as the engine passes them at the end). */
export function stackPolicy(
  spec: Common & {
    /** Types the check reads besides `types` (which decide whether the policy applies at all). */
    examines?: TypeFilter;
    check: (
      resources: readonly PolicyResource[],
      args: StackValidationArgs,
      report: Report,
      settings: PolicySettings,
    ) => void;
  },
): OrionStackPolicy {
  const appliesTo = toPredicate(spec.types);
  const settings = settingsOf(spec);
  const validateStack: StackValidation = (args, reportViolation) => {
    if (!args.resources.some((r) => appliesTo(r.type))) {
      return args.notApplicable(`Policy applies only to stacks with ${describeTypes(spec.types)}`);
    }
    spec.check(args.resources, args, checkedReport(spec.controls, reportViolation), settings.inForce(args));
  };
  return {
    kind: "stack",
    name: spec.name,
    description: spec.description,
    controls: spec.controls,
    appliesTo,
    examines: toPredicate(spec.examines ?? spec.types),
    tags: [...spec.controls],
    ...describeControls(spec.controls),
    ...settings.meta,
    validateStack,
  };
}

function describeTypes(types: TypeFilter): string {
  return typeof types === "function" ? "its resource family" : types.join(", ");
}
