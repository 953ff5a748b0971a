/**
 * Compliance evaluation:
 * - every policy of the `all` pack over a synthetic `pulumi stack export` of 10,000 resources (target < 2 s for the
 *   evaluation; reading the file and building the report are reported beside it);
 * - the prod stack report end to end: the program under mocks, evaluation, and rendering every format (target < 10 s;
 *   loading the program's modules is reported beside it).
 * Prints one JSON object per measurement.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { complianceReport } from "../policies/compliance.ts";
import { loadStackPolicyConfig } from "../policies/config.ts";
import { evaluate } from "../policies/evaluator/evaluate.ts";
import { readStackExport } from "../policies/evaluator/sources/export.ts";
import { POLICY_PACK_VERSION } from "../policies/pack-version.ts";
import { buildPack } from "../policies/packs.ts";
import { buildReport } from "../policies/report/model.ts";
import { FORMATS, render } from "../policies/report/render.ts";
import { stackExportOf } from "../policies/tests/fixtures/formats.ts";
import { compliantStack, type FixtureResource } from "../policies/tests/fixtures/stack.ts";

const RESOURCES = 10_000;
const emit = (o: Record<string, unknown>) => process.stdout.write(JSON.stringify({ bench: "compliance", ...o }) + "\n");
const ms = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;

/**
 * The compliant stack copied until it has `n` resources, so every policy has work on every copy; one copy in ten
 * is stripped to bare names, so findings are produced and reported too.
 */
function synthetic(n: number): FixtureResource[] {
  const base = compliantStack();
  const out: FixtureResource[] = [];
  for (let copy = 0; out.length < n; copy++) {
    for (const f of base) {
      if (out.length === n) break;
      const inputs = copy % 10 === 9 ? { name: `${String(f.inputs["name"] ?? f.name)}-${copy}` } : f.inputs;
      out.push({ ...f, name: `${f.name}-${copy}`, inputs, protect: copy % 10 === 9 ? false : f.protect });
    }
  }
  return out;
}

const dir = await mkdtemp(join(tmpdir(), "orion-bench-compliance-"));
try {
  const file = join(dir, "synthetic.export.json");
  await writeFile(file, JSON.stringify(stackExportOf(synthetic(RESOURCES), "prod")));
  const pack = buildPack("all", loadStackPolicyConfig("prod"));

  let start = process.hrtime.bigint();
  const source = await readStackExport(file);
  const readMs = ms(start);
  // The first run includes the JIT warming up; the figure is the best of three after it, the cold one beside it.
  start = process.hrtime.bigint();
  let evaluation = await evaluate(pack.policies, source.resources, {
    policyPackName: "bench",
    policyPackVersion: POLICY_PACK_VERSION,
  });
  const coldMs = ms(start);
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    start = process.hrtime.bigint();
    evaluation = await evaluate(pack.policies, source.resources, {
      policyPackName: "bench",
      policyPackVersion: POLICY_PACK_VERSION,
    });
    runs.push(ms(start));
  }
  start = process.hrtime.bigint();
  const report = buildReport({ pack, source, evaluation });
  const rendered = render(report, "json", POLICY_PACK_VERSION);
  const reportMs = ms(start);
  const evaluateMs = Math.min(...runs);
  emit({
    measure: "export-10k-every-policy",
    resources: source.resources.length,
    policies: pack.policies.length,
    findings: evaluation.findings.length,
    readMs: Math.round(readMs),
    evaluateMs: Math.round(evaluateMs),
    evaluateRunsMs: runs.map(Math.round),
    coldEvaluateMs: Math.round(coldMs),
    reportMs: Math.round(reportMs),
    reportBytes: rendered.length,
    targetMs: 2000,
    withinTarget: evaluateMs < 2000,
  });

  // Loading the program's modules (the components, @pulumi/gcp, tsx's transpile) is reported apart from the run.
  start = process.hrtime.bigint();
  await import("../stacks/offline/capture.ts");
  const loadMs = ms(start);
  start = process.hrtime.bigint();
  const prod = await complianceReport({ source: { kind: "program", stack: "prod" }, framework: "all", stack: "prod" });
  const bytes = FORMATS.map((f) => render(prod, f, POLICY_PACK_VERSION).length);
  const totalMs = ms(start);
  emit({
    measure: "prod-stack-report-end-to-end",
    resources: prod.summary.resources,
    mandatory: prod.summary.mandatory,
    formats: FORMATS.length,
    bytes: bytes.reduce((a, b) => a + b, 0),
    programLoadMs: Math.round(loadMs),
    totalMs: Math.round(totalMs),
    targetMs: 10_000,
    withinTarget: totalMs < 10_000,
  });
} finally {
  await rm(dir, { recursive: true, force: true });
}
