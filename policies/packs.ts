import type { ReportViolation } from "@pulumi/policy";
import type { StackPolicyConfig } from "./config.ts";
import { CONTROLS } from "./controls.ts";
import { libraryPolicies } from "./library.ts";
import type { Control, Framework, OrionPolicy } from "./types.ts";

export const PACK_NAMES = ["soc2", "pci-dss", "cis-gcp", "all"] as const;
export type PackName = (typeof PACK_NAMES)[number];

export const PACK_FRAMEWORKS: Record<PackName, readonly Framework[]> = {
  soc2: ["soc2"],
  "pci-dss": ["pci-dss-4.0"],
  "cis-gcp": ["cis-gcp-3.0"],
  all: ["soc2", "pci-dss-4.0", "cis-gcp-3.0"],
};

export interface Pack {
  readonly name: PackName;
  readonly frameworks: readonly Framework[];
  /** The controls the pack reports on: those with a reference in one of its frameworks. */
  readonly controls: readonly Control[];
  readonly policies: readonly OrionPolicy[];
}

/** Passes on only the findings whose control (the message's "ID:" prefix) the pack selects. */
function filterReport(selected: ReadonlySet<string>, report: ReportViolation): ReportViolation {
  return (message, urn) => {
    if (selected.has(message.slice(0, message.indexOf(":")))) report(message, urn);
  };
}

function narrow(
  policy: OrionPolicy,
  selected: ReadonlySet<string>,
  level: OrionPolicy["enforcementLevel"],
): OrionPolicy {
  const controls = policy.controls.filter((c) => selected.has(c));
  if (controls.length === policy.controls.length) return { ...policy, enforcementLevel: level };
  if (policy.kind === "resource") {
    const inner = policy.validateResource;
    if (typeof inner !== "function") throw new Error(`policy ${policy.name} must have one validateResource function`);
    const validateResource = Object.assign(
      (args: Parameters<typeof inner>[0], report: ReportViolation) => inner(args, filterReport(selected, report)),
      { __pulumiType: (inner as { __pulumiType?: string }).__pulumiType },
    );
    return { ...policy, controls, tags: controls, enforcementLevel: level, validateResource };
  }
  const inner = policy.validateStack;
  return {
    ...policy,
    controls,
    tags: controls,
    enforcementLevel: level,
    validateStack: (args, report) => inner(args, filterReport(selected, report)),
  };
}

/** A framework's selection of the one library, with the stack's enforcement levels applied. */
export function buildPack(name: PackName, config: StackPolicyConfig): Pack {
  const frameworks = PACK_FRAMEWORKS[name];
  const controls = CONTROLS.filter((c) => frameworks.some((f) => c.frameworks[f].length > 0));
  const selected = new Set(controls.map((c) => c.id));
  const policies = libraryPolicies(config.settings)
    .filter((p) => p.controls.some((c) => selected.has(c)))
    .map((p) => narrow(p, selected, config.levelFor(p.name)));
  return { name, frameworks, controls, policies };
}
