import { FRAMEWORK_LABEL, STATUS_LABEL } from "./labels.ts";
import type { ComplianceReport } from "./model.ts";
import { requirementsOf } from "./requirements.ts";

/** Escapes text for a Markdown table cell or inline text: pipes, backslashes, HTML and emphasis characters. */
export function mdEscape(text: string): string {
  return text
    .replace(/\\/g, "\\\\")
    .replace(/([|*_`[\]<>#])/g, "\\$1")
    .replace(/\r?\n/g, " ");
}

export function renderMarkdown(report: ComplianceReport): string {
  const { summary, source } = report;
  const out: string[] = [];
  out.push("# Compliance report", "");
  out.push(
    `Source: ${source.kind}${source.stack ? `, stack \`${mdEscape(source.stack)}\`` : ""}${source.file ? `, file \`${mdEscape(source.file)}\`` : ""}. ` +
      `Frameworks: ${report.frameworks.map((f) => FRAMEWORK_LABEL[f]).join(", ")}. Generated ${report.generatedAt}.`,
    "",
  );
  out.push(
    `**${summary.resources}** resources, **${summary.controls}** controls, **${summary.violations}** violations ` +
      `(**${summary.mandatory}** mandatory, ${summary.advisory} advisory), ${summary.unchecked} resources of unchecked types.`,
    "",
  );
  out.push("## Control matrix", "");
  const fw = report.frameworks;
  out.push(`| Control | Title | ${fw.map((f) => FRAMEWORK_LABEL[f]).join(" | ")} | Status | Checked | Failed |`);
  out.push(`|---|---|${fw.map(() => "---|").join("")}---|---:|---:|`);
  for (const c of report.controls) {
    const refs = fw.map((f) => mdEscape(c.frameworks[f].join(", ") || "-"));
    out.push(
      `| ${c.id} | ${mdEscape(c.title)} | ${refs.join(" | ")} | ${STATUS_LABEL[c.status]} | ${c.checked} | ${c.failed} |`,
    );
  }
  out.push("", "## By framework requirement", "");
  for (const f of fw) {
    out.push(`### ${FRAMEWORK_LABEL[f]}`, "", "| Requirement | Controls | Status |", "|---|---|---|");
    for (const r of requirementsOf(report, f))
      out.push(`| ${r.ref} | ${r.controls.join(", ")} | ${STATUS_LABEL[r.status]} |`);
    out.push("");
  }
  out.push("## Findings", "");
  if (report.violations.length === 0) out.push("No violations.", "");
  for (const c of report.controls.filter((c) => report.violations.some((v) => v.control === c.id))) {
    out.push(`### ${c.id}: ${mdEscape(c.title)}`, "", `Remediation: ${mdEscape(c.remediation)}`, "");
    for (const v of report.violations.filter((v) => v.control === c.id)) {
      out.push(
        `- **${v.enforcementLevel}** (${v.severity}) \`${mdEscape(v.name)}\` (${mdEscape(v.type)}): ${mdEscape(v.message)}`,
      );
    }
    out.push("");
  }
  if (report.unchecked.length > 0) {
    out.push("## Unchecked resource types", "");
    for (const u of report.unchecked) out.push(`- ${mdEscape(u.type)}: ${u.count}`);
    out.push("");
  }
  return out.join("\n");
}
