import { createHash } from "node:crypto";
import { FRAMEWORK_LABEL } from "./labels.ts";
import type { ComplianceReport } from "./model.ts";

/** GitHub code scanning ranks findings by this 0-10 score. */
const SECURITY_SEVERITY = { critical: "9.5", high: "8.0", medium: "5.5", low: "3.0" } as const;

/** Where code scanning pins a result: the file that was evaluated, or the stack's config file for the program. */
function artifactUri(report: ComplianceReport): string {
  if (report.source.file) return report.source.file.replace(/\\/g, "/").replace(/^\.\//, "");
  return `stacks/Pulumi.${report.source.stack ?? "unknown"}.yaml`;
}

/** SARIF 2.1.0: one rule per control of the pack, one result per violation. */
export function renderSarif(report: ComplianceReport, toolVersion: string): string {
  const ruleIndex = new Map(report.controls.map((c, i) => [c.id, i]));
  const uri = artifactUri(report);
  const sarif = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "orion-compliance",
            version: toolVersion,
            informationUri: "https://github.com/alpha-orion/alpha-orion#compliance",
            rules: report.controls.map((c) => {
              const refs = report.frameworks
                .filter((f) => c.frameworks[f].length > 0)
                .map((f) => `${FRAMEWORK_LABEL[f]} ${c.frameworks[f].join(", ")}`);
              const severity = report.violations.find((v) => v.control === c.id)?.severity;
              return {
                id: c.id,
                name: c.id.replace("-", ""),
                shortDescription: { text: c.title },
                fullDescription: { text: `${c.title}. ${refs.join("; ")}.` },
                help: {
                  text: c.remediation,
                  markdown: `**Remediation:** ${c.remediation}\n\n${refs.map((r) => `- ${r}`).join("\n")}`,
                },
                defaultConfiguration: { level: "error" },
                properties: {
                  tags: ["security", "compliance", ...refs],
                  ...(severity ? { "security-severity": SECURITY_SEVERITY[severity] } : {}),
                },
              };
            }),
          },
        },
        automationDetails: { id: `orion-compliance/${report.source.stack ?? report.source.kind}/` },
        results: report.violations.map((v) => ({
          ruleId: v.control,
          ruleIndex: ruleIndex.get(v.control) ?? 0,
          level: v.enforcementLevel === "mandatory" ? "error" : "warning",
          message: { text: `${v.name} (${v.type}): ${v.message}` },
          locations: [
            {
              physicalLocation: { artifactLocation: { uri }, region: { startLine: 1 } },
              logicalLocations: [{ fullyQualifiedName: v.urn, name: v.name, kind: "resource" }],
            },
          ],
          partialFingerprints: {
            "orionFinding/v1": createHash("sha256").update(`${v.control}\0${v.urn}\0${v.message}`).digest("hex"),
          },
          properties: { policy: v.policy, enforcementLevel: v.enforcementLevel, severity: v.severity, urn: v.urn },
        })),
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
