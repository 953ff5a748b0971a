import { execFile } from "node:child_process";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { CONTROLS } from "../../../policies/controls.ts";
import { complianceReport } from "../../../policies/compliance.ts";
import { POLICY_PACK_VERSION } from "../../../policies/pack-version.ts";
import { FORMATS, render } from "../../../policies/report/render.ts";
import { compliantStack } from "../../../policies/tests/fixtures/stack.ts";
import { shownSecret, stackExportOf } from "../../../policies/tests/fixtures/formats.ts";
import { InputError } from "../errors.ts";
import { runComplianceReport } from "./compliance.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const FIXTURES = join(ROOT, "policies/tests/fixtures");
const EXPORT = join(FIXTURES, "prod.export.json");
const PREVIEW = join(FIXTURES, "prod.preview.json");
const SECRET = "hunter2-do-not-print-0451";
/** A CLI run is a fresh Node process loading the Pulumi SDK; on a busy 2-core runner several take a while. */
const CLI_TIMEOUT = 180_000;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function orion(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, "bin/orion.mjs"), ...args],
      { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The fixed contract of DESIGN.md, "Compliance report (--format json)". */
const reportSchema = z.object({
  generatedAt: z.string().datetime(),
  source: z.object({
    kind: z.enum(["program", "export", "preview"]),
    stack: z.string().nullable(),
    file: z.string().nullable(),
  }),
  frameworks: z.array(z.enum(["soc2", "pci-dss-4.0", "cis-gcp-3.0"])),
  summary: z.object({
    resources: z.number().int(),
    controls: z.number().int(),
    violations: z.number().int(),
    mandatory: z.number().int(),
    advisory: z.number().int(),
  }),
  controls: z.array(
    z.object({
      id: z.string().regex(/^[A-Z0-9]+-\d{3}$/),
      title: z.string(),
      frameworks: z.object({
        soc2: z.array(z.string()),
        "pci-dss-4.0": z.array(z.string()),
        "cis-gcp-3.0": z.array(z.string()),
      }),
      status: z.enum(["pass", "fail", "not-applicable"]),
      checked: z.number().int(),
      failed: z.number().int(),
    }),
  ),
  violations: z.array(
    z.object({
      control: z.string(),
      policy: z.string(),
      enforcementLevel: z.enum(["mandatory", "advisory"]),
      severity: z.string(),
      urn: z.string(),
      type: z.string(),
      name: z.string(),
      message: z.string(),
    }),
  ),
});

let dir = "";
let brokenExport = "";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "orion-compliance-"));
  // The prod stack with a secret written into a Cloud Run env var literal (RUN-006) and Redis AUTH off,
  // exported with --show-secrets so the plaintext is in the file.
  const stack = compliantStack();
  const api = stack.find((r) => r.name === "api");
  const envs = (api?.inputs["template"] as { containers: Array<{ envs: unknown[] }> }).containers[0]?.envs;
  envs?.push({ name: "DB_PASSWORD", value: shownSecret(SECRET) });
  const cache = stack.find((r) => r.name === "cache");
  if (cache) cache.inputs = { ...cache.inputs, authEnabled: false, authString: shownSecret(SECRET) };
  brokenExport = join(dir, "broken.export.json");
  await writeFile(brokenExport, JSON.stringify(stackExportOf(stack, "prod")));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Each run of the real CLI costs a Node start and the Pulumi SDK's load, so the CLI runs concurrently and the
