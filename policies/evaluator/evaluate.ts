import { createRequire } from "node:module";
import type {
  EnforcementLevel,
  PolicyResource,
  PolicyResourceOptions,
  ReportViolation,
  ResourceValidationArgs,
  Severity,
  StackValidationArgs,
} from "@pulumi/policy";
import { unknownCheckingProxy, UnknownValueError } from "@pulumi/policy";
import type { OrionPolicy, OrionResourcePolicy, OrionStackPolicy } from "../types.ts";
import { isEvaluable, stackUrnOf, type EvalResource } from "./resource.ts";

// The engine's own deserializer (secrets unwrapped, assets rebuilt, undefined dropped); it is internal to
// @pulumi/policy, so it is reached by path.
const require = createRequire(import.meta.url);
const { deserializeProperties } = require("@pulumi/policy/deserialize.js") as {
  deserializeProperties: (
    struct: { toJavaScript(): Record<string, unknown> },
    proxySecrets: boolean,
  ) => Record<string, unknown>;
};

/** A diagnostic exactly as the engine's analyzer builds it (server.js makeReportViolationFun). */
export interface EngineDiagnostic {
  policyName: string;
  policyPackName: string;
  policyPackVersion: string;
  message: string;
  urn: string | undefined;
  description: string;
  enforcementLevel: EnforcementLevel;
  severity: Severity | undefined;
}

/** A diagnostic plus the resource it was raised on (the engine knows it from the call; the diagnostic does not). */
export interface Finding {
  readonly diagnostic: EngineDiagnostic;
  readonly policy: OrionPolicy;
  /** The resource a resource policy ran on; for a stack policy, the URN it reported, else the stack's. */
  readonly resourceUrn: string;
  /** True when the policy could not run because a value is unknown during preview (the engine's advisory). */
  readonly unknown: boolean;
}

export interface Evaluation {
  readonly findings: readonly Finding[];
  /**
   * Per policy, the URNs it examined (it applied and did not declare itself not applicable); a stack policy that ran
   * examined the stack itself too.
   */
  readonly examined: ReadonlyMap<string, ReadonlySet<string>>;
  /** Custom resources whose type no policy of the pack looks at. */
  readonly unchecked: readonly EvalResource[];
}

export interface EvaluateOptions {
  readonly policyPackName: string;
  readonly policyPackVersion: string;
  /** The pack-wide default when a policy names no level; @pulumi/policy's default is advisory. */
  readonly packEnforcementLevel?: EnforcementLevel;
  /** Per policy, what `args.getConfig()` returns (a `--policy-pack-config` file's properties); none: `{}`. */
  readonly policyConfig?: ReadonlyMap<string, Record<string, unknown>>;
}

class NotApplicable extends Error {}
const throwNotApplicable = (reason?: string): never => {
  throw new NotApplicable(reason ?? "Policy does not apply");
};

const NO_TAGS: ReadonlyMap<string, string> = Object.freeze(new Map<string, string>());
/** getConfig as the engine's makeGetConfigFun: the policy's properties, or an empty object. */
const configOf =
  (options: EvaluateOptions, policy: string) =>
  <T extends object>(): T =>
    ({ ...(options.policyConfig?.get(policy) ?? {}) }) as T;

function optionsOf(r: EvalResource): PolicyResourceOptions {
  const opts: PolicyResourceOptions = {
    protect: r.protect,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
  };
  if (r.parent) opts.parent = r.parent;
  return opts;
}

/** isType/asType as the engine implements them: the class's Pulumi type token, else its isInstance. */
function isTypeOf(type: string, resourceClass: unknown): boolean {
  const token = (resourceClass as { __pulumiType?: unknown } | undefined)?.__pulumiType;
  if (typeof token === "string" && token.length > 0) return type === token;
  const isInstance = (resourceClass as { isInstance?: unknown } | undefined)?.isInstance;
  return typeof isInstance === "function" && isInstance({ __pulumiType: type }) === true;
}

function propsFor(values: Record<string, unknown>): Record<string, unknown> {
  return unknownCheckingProxy(deserializeProperties({ toJavaScript: () => values }, false)) as Record<string, unknown>;
}

function levelOf(p: OrionPolicy, options: EvaluateOptions): EnforcementLevel {
  const level = p.enforcementLevel ?? options.packEnforcementLevel ?? "advisory";
  // Neither resource nor stack findings can be remediated by the evaluator: the engine reports them as mandatory.
  return level === "remediate" ? "mandatory" : level;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof (v as { then?: unknown } | undefined)?.then === "function";
}

/**
 * Runs the pack's policies the way the engine's analyzer does (server.js makeAnalyzeRpcFun and
 * makeAnalyzeStackRpcFun): each resource policy on each resource's inputs, then each stack policy once on all
 * resources' outputs, with the same arguments, the same unknown-value and not-applicable handling and the same
 * diagnostics.
 */
