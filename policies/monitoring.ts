import { stackPolicy } from "./factory.ts";
import { ALERT_POLICY } from "./logging.ts";
import { list, str } from "./props.ts";
import { DEFAULT_SETTINGS, type OrionPolicy, type PolicySettings } from "./types.ts";

/**
 * The multi-window burn rates an availability objective needs at least (the SRE workbook's page and ticket pair):
 * each fires when both windows' error ratio exceeds rate x (1 - goal).
 */
export const REQUIRED_BURN_RATES = [
  { rate: 14.4, long: "1h", short: "5m" },
  { rate: 6, long: "6h", short: "30m" },
] as const;

/** The API's request counter the error ratio is computed over. */
const SLI_METRIC = "orion_api_requests_total";

interface BurnCondition {
  windows: Set<string>;
  thresholds: number[];
}

function burnConditions(props: Record<string, unknown>): BurnCondition[] {
  return list(props, "conditions").flatMap((c) => {
    const query = str(c, "conditionPrometheusQueryLanguage.query") ?? "";
    if (!query.includes(SLI_METRIC)) return [];
    const windows = new Set([...query.matchAll(/\[(\d+[smhd])\]/g)].map((m) => m[1] as string));
    const thresholds = [...query.matchAll(/>\s*([0-9.eE+-]+)/g)].map((m) => Number(m[1]));
    return [{ windows, thresholds }];
  });
}

const close = (a: number, b: number) => Math.abs(a - b) <= Math.abs(b) * 1e-6;

export const sloBurnRateAlerts = (settings: PolicySettings) =>
  stackPolicy({
    name: "monitoring-slo-burn-rate-alerts",
    description:
      "The API's availability objective must be alerted on by multi-window burn rates computed from the stack's goal.",
    controls: ["MON-001"],
    types: [ALERT_POLICY],
    settings: { from: settings, reads: ["sloGoal"] },
    check: (resources, args, report, settings) => {
      const goal = settings.sloGoal;
      if (goal === undefined) return args.notApplicable("The stack sets no SLO goal");
      const conditions = resources
        .filter((r) => r.type === ALERT_POLICY)
        .flatMap((r) => burnConditions(r.props as Record<string, unknown>));
      for (const b of REQUIRED_BURN_RATES) {
        const threshold = Number((b.rate * (1 - goal)).toPrecision(12));
        const found = conditions.some(
          (c) =>
            c.windows.has(b.long) &&
            c.windows.has(b.short) &&
            c.thresholds.length > 0 &&
            c.thresholds.every((t) => close(t, threshold)),
        );
        if (!found) {
          report(
            "MON-001",
            `an alert policy must fire when the API's error ratio over both ${b.long} and ${b.short} exceeds ${threshold} (${b.rate}x the budget of a ${goal * 100}% goal).`,
          );
        }
      }
    },
  });

export function monitoringPolicies(settings: PolicySettings = DEFAULT_SETTINGS): OrionPolicy[] {
  return [sloBurnRateAlerts(settings)];
}
