import { controlPlaneDashboard, tradingFlowDashboard } from "./dashboards.ts";
import { prometheusRules } from "./rules.ts";

/** Every generated file under observability/, by path, with the content its generator gives today. */
export function generatedFiles(): Record<string, string> {
  const json = (o: object) => JSON.stringify(o, null, 2) + "\n";
  return {
    "prometheus/rules.yml": prometheusRules(),
    "grafana/trading-flow.json": json(tradingFlowDashboard()),
    "grafana/control-plane.json": json(controlPlaneDashboard()),
  };
}
