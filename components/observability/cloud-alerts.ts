import type { Severity } from "./cis.ts";
import { ESCALATE_AFTER, standaloneAlerts, type CatalogueSettings } from "./catalogue.ts";

/** One Cloud Monitoring alert policy with a PromQL condition, decided from the catalogue before anything is created. */
export interface CloudAlertSpec {
  /** Resource name suffix: kebab-case of the alert name. */
  id: string;
  alertRule: string;
  title: string;
  severity: Severity;
  query: string;
  /** How long the query must hold, in seconds (Cloud Monitoring durations). */
  durationSeconds: number;
  doc: string;
}

/** Seconds of a Prometheus duration such as `90s`, `5m`, `1h` or `3d`. */
export function durationSeconds(d: string): number {
  const m = /^(\d+)(s|m|h|d)$/.exec(d);
  if (!m) throw new Error(`alert catalogue: duration ${d} must be a number followed by s, m, h or d`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as "s" | "m" | "h" | "d"];
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c, i: number) => (i === 0 ? "" : "-") + c.toLowerCase());

/**
 * The catalogue's alerts as Cloud Monitoring evaluates them: recording rules inlined (there is no rule evaluator in
 * front of Cloud Monitoring), and each critical alert twice, the second time as an emergency once it has held for
 * ESCALATE_AFTER longer. That is Prometheus' CriticalUnacknowledged escalation; in Cloud Monitoring, acknowledging is
 * snoozing the escalated policy, as its documentation says.
 */
export function cloudAlertSpecs(settings: CatalogueSettings): CloudAlertSpec[] {
  return standaloneAlerts(settings).flatMap((a) => {
    const spec: CloudAlertSpec = {
      id: kebab(a.name),
      alertRule: a.name,
      title: a.summary,
      severity: a.severity,
      query: a.expr,
      durationSeconds: durationSeconds(a.for),
      doc: `${a.action} Runbook: ${a.runbook}.`,
    };
    if (a.severity !== "critical") return [spec];
    return [
      spec,
      {
        ...spec,
        id: `${spec.id}-escalated`,
        title: `Unacknowledged for ${ESCALATE_AFTER}: ${a.summary}`,
        severity: "emergency",
        durationSeconds: spec.durationSeconds + durationSeconds(ESCALATE_AFTER),
        doc: `${spec.doc} Escalated: the critical alert has held for ${ESCALATE_AFTER} more; snooze this policy to acknowledge.`,
      },
    ];
  });
}
