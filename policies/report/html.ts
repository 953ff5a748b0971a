import { FRAMEWORK_LABEL, STATUS_LABEL } from "./labels.ts";
import type { ComplianceReport } from "./model.ts";
import { requirementsOf } from "./requirements.ts";

export function htmlEscape(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1200px;color:#1b1f24;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2rem;border-bottom:1px solid #d0d7de;padding-bottom:.3rem}
.meta{color:#57606a}.cards{display:flex;gap:1rem;flex-wrap:wrap;margin:1rem 0}
.card{border:1px solid #d0d7de;border-radius:6px;padding:.6rem 1rem;min-width:8rem}.card b{display:block;font-size:1.4rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #d0d7de;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.n{text-align:right}.pass{color:#1a7f37;font-weight:600}.fail{color:#cf222e;font-weight:600}
.not-applicable{color:#6e7781}.mandatory{color:#cf222e}.advisory{color:#9a6700}code{font-size:12px;word-break:break-all}
@media print{body{margin:0}h2{page-break-after:avoid}tr{page-break-inside:avoid}}`;

/** One self-contained page (inline CSS, no scripts, no external assets) an auditor can open or print. */
export function renderHtml(report: ComplianceReport): string {
  const e = htmlEscape;
  const { summary, source } = report;
  const fw = report.frameworks;
  const rows = report.controls
    .map(
      (c) =>
        `<tr><td>${e(c.id)}</td><td>${e(c.title)}</td>${fw.map((f) => `<td>${e(c.frameworks[f].join(", ") || "-")}</td>`).join("")}` +
        `<td class="${c.status}">${STATUS_LABEL[c.status]}</td><td class="n">${c.checked}</td><td class="n">${c.failed}</td></tr>`,
    )
    .join("\n");
  const findings = report.controls
    .filter((c) => report.violations.some((v) => v.control === c.id))
    .map((c) => {
      const items = report.violations
        .filter((v) => v.control === c.id)
        .map(
          (v) =>
            `<tr><td class="${v.enforcementLevel}">${e(v.enforcementLevel)}</td><td>${e(v.severity)}</td>` +
            `<td><b>${e(v.name)}</b><br><code>${e(v.urn)}</code></td><td>${e(v.message)}</td></tr>`,
        )
        .join("\n");
      return (
        `<h3>${e(c.id)}: ${e(c.title)}</h3><p><b>Remediation:</b> ${e(c.remediation)}</p>` +
        `<table><thead><tr><th>Level</th><th>Severity</th><th>Resource</th><th>Requirement</th></tr></thead><tbody>${items}</tbody></table>`
      );
    })
    .join("\n");
  const requirements = fw
    .map((f) => {
      const body = requirementsOf(report, f)
        .map(
          (r) =>
            `<tr><td>${e(r.ref)}</td><td>${e(r.controls.join(", "))}</td><td class="${r.status}">${STATUS_LABEL[r.status]}</td></tr>`,
        )
        .join("\n");
      return `<h3>${e(FRAMEWORK_LABEL[f])}</h3><table><thead><tr><th>Requirement</th><th>Controls</th><th>Status</th></tr></thead><tbody>${body}</tbody></table>`;
    })
    .join("\n");
  const unchecked = report.unchecked.map((u) => `<li><code>${e(u.type)}</code>: ${u.count}</li>`).join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Compliance report${source.stack ? ` - ${e(source.stack)}` : ""}</title><style>${STYLE}</style></head>
<body>
<h1>Compliance report</h1>
<p class="meta">Source: ${e(source.kind)}${source.stack ? `, stack <b>${e(source.stack)}</b>` : ""}${source.file ? `, file <code>${e(source.file)}</code>` : ""}.
Frameworks: ${fw.map((f) => e(FRAMEWORK_LABEL[f])).join(", ")}. Generated ${e(report.generatedAt)}.</p>
<div class="cards">
<div class="card"><b>${summary.resources}</b>resources</div><div class="card"><b>${summary.controls}</b>controls</div>
<div class="card"><b>${report.controls.filter((c) => c.status === "pass").length}</b>passing</div>
<div class="card"><b>${report.controls.filter((c) => c.status === "fail").length}</b>failing</div>
<div class="card"><b>${summary.mandatory}</b>mandatory violations</div><div class="card"><b>${summary.advisory}</b>advisory</div>
</div>
<h2>Control matrix</h2>
<table><thead><tr><th>Control</th><th>Title</th>${fw.map((f) => `<th>${e(FRAMEWORK_LABEL[f])}</th>`).join("")}<th>Status</th><th>Checked</th><th>Failed</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<h2>By framework requirement</h2>
${requirements}
<h2>Findings</h2>
${findings || "<p>No violations.</p>"}
${unchecked ? `<h2>Unchecked resource types</h2><ul>${unchecked}</ul>` : ""}
</body></html>
`;
}