// many input variations are checked in-process through the same entry the CLI action calls.
describe("orion compliance report, through the real CLI", () => {
  it.concurrent(
    "--export on a compliant prod export: the JSON contract, no violations, exit 0",
    async () => {
      const run = await orion(["compliance", "report", "--export", EXPORT, "--format", "json"]);
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      const report = reportSchema.parse(JSON.parse(run.stdout));
      expect(report.source).toEqual({ kind: "export", stack: "prod", file: EXPORT });
      expect(report.summary).toMatchObject({ controls: CONTROLS.length, violations: 0, mandatory: 0 });
      expect(JSON.parse(run.stdout).unchecked).toContainEqual({ type: "gcp:vpcaccess/connector:Connector", count: 1 });
    },
    CLI_TIMEOUT,
  );

  it.concurrent(
    "--out with mandatory violations: exit 1, one line, the file written whole, no secret in it",
    async () => {
      const out = join(dir, "report.html");
      const run = await orion(["compliance", "report", "--export", brokenExport, "--format", "html", "--out", out]);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe("");
      expect(run.stderr.trim().split("\n")).toHaveLength(1);
      expect(run.stderr).toMatch(/mandatory violation/);
      const text = await readFile(out, "utf8");
      expect(text).toMatch(/<\/html>\s*$/);
      expect(text).toMatch(/RUN-006/);
      expect(text).not.toContain(SECRET);
      expect((await readdir(dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    },
    CLI_TIMEOUT,
  );

  it.concurrent(
    "--stack prod runs the program under mocks: no mandatory violation",
    async () => {
      const run = await orion(["compliance", "report", "--stack", "prod", "--format", "json"]);
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      const report = reportSchema.parse(JSON.parse(run.stdout));
      expect(report.source).toEqual({ kind: "program", stack: "prod", file: null });
      expect(report.summary.mandatory).toBe(0);
    },
    CLI_TIMEOUT,
  );

  it.concurrent(
    "--policy-pack-config with a setting out of range: exit 2, one line naming the file, the policy and the field",
    async () => {
      const bad = join(dir, "policy-config.json");
      await writeFile(bad, JSON.stringify({ "monitoring-slo-burn-rate-alerts": { sloGoal: 2 } }));
      const run = await orion(["compliance", "report", "--export", EXPORT, "--policy-pack-config", bad]);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe("");
      expect(run.stderr.trim().split("\n")).toHaveLength(1);
      expect(run.stderr).toContain(`${bad}: monitoring-slo-burn-rate-alerts: sloGoal: must be < 1`);
    },
    CLI_TIMEOUT,
  );

  it.concurrent(
    "bad usage --format pdf: exit 2 with one line",
    async () => {
      const run = await orion(["compliance", "report", "--export", EXPORT, "--format", "pdf"]);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe("");
      expect(run.stderr.trim().split("\n")).toHaveLength(1);
      expect(run.stderr).toMatch(/pdf/);
    },
    CLI_TIMEOUT,
  );
});

describe("orion compliance report, in process", () => {
  it("--preview: unknown values become an advisory finding, SARIF 2.1.0 for code scanning", async () => {
    const out = join(dir, "preview.sarif");
    await runComplianceReport({ preview: PREVIEW, framework: "all", format: "sarif", out });
    const sarif = JSON.parse(await readFile(out, "utf8"));
    expect(sarif.version).toBe("2.1.0");
    const rules = sarif.runs[0].tool.driver.rules as Array<{ id: string }>;
    expect(rules).toHaveLength(CONTROLS.length);
    expect(sarif.runs[0].results).toEqual([
      expect.objectContaining({
        ruleId: "SQL-007",
        level: "warning",
        ruleIndex: rules.findIndex((r) => r.id === "SQL-007"),
      }),
    ]);
  });

  it.each(FORMATS.map((f) => [f]))("--format %s: the broken export's findings, and no secret value", async (format) => {
    const report = await complianceReport({ source: { kind: "export", file: brokenExport }, framework: "all" });
    const text = render(report, format, POLICY_PACK_VERSION);
    expect(text).toMatch(/RUN-006/);
    expect(text).toMatch(/RED-001/);
    expect(text).not.toContain(SECRET);
  });

  it("--stack dev with --export takes dev's enforcement levels: advisory findings only", async () => {
    const report = await complianceReport({
      source: { kind: "export", file: brokenExport },
      framework: "all",
      stack: "dev",
    });
    expect(report.summary.mandatory).toBe(0);
    expect(report.summary.advisory).toBeGreaterThan(0);
  });

  it("--policy-pack-config: CI's file for prod gives prod's verdict; all advisory leaves only advisory findings", async () => {
    const prodFile = join(ROOT, "policies/pack-config/prod.json");
    const clean = await complianceReport({
      source: { kind: "export", file: EXPORT },
      framework: "all",
      policyPackConfig: prodFile,
    });
    expect(clean.summary.violations).toBe(0);
    const broken = await complianceReport({
      source: { kind: "export", file: brokenExport },
      framework: "all",
      policyPackConfig: prodFile,
    });
    expect(broken.summary.mandatory).toBeGreaterThan(0);
    const advisoryFile = join(dir, "all-advisory.json");
    await writeFile(advisoryFile, JSON.stringify({ all: "advisory" }));
    const advisory = await complianceReport({
      source: { kind: "export", file: brokenExport },
      framework: "all",
      policyPackConfig: advisoryFile,
    });
    expect(advisory.summary).toMatchObject({ mandatory: 0, advisory: broken.summary.violations });
  });

  it("--framework pci-dss reports only controls with a PCI DSS reference", async () => {
    const report = await complianceReport({ source: { kind: "export", file: brokenExport }, framework: "pci-dss" });
    expect(report.frameworks).toEqual(["pci-dss-4.0"]);
    expect(report.controls.map((c) => c.id)).not.toContain("SQL-004");
    expect(report.controls.every((c) => c.frameworks["pci-dss-4.0"].length > 0)).toBe(true);
    expect(report.violations.map((v) => v.control)).toContain("RUN-006");
  });

  const text = () => readFile(EXPORT, "utf8");
  const badFiles: Array<[string, () => Promise<string>, RegExp]> = [
    [
      "v4.json",
      async () => (await text()).replace('"version": 3', '"version": 4'),
      /v4\.json: unknown deployment version 4 \(expected 3\)/,
    ],
    [
      "no-inputs.json",
      async () => {
        const doc = JSON.parse(await text());
        delete doc.deployment.resources[3].inputs;
        return JSON.stringify(doc);
      },
      /no-inputs\.json: deployment\.resources\[3\] \(urn:pulumi:prod::alpha-orion::[^)]+\): custom resource has no inputs/,
    ],
    ["empty.json", async () => "", /empty\.json: empty file/],
    ["truncated.json", async () => (await text()).slice(0, 5000), /truncated\.json: malformed or truncated JSON/],
    [
      "not-an-export.json",
      async () => JSON.stringify({ stack: "prod" }),
      /not-an-export\.json: version: version is missing/,
    ],
  ];

  it.each(badFiles)("--export %s is refused", async (name, content, message) => {
    const file = join(dir, name);
    await writeFile(file, await content());
    const err = await runComplianceReport({ export: file, framework: "all", format: "json" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(message);
  });

  it.each([
    [{ preview: EXPORT }, /prod\.export\.json: steps: steps is missing/],
    [{ export: "/nonexistent/state.json" }, /\/nonexistent\/state\.json: no such file/],
    [{ export: EXPORT, stack: "qa" }, /policies\/config\/qa\.json: unknown stack/],
    [{ stack: "../prod" }, /name must be letters/],
    [{ export: EXPORT, preview: PREVIEW }, /only one of --export FILE and --preview FILE/],
    [{}, /--stack NAME, --export FILE or --preview FILE/],
    [
      { export: EXPORT, out: "/nonexistent-dir/report.json" },
      /\/nonexistent-dir\/report\.json: cannot write the report \(ENOENT\)/,
    ],
  ])("%j is refused", async (flags, message) => {
    const err = await runComplianceReport({ framework: "all", format: "json", ...flags }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(message);
  });
});
