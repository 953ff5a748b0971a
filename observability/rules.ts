import { stringify } from "yaml";
import {
  DEFAULT_CATALOGUE_SETTINGS,
  ESCALATION,
  isAlert,
  ruleGroups,
  type CatalogueSettings,
} from "../components/observability/catalogue.ts";

/** The catalogue as a Prometheus rule file (the `groups:` document `promtool check rules` reads). */
export function prometheusRules(settings: CatalogueSettings = DEFAULT_CATALOGUE_SETTINGS): string {
  const groups = ruleGroups(settings).map((g) => ({
    name: g.name,
    interval: g.interval,
    rules: g.rules.map((r) =>
      isAlert(r)
        ? {
            alert: r.name,
            expr: r.expr,
            for: r.for,
            // The escalation keeps the incident label of the alert it escalates.
            labels: r === ESCALATION ? { severity: r.severity } : { severity: r.severity, incident: r.name },
            annotations: { summary: r.summary, action: r.action, runbook: r.runbook },
          }
        : { record: r.record, expr: r.expr },
    ),
  }));
  return (
    "# Generated from components/observability/catalogue.ts by `npx tsx observability/generate.ts`; do not edit.\n" +
    stringify({ groups }, { lineWidth: 0 })
  );
}
