import { readFileSync } from "node:fs";
import { z } from "zod";
import type { EnforcementLevel, PolicySettings } from "./types.ts";

/** A stack's policy configuration is missing or malformed. */
export class PolicyConfigError extends Error {
  override readonly name = "PolicyConfigError";
}

const level = z.enum(["advisory", "mandatory", "disabled"]);
const schema = z
  .object({
    environment: z.string().min(1),
    /** The level every policy gets unless `overrides` names it. */
    enforcementLevel: level,
    overrides: z.record(z.string(), level).default({}),
    approvedRegions: z.array(z.string().min(1)).min(1),
    approvedLocations: z.array(z.string().min(1)).min(1),
    sloGoal: z.number().gt(0.9).lt(1).optional(),
    minInstances: z.number().int().min(0).optional(),
    requireServicePerimeter: z.boolean().optional(),
  })
  .strict();

export interface StackPolicyConfig {
  readonly stack: string | undefined;
  readonly settings: PolicySettings;
  /** The level every policy gets unless `overrides` names it. */
  readonly defaultLevel: EnforcementLevel;
  readonly overrides: Readonly<Record<string, EnforcementLevel>>;
  levelFor(policyName: string): EnforcementLevel;
}

const STACK_NAME = /^[A-Za-z0-9_.-]+$/;
export const CONFIG_DIR = new URL("./config/", import.meta.url);

/** Reads policies/config/<stack>.json. */
export function loadStackPolicyConfig(stack: string, dir: URL = CONFIG_DIR): StackPolicyConfig {
  if (!STACK_NAME.test(stack))
    throw new PolicyConfigError(`stack "${stack}": name must be letters, digits, ".", "_" or "-"`);
  const file = new URL(`${stack}.json`, dir);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    const reason =
      (err as NodeJS.ErrnoException).code === "ENOENT"
        ? "unknown stack (no policy configuration)"
        : (err as Error).message;
    throw new PolicyConfigError(`policies/config/${stack}.json: ${reason}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PolicyConfigError(
      `policies/config/${stack}.json: ${issue?.path.join(".") || "(root)"} ${issue?.message ?? "is invalid"}`,
    );
  }
  const c = parsed.data;
  return {
    stack,
    settings: {
      environment: c.environment,
      approvedRegions: c.approvedRegions,
      approvedLocations: c.approvedLocations,
      sloGoal: c.sloGoal,
      minInstances: c.minInstances,
      requireServicePerimeter: c.requireServicePerimeter,
    },
    defaultLevel: c.enforcementLevel,
    overrides: c.overrides,
    levelFor: (name) => c.overrides[name] ?? c.enforcementLevel,
  };
}

/** No stack named: every policy is mandatory; settings (regions, environment) may still come from a known stack. */
export function mandatoryConfig(settingsFrom?: { readonly settings: PolicySettings }): StackPolicyConfig {
  return {
    stack: undefined,
    settings: settingsFrom?.settings ?? {
      environment: undefined,
      approvedRegions: undefined,
      approvedLocations: undefined,
    },
    defaultLevel: "mandatory",
    overrides: {},
    levelFor: () => "mandatory",
  };
}
