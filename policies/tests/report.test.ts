import { describe, expect, it } from "vitest";
import { mandatoryConfig } from "../config.ts";
import { CONTROLS } from "../controls.ts";
import { evaluate } from "../evaluator/evaluate.ts";
import type { Source } from "../evaluator/resource.ts";
import { buildPack } from "../packs.ts";
import { renderHtml } from "../report/html.ts";
import { renderJunit } from "../report/junit.ts";
import { mdEscape, renderMarkdown } from "../report/markdown.ts";
import { buildReport, type ComplianceReport } from "../report/model.ts";
import { requirementsOf } from "../report/requirements.ts";
import { renderSarif } from "../report/sarif.ts";
import { compliantStack } from "./fixtures/stack.ts";
import { PROD_SETTINGS, toEvalResources } from "./harness.ts";

const NASTY = `x<script>alert("1")</script>|*_'&`;

/** The compliant stack plus one hostile resource: a name built to break every format's escaping. */
async function hostileReport(): Promise<ComplianceReport> {
  const fixtures = compliantStack();
  fixtures.push({ type: "gcp:redis/instance:Instance", name: NASTY, inputs: { name: "evil" } });
  const resources = toEvalResources(fixtures);
  const source: Source = {
    kind: "export",
    stack: "prod",
    project: "alpha-orion",
    file: `state ${NASTY}.json`,
    resources,
  };
  const pack = buildPack("all", mandatoryConfig({ settings: PROD_SETTINGS }));
  const evaluation = await evaluate(pack.policies, resources, { policyPackName: "t", policyPackVersion: "1" });
  return buildReport({ pack, source, evaluation, now: new Date("2026-11-27T12:00:00Z") });
}

describe("report model", () => {
  it("counts checked and failed resources per control and orders violations by control", async () => {
    const report = await hostileReport();
    const red1 = report.controls.find((c) => c.id === "RED-001");
    expect(red1).toMatchObject({ status: "fail", checked: 2, failed: 1 });
    expect(report.controls.find((c) => c.id === "NET-001")).toMatchObject({ status: "pass", checked: 1, failed: 0 });
    expect(report.summary).toMatchObject({
      controls: CONTROLS.length,
      mandatory: report.violations.length,
      advisory: 0,
    });
    const order = report.controls.map((c) => c.id);
    const seen = report.violations.map((v) => order.indexOf(v.control));
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(report.violations.every((v) => v.name === NASTY && v.type === "gcp:redis/instance:Instance")).toBe(true);
  });
});

describe("the framework-requirement view", () => {
  it("orders requirements numerically and fails a requirement when any of its controls fails", async () => {
    const report = await hostileReport();
    const pci = requirementsOf(report, "pci-dss-4.0");
    const refs = pci.map((r) => r.ref);
    expect(refs.indexOf("10.2.1.4")).toBeLessThan(refs.indexOf("10.2.2"));
    expect(refs.indexOf("3.7.5")).toBeLessThan(refs.indexOf("10.2.1"));
    // 8.3.1 is evidenced by RED-001 alone, which the hostile Redis fails; 1.2.1 (NET-001) passes.
    expect(pci.find((r) => r.ref === "8.3.1")).toEqual({ ref: "8.3.1", controls: ["RED-001"], status: "fail" });
    expect(pci.find((r) => r.ref === "1.2.1")?.status).toBe("pass");
    const cis = requirementsOf(report, "cis-gcp-3.0");
    expect(cis.find((r) => r.ref === "6.4")?.controls).toEqual(["SQL-001"]);
  });
});

describe("renderers escape what they print", () => {
  it("html: one self-contained page, every value escaped", async () => {
    const html = renderHtml(await hostileReport());
    expect(html).not.toContain("<script>");
    expect(html).toContain("x&lt;script&gt;alert(&quot;1&quot;)&lt;/script&gt;|*_&#39;&amp;");
    expect(html).not.toMatch(/<(script|link|img|iframe)\b/i);
    expect(html).not.toMatch(/(src|href)=/i);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html.match(/<tr>/g)?.length).toBeGreaterThan(CONTROLS.length);
  });

  it("md: table cells cannot be split or turned into markup", async () => {
    const md = renderMarkdown(await hostileReport());
    expect(mdEscape(NASTY)).toBe('x\\<script\\>alert("1")\\</script\\>\\|\\*\\_\'&');
    expect(md).toContain(mdEscape(NASTY));
    const matrix = md.split("\n").filter((l) => /^\| [A-Z0-9]+-\d{3} \|/.test(l));
    expect(matrix).toHaveLength(CONTROLS.length);
    for (const row of matrix) expect(row.split(/(?<!\\)\|/).length).toBe(10);
  });

  it("junit: a testcase per control, failures for failing controls, XML-escaped", async () => {
    const report = await hostileReport();
    const xml = renderJunit(report);
    expect(xml.match(/<testcase /g)).toHaveLength(CONTROLS.length);
    expect(xml.match(/<failure /g)).toHaveLength(report.controls.filter((c) => c.status === "fail").length);
    expect(xml).not.toContain("<script>");
    expect(xml).toContain("x&lt;script&gt;alert(&quot;1&quot;)&lt;/script&gt;|*_&apos;&amp;");
    // Every element opened is closed: a crude well-formedness check without an XML parser.
    const opened = (xml.match(/<(testsuites|testsuite|testcase|failure)\b[^>]*[^/]>/g) ?? []).length;
    const closed = (xml.match(/<\/(testsuites|testsuite|testcase|failure)>/g) ?? []).length;
    expect(opened).toBe(closed);
  });

  it("sarif: 2.1.0, a rule per control, results pointing at rules and the evaluated file", async () => {
    const report = await hostileReport();
    const sarif = JSON.parse(renderSarif(report, "1.0.0"));
    expect(sarif.version).toBe("2.1.0");
    expect(sarif.$schema).toMatch(/sarif-2\.1\.0/);
    const run = sarif.runs[0];
    expect(run.tool.driver.rules.map((r: { id: string }) => r.id)).toEqual(report.controls.map((c) => c.id));
    expect(run.results).toHaveLength(report.violations.length);
    for (const r of run.results) {
      expect(run.tool.driver.rules[r.ruleIndex].id).toBe(r.ruleId);
      expect(r.level).toBe("error");
      expect(r.locations[0].physicalLocation.artifactLocation.uri).toBe(`state ${NASTY}.json`);
      expect(r.locations[0].logicalLocations[0].fullyQualifiedName).toMatch(/^urn:pulumi:prod::/);
      expect(r.partialFingerprints["orionFinding/v1"]).toMatch(/^[0-9a-f]{64}$/);
    }
    const rule = run.tool.driver.rules.find((r: { id: string }) => r.id === "RED-001");
    expect(rule.properties["security-severity"]).toBe("8.0");
    expect(rule.properties.tags).toContain("PCI DSS 4.0 8.3.1");
  });
});
