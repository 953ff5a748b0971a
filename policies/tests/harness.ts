import { describe, expect, it } from "vitest";
import { loadStackPolicyConfig } from "../config.ts";
import { evaluate } from "../evaluator/evaluate.ts";
import type { EvalResource } from "../evaluator/resource.ts";
import type { OrionPolicy, PolicySettings } from "../types.ts";
import { clean, compliantStack, type FixtureResource } from "./fixtures/stack.ts";

export const PROD_SETTINGS: PolicySettings = loadStackPolicyConfig("prod").settings;

export const urnOf = (f: FixtureResource, stack = "prod") => `urn:pulumi:${stack}::alpha-orion::${f.type}::${f.name}`;

export function toEvalResources(fixtures: readonly FixtureResource[], stack = "prod"): EvalResource[] {
  const byName = new Map(fixtures.map((f) => [f.name, f]));
  return fixtures.map((f) => {
    const inputs = clean(f.inputs);
    return {
      urn: urnOf(f, stack),
      type: f.type,
      name: f.name,
      parent: f.parent ?? null,
      custom: f.custom ?? true,
      protect: f.protect ?? false,
      inputs,
      outputs: { ...inputs, ...clean(f.outputs ?? {}) },
      dependencies: (f.dependsOn ?? []).flatMap((name) => {
        const dep = byName.get(name);
        return dep ? [urnOf(dep, stack)] : [];
      }),
    };
  });
}

export interface Found {
  control: string;
  message: string;
  urn: string | undefined;
}

/** Runs policies over resources through the evaluator and returns each finding's control and requirement. */
export async function findings(policies: readonly OrionPolicy[], resources: readonly EvalResource[]): Promise<Found[]> {
  const evaluation = await evaluate(policies, resources, { policyPackName: "test", policyPackVersion: "0.0.0" });
  return evaluation.findings.map((f) => {
    const body = f.diagnostic.message.split("\n")[1] ?? f.diagnostic.message;
    const [control = "", ...rest] = body.split(": ");
    return { control, message: rest.join(": "), urn: f.resourceUrn };
  });
}

/** Sets (or with `undefined`, deletes) a dotted path, creating objects on the way. */
export function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(".");
  let cur = obj;
  for (const key of keys.slice(0, -1)) {
    const next = cur[key];
    if (next === null || typeof next !== "object") cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  }
  const last = keys[keys.length - 1] ?? "";
  if (value === undefined) delete cur[last];
  else cur[last] = value;
}

export interface PolicyCase {
  /** What the breaking change is. */
  breaks: string;
  policy: string;
  /** Fixture resource (by name) whose inputs `mutate` edits. */
  target?: string;
  mutate?: (inputs: Record<string, unknown>, fixture: FixtureResource) => void;
  /** Resources added to the compliant stack. */
  add?: FixtureResource[];
  /** Fixture names removed from the compliant stack. */
  remove?: string[];
  settings?: PolicySettings;
  expect: string[];
}

export function brokenStack(c: PolicyCase): FixtureResource[] {
  const stack = compliantStack()
    .filter((f) => !(c.remove ?? []).includes(f.name))
    .map((f) => ({ ...f, inputs: clean(f.inputs) }));
  if (c.target !== undefined) {
    const target = stack.find((f) => f.name === c.target);
    if (!target) throw new Error(`no fixture resource named ${c.target}`);
    c.mutate?.(target.inputs, target);
  }
  return [...stack, ...(c.add ?? [])];
}

/**
 * The table-driven spec of one service file: every policy passes on the compliant stack and each case breaks it
 * with exactly the expected control ids; every policy the service exports has at least one breaking case.
 */
export function policySpec(
  service: string,
  make: (settings: PolicySettings) => OrionPolicy[],
  cases: PolicyCase[],
): void {
  describe(`${service} policies`, () => {
    const policies = make(PROD_SETTINGS);
    const byName = (name: string, settings?: PolicySettings) => {
      const p = make(settings ?? PROD_SETTINGS).find((x) => x.name === name);
      if (!p) throw new Error(`no policy named ${name} in ${service}`);
      return p;
    };

    it.each(policies.map((p) => [p.name, p] as const))("%s passes on the compliant stack", async (_name, policy) => {
      expect(await findings([policy], toEvalResources(compliantStack()))).toEqual([]);
    });

    it.each(cases.map((c) => [`${c.policy}: ${c.breaks}`, c] as const))("%s", async (_title, c) => {
      const found = await findings([byName(c.policy, c.settings)], toEvalResources(brokenStack(c)));
      expect([...new Set(found.map((f) => f.control))].sort()).toEqual([...c.expect].sort());
      for (const f of found) expect(f.message).toMatch(/must|\bnot\b/);
    });

    it("has a breaking case for every policy", () => {
      const covered = new Set(cases.map((c) => c.policy));
      expect(policies.map((p) => p.name).filter((n) => !covered.has(n))).toEqual([]);
    });
  });
}
