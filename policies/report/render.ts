import { renderHtml } from "./html.ts";
import { renderJson } from "./json.ts";
import { renderJunit } from "./junit.ts";
import { renderMarkdown } from "./markdown.ts";
import type { ComplianceReport } from "./model.ts";
import { renderSarif } from "./sarif.ts";

export const FORMATS = ["json", "md", "html", "sarif", "junit"] as const;
export type ReportFormat = (typeof FORMATS)[number];

export function render(report: ComplianceReport, format: ReportFormat, toolVersion: string): string {
  switch (format) {
    case "json":
      return renderJson(report);
    case "md":
      return renderMarkdown(report);
    case "html":
      return renderHtml(report);
    case "sarif":
      return renderSarif(report, toolVersion);
    case "junit":
      return renderJunit(report);
  }
}
