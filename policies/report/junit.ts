import type { ComplianceReport } from "./model.ts";

export function xmlEscape(text: string): string {
  return (
    text
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&apos;")
      // XML 1.0 forbids most control characters even when escaped, so they are dropped.
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "")
  );
}

/** JUnit XML for CI test tabs: one testcase per control; failing controls fail, not-applicable ones are skipped. */
export function renderJunit(report: ComplianceReport): string {
  const x = xmlEscape;
  const failures = report.controls.filter((c) => c.status === "fail").length;
  const skipped = report.controls.filter((c) => c.status === "not-applicable").length;
  const suite = `compliance ${report.frameworks.join("+")}${report.source.stack ? ` (${report.source.stack})` : ""}`;
  const cases = report.controls.map((c) => {
    const head = `    <testcase classname="compliance.${x(c.id.split("-")[0] ?? c.id)}" name="${x(`${c.id} ${c.title}`)}" time="0">`;
    if (c.status === "not-applicable")
      return `${head}\n      <skipped message="no resource this control applies to"/>\n    </testcase>`;
    if (c.status === "pass")
      return `${head}\n      <system-out>${c.checked} resources checked</system-out>\n    </testcase>`;
    const vs = report.violations.filter((v) => v.control === c.id);
    const mandatory = vs.filter((v) => v.enforcementLevel === "mandatory").length;
    const body = [
      ...vs.map((v) => `[${v.enforcementLevel}] ${v.name} (${v.urn}): ${v.message}`),
      `Remediation: ${c.remediation}`,
    ].join("\n");
    return `${head}\n      <failure message="${x(`${c.failed} of ${c.checked} resources fail (${mandatory} mandatory findings)`)}" type="${mandatory > 0 ? "mandatory" : "advisory"}">${x(body)}</failure>\n    </testcase>`;
  });
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="orion compliance" tests="${report.controls.length}" failures="${failures}" skipped="${skipped}">`,
    `  <testsuite name="${x(suite)}" tests="${report.controls.length}" failures="${failures}" skipped="${skipped}" timestamp="${x(report.generatedAt)}">`,
    ...cases,
    `  </testsuite>`,
    `</testsuites>`,
    ``,
  ].join("\n");
}
