import { evaluate } from "./evaluator/evaluate.ts";
import type { EvalResource } from "./evaluator/resource.ts";
import { feasibilityPolicies } from "./feasibility.ts";
import { POLICY_PACK_VERSION } from "./pack-version.ts";

/** One configuration the cloud would refuse or fight, on one resource. */
export interface FeasibilityFinding {
  readonly rule: string;
  readonly policy: string;
  readonly urn: string;
  readonly message: string;
}

/** Runs every feasibility rule (mandatory) over a stack's resources, as the CrossGuard pack does. */
export async function checkFeasibility(
  resources: readonly EvalResource[],
  now?: () => number,
): Promise<FeasibilityFinding[]> {
  const evaluation = await evaluate(feasibilityPolicies(now), resources, {
    policyPackName: "alpha-orion-feasibility",
    policyPackVersion: POLICY_PACK_VERSION,
    packEnforcementLevel: "mandatory",
  });
  return evaluation.findings.map((f) => {
    const body = f.diagnostic.message.split("\n").slice(1).join(" ") || f.diagnostic.message;
    return { rule: body.slice(0, body.indexOf(":")), policy: f.policy.name, urn: f.resourceUrn, message: body };
  });
}
