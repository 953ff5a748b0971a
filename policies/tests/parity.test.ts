import { createRequire } from "node:module";
import * as gcp from "@pulumi/gcp";
import { validateResourceOfType, validateStackResourcesOfType } from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import { mandatoryConfig } from "../config.ts";
import { evaluate, type EngineDiagnostic } from "../evaluator/evaluate.ts";
import { UNKNOWN } from "../evaluator/normalize.ts";
import type { EvalResource } from "../evaluator/resource.ts";
import { buildPack } from "../packs.ts";
import type { OrionPolicy } from "../types.ts";
import { compliantStack } from "./fixtures/stack.ts";
import { PROD_SETTINGS, toEvalResources } from "./harness.ts";

// @pulumi/policy's own analyzer: the functions its gRPC server registers for the engine's Analyze and AnalyzeStack
// calls, driven here with real protobuf requests instead of a socket.
const require = createRequire(import.meta.url);
const policyRequire = createRequire(require.resolve("@pulumi/policy"));
const server = policyRequire("./server.js");
const analyzerProto = policyRequire("@pulumi/pulumi/proto/analyzer_pb");
const { Struct } = policyRequire("google-protobuf/google/protobuf/struct_pb");

const PACK = "alpha-orion-all";
const VERSION = "1.0.0";

interface ProtoDiagnostic {
  getPolicyname(): string;
  getPolicypackname(): string;
  getPolicypackversion(): string;
  getDescription(): string;
  getMessage(): string;
  getEnforcementlevel(): number;
  getUrn(): string;
  getSeverity(): number;
}

const SEVERITY: Record<number, string | undefined> = {
  [analyzerProto.PolicySeverity.POLICY_SEVERITY_LOW]: "low",
  [analyzerProto.PolicySeverity.POLICY_SEVERITY_MEDIUM]: "medium",
  [analyzerProto.PolicySeverity.POLICY_SEVERITY_HIGH]: "high",
  [analyzerProto.PolicySeverity.POLICY_SEVERITY_CRITICAL]: "critical",
};

function comparable(d: ProtoDiagnostic) {
  return {
    policyName: d.getPolicyname(),
    policyPackName: d.getPolicypackname(),
    policyPackVersion: d.getPolicypackversion(),
    description: d.getDescription(),
    message: d.getMessage(),
    enforcementLevel: policyRequire("./protoutil.js").convertEnforcementLevel(d.getEnforcementlevel()),
    urn: d.getUrn() || undefined,
    severity: SEVERITY[d.getSeverity()],
  };
}

function ours(d: EngineDiagnostic) {
  const { policyName, policyPackName, policyPackVersion, description, message, enforcementLevel, urn, severity } = d;
  return { policyName, policyPackName, policyPackVersion, description, message, enforcementLevel, urn, severity };
}

function options(r: EvalResource) {
  const o = new analyzerProto.AnalyzerResourceOptions();
  o.setProtect(r.protect);
  if (r.parent) o.setParent(r.parent);
  return o;
}

function call<T>(
  fn: (call: { request: unknown }, cb: (err: unknown, res: T) => void) => void,
  request: unknown,
): Promise<T> {
  return new Promise((resolve, reject) => fn({ request }, (err, res) => (err ? reject(err) : resolve(res))));
}

async function engineAnalyze(policies: readonly OrionPolicy[], r: EvalResource) {
  const req = new analyzerProto.AnalyzeRequest();
  req.setType(r.type);
  req.setUrn(r.urn);
  req.setName(r.name);
  req.setProperties(Struct.fromJavaScript(r.inputs));
  req.setOptions(options(r));
  const res = await call(server.makeAnalyzeRpcFun(PACK, VERSION, "mandatory", policies), req);
  return (res as { getDiagnosticsList(): ProtoDiagnostic[] }).getDiagnosticsList().map(comparable);
}

async function engineAnalyzeStack(policies: readonly OrionPolicy[], resources: readonly EvalResource[]) {
  const req = new analyzerProto.AnalyzeStackRequest();
  req.setResourcesList(
    resources.map((r) => {
      const a = new analyzerProto.AnalyzerResource();
      a.setType(r.type);
      a.setUrn(r.urn);
      a.setName(r.name);
      a.setProperties(Struct.fromJavaScript(r.outputs));
      a.setOptions(options(r));
      if (r.parent) a.setParent(r.parent);
      return a;
    }),
  );
  const res = await call(server.makeAnalyzeStackRpcFun(PACK, VERSION, "mandatory", policies), req);
  return (res as { getDiagnosticsList(): ProtoDiagnostic[] }).getDiagnosticsList().map(comparable);
}

async function evaluatorDiagnostics(policies: readonly OrionPolicy[], resources: readonly EvalResource[]) {
  const e = await evaluate(policies, resources, { policyPackName: PACK, policyPackVersion: VERSION });
  return e.findings.map((f) => ours(f.diagnostic));
}

/** Every resource stripped to its name: most policies find something missing, so the diagnostics are many. */
function stripped(resources: EvalResource[]): EvalResource[] {
  return resources.map((r) => {
    const inputs = r.inputs["name"] !== undefined ? { name: r.inputs["name"] } : {};
    return { ...r, protect: false, inputs, outputs: inputs };
  });
}