export async function evaluate(
  policies: readonly OrionPolicy[],
  resources: readonly EvalResource[],
  options: EvaluateOptions,
): Promise<Evaluation> {
  const findings: Finding[] = [];
  const examined = new Map<string, Set<string>>(policies.map((p) => [p.name, new Set<string>()]));
  const active = policies.filter((p) => levelOf(p, options) !== "disabled");
  const resourcePolicies = active.filter((p): p is OrionResourcePolicy => p.kind === "resource");
  const stackPolicies = active.filter((p): p is OrionStackPolicy => p.kind === "stack");
  const pack = `'${options.policyPackName}@v${options.policyPackVersion}'`;

  const rootUrn = stackUrnOf(resources);
  const reporter = (p: OrionPolicy, level: EnforcementLevel, resourceUrn: string | undefined): ReportViolation => {
    return (message, urn) => {
      findings.push({
        policy: p,
        resourceUrn: resourceUrn ?? urn ?? rootUrn,
        unknown: false,
        diagnostic: {
          policyName: p.name,
          policyPackName: options.policyPackName,
          policyPackVersion: options.policyPackVersion,
          message: message ? `${p.description}\n${message}` : p.description,
          urn,
          description: p.description,
          enforcementLevel: level,
          severity: p.severity,
        },
      });
    };
  };
  const unknownFinding = (p: OrionPolicy, e: UnknownValueError, resourceUrn: string): Finding => ({
    policy: p,
    resourceUrn,
    unknown: true,
    diagnostic: {
      policyName: p.name,
      policyPackName: options.policyPackName,
      policyPackVersion: options.policyPackVersion,
      message: `can't run policy '${p.name}' from policy pack ${pack} during preview: ${e.message}`,
      urn: undefined,
      description: p.description,
      enforcementLevel: "advisory",
      severity: p.severity,
    },
  });

  const evaluable = resources.filter(isEvaluable);
  const covered = new Set<string>();
  for (const r of evaluable) {
    const applicable = resourcePolicies.filter((p) => p.appliesTo(r.type));
    if (applicable.length > 0 || stackPolicies.some((p) => p.examines(r.type))) covered.add(r.urn);
    if (applicable.length === 0) continue;
    // The engine deserializes per call; policies never write to their props, so one copy serves every policy.
    const props = propsFor(r.inputs);
    const opts = optionsOf(r);
    for (const p of applicable) {
      const level = levelOf(p, options);
      const report = reporter(p, level, r.urn);
      // A policy with no validateResource only remediates: the engine reports it not applicable.
      if (p.validateResource === undefined) continue;
      const validations = Array.isArray(p.validateResource) ? p.validateResource : [p.validateResource];
      for (const validation of validations) {
        const args: ResourceValidationArgs = {
          type: r.type,
          props,
          urn: r.urn,
          name: r.name,
          opts,
          stackTags: NO_TAGS,
          isType: (cls) => isTypeOf(r.type, cls),
          asType: ((cls: unknown) => (isTypeOf(r.type, cls) ? props : undefined)) as ResourceValidationArgs["asType"],
          getConfig: configOf(options, p.name),
          notApplicable: throwNotApplicable,
        };
        try {
          const result = validation(args, report);
          if (isThenable(result)) await result;
          examined.get(p.name)?.add(r.urn);
        } catch (e) {
          if (e instanceof UnknownValueError) {
            findings.push(unknownFinding(p, e, r.urn));
            examined.get(p.name)?.add(r.urn);
          } else if (!(e instanceof NotApplicable)) {
            throw new Error(
              `Error validating resource with policy '${p.name}' from policy pack ${pack}: ${(e as Error).message}`,
            );
          }
        }
      }
    }
  }

  // The engine rebuilds these per policy; policies here never write to them, so one build serves all.
  const policyResources = stackPolicies.length > 0 ? buildStackResources(resources) : [];
  for (const p of stackPolicies) {
    const level = levelOf(p, options);
    try {
      const args: StackValidationArgs = {
        resources: policyResources,
        getConfig: configOf(options, p.name),
        stackTags: NO_TAGS,
        notApplicable: throwNotApplicable,
      };
      const result = p.validateStack(args, reporter(p, level, undefined));
      if (isThenable(result)) await result;
      const seen = examined.get(p.name);
      seen?.add(rootUrn);
      for (const r of evaluable) if (p.examines(r.type)) seen?.add(r.urn);
    } catch (e) {
      if (e instanceof UnknownValueError) {
        findings.push(unknownFinding(p, e, rootUrn));
        examined.get(p.name)?.add(rootUrn);
      } else if (!(e instanceof NotApplicable)) {
        throw new Error(
          `Error validating stack with policy '${p.name}' from policy pack ${pack}: ${(e as Error).message}`,
        );
      }
    }
  }

  return { findings, examined, unchecked: evaluable.filter((r) => !covered.has(r.urn)) };
}

/** The stack's resources as analyzeStack builds them: outputs as props, parents linked by URN. */
function buildStackResources(resources: readonly EvalResource[]): PolicyResource[] {
  const byUrn = new Map<string, PolicyResource>();
  const list = resources.map((r) => {
    const props = propsFor(r.outputs);
    const resource: PolicyResource = {
      type: r.type,
      props,
      urn: r.urn,
      name: r.name,
      opts: optionsOf(r),
      dependencies: [],
      propertyDependencies: {},
      isType: (cls) => isTypeOf(r.type, cls),
      asType: ((cls: unknown) => (isTypeOf(r.type, cls) ? props : undefined)) as PolicyResource["asType"],
    };
    byUrn.set(r.urn, resource);
    return resource;
  });
  resources.forEach((r, i) => {
    const resource = list[i];
    if (!resource) return;
    const parent = r.parent ? byUrn.get(r.parent) : undefined;
    if (parent) resource.parent = parent;
    // As the engine links them: dependencies on resources outside the list (providers) are dropped.
    resource.dependencies = (r.dependencies ?? []).flatMap((urn) => byUrn.get(urn) ?? []);
  });
  return list;
}
