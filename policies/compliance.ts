import { loadStackPolicyConfig, mandatoryConfig, PolicyConfigError, type StackPolicyConfig } from "./config.ts";
import { loadPolicyPackConfig, servedPolicies, withPolicyPackConfig } from "./pack-config.ts";
import { evaluate } from "./evaluator/evaluate.ts";
import type { Source } from "./evaluator/resource.ts";
import { readStackExport } from "./evaluator/sources/export.ts";
import { readPreview } from "./evaluator/sources/preview.ts";
import { readProgram, type ProgramOptions } from "./evaluator/sources/program.ts";
import { POLICY_PACK_VERSION, policyPackName } from "./pack-version.ts";
import { buildPack, type PackName } from "./packs.ts";
import { buildReport, type ComplianceReport } from "./report/model.ts";

export type SourceSpec =
  | { kind: "program"; stack: string; options?: ProgramOptions }
  | { kind: "export"; file: string }
  | { kind: "preview"; file: string };

export interface ComplianceRequest {
  source: SourceSpec;
  framework: PackName;
  /** The stack whose policy configuration sets enforcement levels; none means every policy is mandatory. */
  stack?: string;
  /**
   * A `--policy-pack-config` file (the format `pulumi preview` reads), applied over the stack's configuration: the
   * same file CI passes to the preview gives the same levels and settings here.
   */
  policyPackConfig?: string;
  now?: Date;
}

export async function readSource(spec: SourceSpec): Promise<Source> {
  switch (spec.kind) {
    case "program":
      return readProgram(spec.stack, spec.options);
    case "export":
      return readStackExport(spec.file);
    case "preview":
      return readPreview(spec.file);
  }
}

/** Settings follow the stack the source belongs to when that stack has a configuration; levels do not. */
function settingsSource(stack: string | null): StackPolicyConfig | undefined {
  if (stack === null) return undefined;
  try {
    return loadStackPolicyConfig(stack);
  } catch (err) {
    if (err instanceof PolicyConfigError) return undefined;
    throw err;
  }
}

/** Reads the source, evaluates the framework's pack over it and builds the report (not yet rendered). */
export async function complianceReport(req: ComplianceRequest): Promise<ComplianceReport> {
  // Resolve the named stack's configuration first: an unknown stack is bad input before any work is done.
  const named = req.stack !== undefined ? loadStackPolicyConfig(req.stack) : undefined;
  // Checked against every policy the CrossGuard pack serves, so a file valid for the preview is valid here.
  const packConfig =
    req.policyPackConfig !== undefined ? loadPolicyPackConfig(req.policyPackConfig, servedPolicies()) : undefined;
  const source = await readSource(req.source);
  const stackConfig = named ?? mandatoryConfig(settingsSource(source.stack));
  const configured = packConfig ? withPolicyPackConfig(stackConfig, packConfig) : undefined;
  const config = configured ?? stackConfig;
  const pack = buildPack(req.framework, config);
  const evaluation = await evaluate(pack.policies, source.resources, {
    policyPackName: policyPackName(pack.name),
    policyPackVersion: POLICY_PACK_VERSION,
    packEnforcementLevel: "mandatory",
    ...(configured ? { policyConfig: configured.policyConfig } : {}),
  });
  return buildReport({ pack, source, evaluation, now: req.now });
}
