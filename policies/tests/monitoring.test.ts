import { monitoringPolicies } from "../monitoring.ts";
import { PROD_SETTINGS, policySpec, setPath, type PolicyCase } from "./harness.ts";

const cases: PolicyCase[] = [
  {
    policy: "monitoring-slo-burn-rate-alerts",
    breaks: "thresholds computed for 99.9% while the stack promises 99.99% (pages ten times too late)",
    target: "burn-fast",
    mutate: (i) =>
      setPath(
        i,
        "conditions.0.conditionPrometheusQueryLanguage.query",
        String(
          (i.conditions as { conditionPrometheusQueryLanguage: { query: string } }[])[0]
            ?.conditionPrometheusQueryLanguage.query,
        ).replaceAll("0.00144", "0.0144"),
      ),
    expect: ["MON-001"],
  },
  {
    policy: "monitoring-slo-burn-rate-alerts",
    breaks: "a single-window slow burn alert (no short window, so it keeps firing long after the fix)",
    target: "burn-slow",
    mutate: (i) =>
      setPath(
        i,
        "conditions.0.conditionPrometheusQueryLanguage.query",
        'sum(rate(orion_api_requests_total{status=~"5.."}[6h])) / sum(rate(orion_api_requests_total[6h])) > 0.0006',
      ),
    expect: ["MON-001"],
  },
  {
    policy: "monitoring-slo-burn-rate-alerts",
    breaks: "a stricter goal in the stack's policy settings than the alerts were computed for",
    settings: { ...PROD_SETTINGS, sloGoal: 0.99999 },
    expect: ["MON-001"],
  },
];

policySpec("monitoring", (settings) => monitoringPolicies(settings), cases);
