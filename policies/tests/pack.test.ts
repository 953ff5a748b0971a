import { spawn, type ChildProcess } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadStackPolicyConfig } from "../config.ts";
import { buildPack } from "../packs.ts";
import { crossGuardPolicies } from "../selection.ts";

// The policy pack as `pulumi preview --policy-pack policies` runs it: Pulumi's own policy-pack runner loads the
// pack directory, which serves the analyzer over gRPC and prints its port; the test then plays the engine.
const require = createRequire(import.meta.url);
const policyRequire = createRequire(require.resolve("@pulumi/policy"));
const grpc = policyRequire("@grpc/grpc-js");
const analyzerProto = policyRequire("@pulumi/pulumi/proto/analyzer_pb");
const { AnalyzerClient } = policyRequire("@pulumi/pulumi/proto/analyzer_grpc_pb");
const { Empty } = policyRequire("google-protobuf/google/protobuf/empty_pb");
const { Struct } = policyRequire("google-protobuf/google/protobuf/struct_pb");

const PACK_DIR = fileURLToPath(new URL("../", import.meta.url));
const RUNNER = require.resolve("@pulumi/pulumi/cmd/run-policy-pack/index.js");

let child: ChildProcess | undefined;
let client: { close(): void; [rpc: string]: unknown } | undefined;
let stderr = "";

function unary<T>(method: string, request: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const fn = client?.[method] as (req: unknown, cb: (err: unknown, res: T) => void) => void;
    fn.call(client, request, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

beforeAll(async () => {
  const proc = spawn(process.execPath, [RUNNER, "127.0.0.1:1", PACK_DIR], {
    cwd: PACK_DIR,
    env: { ...process.env, ORION_POLICY_FRAMEWORK: "all", ORION_POLICY_STACK: "prod" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child = proc;
  proc.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    proc.stdout?.once("data", (d: Buffer) => resolve(Number(d.toString().trim())));
    proc.once("exit", (code) => reject(new Error(`the pack exited (${code}): ${stderr}`)));
  });
  client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}, 180_000);

afterAll(() => {
  client?.close();
  child?.kill();
});

describe("the CrossGuard pack under Pulumi's policy-pack runner", () => {
  it("is constructed in policies/index.ts and nowhere else (constructing one serves gRPC forever)", async () => {
    const root = fileURLToPath(new URL("../../", import.meta.url));
    const files = (await readdir(root, { recursive: true })).filter(
      (f) => /\.(ts|mts|cts|js|mjs|cjs)$/.test(f) && !/(^|\/)(node_modules|\.orion|dist)\//.test(f),
    );
    const constructing: string[] = [];
    for (const f of files) if (/new PolicyPack\(/.test(await readFile(root + f, "utf8"))) constructing.push(f);
    expect(constructing.filter((f) => f !== "policies/tests/pack.test.ts")).toEqual(["policies/index.ts"]);
  });

  it("serves every policy of the pack with its enforcement level", async () => {
    const info = await unary<{
      getName(): string;
      getPoliciesList(): Array<{ getName(): string; getEnforcementlevel(): number }>;
    }>("getAnalyzerInfo", new Empty());
    const expected = crossGuardPolicies(buildPack("all", loadStackPolicyConfig("prod"))).map((p) => p.name);
    expect(expected.filter((n) => n.startsWith("feasible-"))).toHaveLength(9);
    expect(info.getName()).toBe("alpha-orion-all");
    expect(info.getPoliciesList().map((p) => p.getName())).toEqual(expected);
    expect(new Set(info.getPoliciesList().map((p) => p.getEnforcementlevel()))).toEqual(
      new Set([analyzerProto.EnforcementLevel.MANDATORY]),
    );
  });

  it("analyzes a resource the way the evaluator does: Redis without AUTH fails RED-001", async () => {
    const req = new analyzerProto.AnalyzeRequest();
    req.setType("gcp:redis/instance:Instance");
    req.setUrn("urn:pulumi:prod::alpha-orion::gcp:redis/instance:Instance::cache");
    req.setName("cache");
    req.setProperties(Struct.fromJavaScript({ authEnabled: false, transitEncryptionMode: "SERVER_AUTHENTICATION" }));
    req.setOptions(new analyzerProto.AnalyzerResourceOptions());
    const res = await unary<{ getDiagnosticsList(): Array<{ getPolicyname(): string; getMessage(): string }> }>(
      "analyze",
      req,
    );
    const messages = res.getDiagnosticsList().map((d) => `${d.getPolicyname()}: ${d.getMessage()}`);
    expect(messages).toContain(
      "memorystore-auth-and-tls: Memorystore instances must require AUTH and encrypt traffic in transit.\nRED-001: authEnabled must be true.",
    );
    expect(messages.some((m) => m.includes("RED-002"))).toBe(false);
  });

  it("declares each configurable policy's configSchema, as the CLI validates --policy-pack-config against", async () => {
    const info = await unary<{
      getPoliciesList(): Array<{
        getName(): string;
        getConfigschema(): { getProperties(): { toJavaScript(): Record<string, unknown> } | undefined } | undefined;
      }>;
    }>("getAnalyzerInfo", new Empty());
    const schemas = Object.fromEntries(
      info
        .getPoliciesList()
        .map((p) => [p.getName(), Object.keys(p.getConfigschema()?.getProperties()?.toJavaScript() ?? {})] as const)
        .filter(([, keys]) => keys.length > 0),
    );
    expect(schemas["cloudrun-readiness-and-minimum-instances"]).toEqual(["minInstances"]);
    expect(schemas["vpc-sc-perimeter-required"]).toEqual(["requireServicePerimeter"]);
    expect(Object.keys(schemas)).toHaveLength(8);
  });

  // Last: Configure changes the served pack's state for every later call.
  it("takes a setting from --policy-pack-config through the engine's Configure call", async () => {
    const RUN = "cloudrun-readiness-and-minimum-instances";
    const analyzeService = async () => {
      const req = new analyzerProto.AnalyzeRequest();
      req.setType("gcp:cloudrunv2/service:Service");
      req.setUrn("urn:pulumi:prod::alpha-orion::gcp:cloudrunv2/service:Service::api");
      req.setName("api");
      req.setProperties(
        Struct.fromJavaScript({
          template: {
            containers: [{ readinessProbe: { httpGet: { path: "/readyz" } } }],
            scaling: { minInstanceCount: 1 },
          },
        }),
      );
      req.setOptions(new analyzerProto.AnalyzerResourceOptions());
      const res = await unary<{ getDiagnosticsList(): Array<{ getPolicyname(): string; getMessage(): string }> }>(
        "analyze",
        req,
      );
      return res
        .getDiagnosticsList()
        .filter((d) => d.getPolicyname() === RUN)
        .map((d) => d.getMessage().split("\n")[1]);
    };
    // Prod's own setting (ORION_POLICY_STACK=prod): one warm instance is enough.
    expect(await analyzeService()).toEqual([]);
    const configure = new analyzerProto.ConfigureAnalyzerRequest();
    const policyConfig = new analyzerProto.PolicyConfig();
    policyConfig.setEnforcementlevel(analyzerProto.EnforcementLevel.MANDATORY);
    policyConfig.setProperties(Struct.fromJavaScript({ minInstances: 3 }));
    configure.getPolicyconfigMap().set(RUN, policyConfig);
    await unary("configure", configure);
    expect(await analyzeService()).toEqual([
      "RUN-008: template.scaling.minInstanceCount must be at least 3 in this stack.",
    ]);
  });
});
