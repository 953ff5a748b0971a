import { readFileSync } from "node:fs";
import { Ajv, type ErrorObject } from "ajv";
import { loadStackPolicyConfig, mandatoryConfig, PolicyConfigError, type StackPolicyConfig } from "./config.ts";
import { buildPack } from "./packs.ts";
import { crossGuardPolicies } from "./selection.ts";
import type { EnforcementLevel, OrionPolicy, PolicySettings } from "./types.ts";

/**
 * The file `pulumi preview --policy-pack-config FILE` reads: "all" sets every policy's enforcement level; a policy's
 * own entry is its level alone, or an object with an optional `enforcementLevel` and the properties its configSchema
 * declares.
 */
export type PolicyPackConfigFile = Record<string, EnforcementLevel | Record<string, unknown>>;

/** A validated policy pack configuration. */
export interface PolicyPackConfig {
  /** The level every policy gets unless its own entry names one ("all"). */
  readonly all: EnforcementLevel | undefined;
  /** Per policy: its level and its configuration properties (what `args.getConfig()` returns). */
  readonly policies: ReadonlyMap<string, { level: EnforcementLevel | undefined; properties: Record<string, unknown> }>;
}

const LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];
const ajv = new Ajv({ allErrors: false, strict: true });

function describe(error: ErrorObject): string {
  const field = error.instancePath.replace(/^\//, "").replace(/\//g, ".");
  if (error.keyword === "additionalProperties") {
    return `${field ? `${field}.` : ""}${String(error.params["additionalProperty"])}: is not a setting this policy reads`;
  }
  return `${field || "(root)"}: ${error.message ?? "is invalid"}`;
}

/**
 * Checks a policy pack configuration the way the Pulumi CLI does before a preview (each policy's properties against
 * its configSchema, levels against the engine's four), and more strictly: a policy the pack does not have, or a
 * property its schema does not declare, is an error rather than silently ignored, so a typo cannot switch a check off.
 * Errors are one line: "FILE: POLICY.FIELD: reason".
 */
export function validatePolicyPackConfig(
  raw: unknown,
  policies: readonly OrionPolicy[],
  file: string,
): PolicyPackConfig {
  const fail = (where: string, reason: string): never => {
    throw new PolicyConfigError(`${file}: ${where}: ${reason}`);
  };
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return fail("(root)", "must be a JSON object");
  const byName = new Map(policies.map((p) => [p.name, p]));
  const level = (where: string, v: unknown): EnforcementLevel => {
    if (!LEVELS.includes(v as EnforcementLevel))
      fail(where, `must be one of ${LEVELS.join(", ")} (got ${JSON.stringify(v)})`);
    return v as EnforcementLevel;
  };
  let all: EnforcementLevel | undefined;
  const entries = new Map<string, { level: EnforcementLevel | undefined; properties: Record<string, unknown> }>();
  for (const [name, value] of Object.entries(raw)) {
    if (name === "all") {
      all = level(
        "all",
        typeof value === "object" && value !== null ? (value as Record<string, unknown>)["enforcementLevel"] : value,
      );
      continue;
    }
    const policy = byName.get(name);
    if (policy === undefined) fail(name, "is not a policy of this pack");
    if (typeof value === "string") {
      entries.set(name, { level: level(name, value), properties: {} });
      continue;
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      return fail(name, "must be an enforcement level or an object");
    }
    const { enforcementLevel, ...properties } = value as Record<string, unknown>;
    const schema = policy?.configSchema;
    if (Object.keys(properties).length > 0) {
      if (schema === undefined) fail(`${name}.${Object.keys(properties)[0]}`, "this policy takes no configuration");
      const validate = ajv.compile({
        type: "object",
        properties: schema?.properties ?? {},
        required: schema?.required ?? [],
        additionalProperties: false,
      });
      if (!validate(properties)) {
        const first = validate.errors?.[0];
        fail(name, first ? describe(first) : "is invalid");
      }
    }
    entries.set(name, {
      level: enforcementLevel === undefined ? undefined : level(`${name}.enforcementLevel`, enforcementLevel),
      properties,
    });
  }
  return { all, policies: entries };
}

/** Reads and validates a policy pack configuration file. */
export function loadPolicyPackConfig(file: string, policies: readonly OrionPolicy[]): PolicyPackConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    const reason =
      (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : `not JSON (${(err as Error).message})`;
    throw new PolicyConfigError(`${file}: ${reason}`);
  }
  return validatePolicyPackConfig(raw, policies, file);
}

/**
 * A stack's policy configuration (policies/config/<stack>.json) as the file `--policy-pack-config` reads: its default
 * level under "all", its overrides, and for each policy that reads settings, the stack's values of those settings.
 */
export function toPolicyPackConfigFile(
  config: StackPolicyConfig,
  policies: readonly OrionPolicy[],
): PolicyPackConfigFile {
  const file: PolicyPackConfigFile = { all: config.defaultLevel };
  for (const p of policies) {
    const properties = Object.fromEntries(
      (p.settingKeys ?? [])
        .map((k) => [k, config.settings[k]] as const)
        .filter(
          (e): e is readonly [keyof PolicySettings, NonNullable<PolicySettings[keyof PolicySettings]>] =>
            e[1] !== undefined,
        ),
    );
    const override = config.overrides[p.name];
    const entry = { ...(override !== undefined ? { enforcementLevel: override } : {}), ...properties };
    if (Object.keys(entry).length > 0) file[p.name] = entry;
  }
  return file;
}

/**
 * The stack configuration the offline evaluator applies with a policy pack configuration over it: levels by the
 * engine's precedence (the policy's own entry, then "all", then the stack's), and each policy's properties for its
 * `getConfig()`.
 */
export function withPolicyPackConfig(
  base: StackPolicyConfig,
  pack: PolicyPackConfig,
): StackPolicyConfig & {
  readonly policyConfig: ReadonlyMap<string, Record<string, unknown>>;
} {
  return {
    ...base,
    levelFor: (name) => pack.policies.get(name)?.level ?? pack.all ?? base.levelFor(name),
    policyConfig: new Map([...pack.policies].map(([name, e]) => [name, e.properties])),
  };
}

/** Every policy `pulumi preview --policy-pack policies` serves: what a policy pack configuration may name. */
export const servedPolicies = (): OrionPolicy[] => crossGuardPolicies(buildPack("all", mandatoryConfig()));

/** policies/pack-config/<stack>.json as it must read: policies/config/<stack>.json in the CLI's format. */
export function stackPolicyPackConfigFile(stack: string): PolicyPackConfigFile {
  return toPolicyPackConfigFile(loadStackPolicyConfig(stack), servedPolicies());
}