/** A preview where values are still unknown: the engine reports that it cannot run the policy, as an advisory. */
function withUnknowns(resources: EvalResource[]): EvalResource[] {
  return resources.map((r) => {
    const inputs = JSON.parse(JSON.stringify(r.inputs)) as Record<string, unknown>;
    if (r.type === "gcp:sql/databaseInstance:DatabaseInstance") inputs["encryptionKeyName"] = UNKNOWN;
    if (r.type === "gcp:redis/instance:Instance") inputs["authEnabled"] = UNKNOWN;
    if (r.type === "gcp:storage/bucket:Bucket") inputs["labels"] = UNKNOWN;
    return { ...r, inputs, outputs: inputs };
  });
}

const policies = buildPack("all", mandatoryConfig({ settings: PROD_SETTINGS })).policies;
const resourcePolicies = policies.filter((p) => p.kind === "resource");
const stackPolicies = policies.filter((p) => p.kind === "stack");

describe("evaluator parity with @pulumi/policy's analyzer", () => {
  const variants: Array<[string, EvalResource[]]> = [
    ["compliant", toEvalResources(compliantStack())],
    ["stripped", stripped(toEvalResources(compliantStack()))],
    ["unknown values", withUnknowns(toEvalResources(compliantStack()))],
  ];

  it.each(variants)("resource policies give the same diagnostics (%s stack)", async (_name, resources) => {
    let total = 0;
    for (const r of resources) {
      const expected = await engineAnalyze(resourcePolicies, r);
      expect(await evaluatorDiagnostics(resourcePolicies, [r])).toEqual(expected);
      total += expected.length;
    }
    if (_name === "stripped") expect(total).toBeGreaterThan(50);
    if (_name === "unknown values") expect(total).toBeGreaterThan(0);
  });

  it.each(variants)("stack policies give the same diagnostics (%s stack)", async (_name, resources) => {
    const expected = await engineAnalyzeStack(stackPolicies, resources);
    expect(await evaluatorDiagnostics(stackPolicies, resources)).toEqual(expected);
    if (_name === "stripped") expect(expected.length).toBeGreaterThan(5);
  });

  it("isType and asType behave as the engine's: policies written with @pulumi/policy's typed helpers", async () => {
    // Plain @pulumi/policy policies, filtering by class (the type token, the fast path, not-applicable) themselves.
    const typed: OrionPolicy[] = [
      {
        kind: "resource",
        name: "typed-redis-auth",
        description: "Redis must require AUTH.",
        enforcementLevel: "mandatory",
        controls: ["RED-001"],
        appliesTo: () => true,
        examines: () => true,
        severity: "high",
        remediationSteps: "",
        validateResource: validateResourceOfType(gcp.redis.Instance, (redis, args, report) => {
          if (!args.isType(gcp.redis.Instance) || args.asType(gcp.storage.Bucket) !== undefined)
            report("isType is wrong");
          if (redis.authEnabled !== true) report("RED-001: authEnabled must be true.");
        }),
      },
      {
        kind: "resource",
        name: "untyped-bucket-versioning",
        description: "Buckets must keep versions.",
        enforcementLevel: "advisory",
        controls: ["GCS-005"],
        appliesTo: () => true,
        examines: () => true,
        severity: "medium",
        remediationSteps: "",
        validateResource: (args, report) => {
          const bucket = args.asType(gcp.storage.Bucket);
          if (bucket && (bucket.versioning as { enabled?: boolean } | undefined)?.enabled !== true)
            report("GCS-005: versioning.enabled must be true.");
        },
      },
      {
        kind: "stack",
        name: "typed-bucket-count",
        description: "The stack must have a bucket.",
        enforcementLevel: "mandatory",
        controls: ["GCS-001"],
        appliesTo: () => true,
        examines: () => true,
        severity: "low",
        remediationSteps: "",
        validateStack: validateStackResourcesOfType(gcp.storage.Bucket, (buckets, _args, report) => {
          for (const b of buckets)
            if (b.uniformBucketLevelAccess !== true) report("GCS-001: uniformBucketLevelAccess must be true.");
        }),
      },
    ];
    for (const [, resources] of variants.slice(0, 2)) {
      for (const r of resources) {
        expect(await evaluatorDiagnostics(typed.slice(0, 2), [r])).toEqual(await engineAnalyze(typed.slice(0, 2), r));
      }
      expect(await evaluatorDiagnostics(typed.slice(2), resources)).toEqual(
        await engineAnalyzeStack(typed.slice(2), resources),
      );
    }
    const stripped = variants[1]?.[1] ?? [];
    expect((await evaluatorDiagnostics(typed, stripped)).map((d) => d.policyName).sort()).toEqual(
      [
        "typed-bucket-count",
        "typed-bucket-count",
        "typed-bucket-count",
        "typed-redis-auth",
        "untyped-bucket-versioning",
        "untyped-bucket-versioning",
        "untyped-bucket-versioning",
      ].sort(),
    );
  });

  it("reports unknown values the way the engine does: advisory, naming the policy and the path", async () => {
    const [db] = withUnknowns(toEvalResources(compliantStack())).filter(
      (r) => r.type === "gcp:redis/instance:Instance",
    );
    const diags = await evaluatorDiagnostics(resourcePolicies, db ? [db] : []);
    expect(diags).toContainEqual(
      expect.objectContaining({
        policyName: "memorystore-auth-and-tls",
        enforcementLevel: "advisory",
        message: `can't run policy 'memorystore-auth-and-tls' from policy pack '${PACK}@v${VERSION}' during preview: string value at .authEnabled can't be known during preview`,
      }),
    );
  });
});
