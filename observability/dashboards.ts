import {
  DEFAULT_CATALOGUE_SETTINGS,
  STAGE_LATENCY_P99_SECONDS,
  type CatalogueSettings,
} from "../components/observability/catalogue.ts";

interface Panel {
  title: string;
  /** PromQL and legend per series. */
  targets: [expr: string, legend: string][];
  unit: string;
  description: string;
  /** A red line at this value (the objective or the alert threshold). */
  threshold?: number;
}

const DATASOURCE = { type: "prometheus", uid: "${datasource}" };

/** A Grafana dashboard (schema 39) of time-series panels, two per row, with a Prometheus data source variable. */
function dashboard(uid: string, title: string, panels: Panel[]): object {
  return {
    uid,
    title,
    tags: ["alpha-orion"],
    timezone: "utc",
    schemaVersion: 39,
    refresh: "30s",
    time: { from: "now-6h", to: "now" },
    templating: {
      list: [
        { name: "datasource", label: "Prometheus", type: "datasource", query: "prometheus" },
        {
          name: "mode",
          label: "Mode",
          type: "custom",
          query: "sim,live",
          current: { text: "sim", value: "sim" },
        },
      ],
    },
    panels: panels.map((p, i) => ({
      id: i + 1,
      type: "timeseries",
      title: p.title,
      description: p.description,
      datasource: DATASOURCE,
      gridPos: { x: (i % 2) * 12, y: Math.floor(i / 2) * 8, w: 12, h: 8 },
      fieldConfig: {
        defaults: {
          unit: p.unit,
          ...(p.threshold === undefined
            ? {}
            : {
                custom: { thresholdsStyle: { mode: "line" } },
                thresholds: {
                  mode: "absolute",
                  steps: [
                    { color: "green", value: null },
                    { color: "red", value: p.threshold },
                  ],
                },
              }),
        },
        overrides: [],
      },
      targets: p.targets.map(([expr, legendFormat], j) => ({
        refId: String.fromCharCode(65 + j),
        datasource: DATASOURCE,
        expr,
        legendFormat,
      })),
    })),
  };
}

/** The trading flow: what the scanner finds, what the orchestrator decides, how fast, and what it earns. */
export function tradingFlowDashboard(): object {
  const stages = Object.keys(STAGE_LATENCY_P99_SECONDS);
  return dashboard("orion-trading-flow", "Alpha-Orion: trading flow", [
    {
      title: "Opportunities and orders per second",
      description: "Scanner output and the orders the orchestrator placed from it.",
      unit: "ops",
      targets: [
        ['orion:opportunities:rate5m{mode="$mode"}', "opportunities"],
        ['orion:orders:rate5m{mode="$mode"}', "orders"],
      ],
    },
    {
      title: "Risk rejections by rule",
      description: "Opportunities the orchestrator refused, per rule (decide.ts).",
      unit: "ops",
      targets: [['orion:rejections:rate5m{mode="$mode"}', "{{reason}}"]],
    },
    ...(["p99", "p50"] as const).map((q) => ({
      title: `Stage latency ${q} (block seen -> end of stage)`,
      description: `Per stage: ${stages.join(", ")}. The p99 objectives are the StageLatencyHigh alert's.`,
      unit: "s",
      targets: [[`orion:stage_latency_seconds:${q}_5m{mode="$mode"}`, "{{stage}}"]] as [string, string][],
    })),
    {
      title: "Trades by status",
      description: "Executor outcomes; reverted and dropped count towards TradeFailures.",
      unit: "ops",
      targets: [['orion:trades:rate5m{mode="$mode"}', "{{status}}"]],
    },
    {
      title: "Orders failing simulation",
      description: "Share of orders the executor's eth_call refused (OrderRejectionsHigh above 25%).",
      unit: "percentunit",
      threshold: 0.25,
      targets: [['orion:order_rejections:ratio_rate15m{mode="$mode"}', "rejected share"]],
    },
    {
      title: "Realized profit this epoch (base units)",
      description: "Float view for dashboards; the ledger in PostgreSQL is exact.",
      unit: "short",
      targets: [['orion:realized_profit_wei:sum{mode="$mode"}', "epoch {{epoch}}"]],
    },
    {
      title: "Daily loss / limit",
      description: "PnlDrawdown pages the emergency roster at 80%; the orchestrator halts at 100%.",
      unit: "percentunit",
      threshold: 0.8,
      targets: [['orion:daily_loss_ratio:max{mode="$mode"}', "loss / limit"]],
    },
  ]);
}

/** The control plane: the API's SLO, its latency, the database's replicas and the alerts firing now. */
export function controlPlaneDashboard(settings: CatalogueSettings = DEFAULT_CATALOGUE_SETTINGS): object {
  const budget = Number((1 - settings.availabilityGoal).toPrecision(6));
  return dashboard("orion-control-plane", "Alpha-Orion: control plane", [
    {
      title: "API requests per second by status",
      description: "Every route of the control-plane API.",
      unit: "reqps",
      targets: [["sum by (status) (rate(orion_api_requests_total[5m]))", "{{status}}"]],
    },
    {
      title: "API p99 latency",
      description: "ApiLatencyHigh warns above 2 s.",
      unit: "s",
      threshold: 2,
      targets: [["orion:api_latency_seconds:p99_5m", "p99"]],
    },
    {
      title: "Error budget burn rate",
      description: `5xx ratio divided by the budget (${budget}); 1 spends the budget exactly over 28 days.`,
      unit: "short",
      threshold: 14.4,
      targets: ["5m", "1h", "6h", "3d"].map((w) => [`orion:api_error_ratio:rate${w} / ${budget}`, w]),
    },
    {
      title: "Orders halted",
      description: "1 while the orchestrator refuses every order, by reason (kill switch, store, breaker).",
      unit: "short",
      targets: [["orion_orders_halted", "{{reason}}"]],
    },
    {
      title: "Cloud SQL replica lag",
      description: `ReplicaLagBeyondRpo pages above ${settings.replicaLagRpoSeconds}s (the RPO).`,
      unit: "s",
      threshold: settings.replicaLagRpoSeconds,
      targets: [["cloudsql_googleapis_com:database_replication_replica_lag", "{{database_id}}"]],
    },
    {
      title: "Alerts firing by severity",
      description: "Prometheus' own ALERTS series: warning, critical and their escalation to emergency.",
      unit: "short",
      targets: [['count by (severity) (ALERTS{alertstate="firing"})', "{{severity}}"]],
    },
  ]);
}
