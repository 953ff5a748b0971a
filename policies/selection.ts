import { loadStackPolicyConfig, mandatoryConfig } from "./config.ts";
import { feasibilityPolicies } from "./feasibility.ts";
import { buildPack, PACK_NAMES, type Pack, type PackName } from "./packs.ts";
import type { OrionPolicy } from "./types.ts";

/** The pack the CrossGuard entry serves, chosen by environment: ORION_POLICY_FRAMEWORK and ORION_POLICY_STACK. */
export function packFromEnvironment(env: NodeJS.ProcessEnv): Pack {
  const framework = env["ORION_POLICY_FRAMEWORK"] ?? "all";
  if (!(PACK_NAMES as readonly string[]).includes(framework)) {
    throw new Error(`ORION_POLICY_FRAMEWORK must be one of ${PACK_NAMES.join(", ")} (got "${framework}")`);
  }
  const stack = env["ORION_POLICY_STACK"];
  return buildPack(framework as PackName, stack ? loadStackPolicyConfig(stack) : mandatoryConfig());
}

/**
 * What `pulumi preview --policy-pack policies` enforces: the framework's controls at the stack's levels, then every
 * feasibility rule as mandatory in every stack and pack (the cloud refuses those configurations whatever the stack).
 */
export function crossGuardPolicies(pack: Pack): OrionPolicy[] {
  return [...pack.policies, ...feasibilityPolicies().map((p) => ({ ...p, enforcementLevel: "mandatory" as const }))];
}
