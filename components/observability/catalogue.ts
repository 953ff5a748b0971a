import type { Severity } from "./cis.ts";

/**
 * The platform's SLIs and alerts, once. The Prometheus rule file (observability/prometheus/rules.yml) and the Cloud
 * Monitoring alert policies of the Observability component are both generated from this module, so the thresholds,
 * windows and severities an operator sees locally are the ones that page in the cloud.
 *
 * Expressions are PromQL over the bots' own /metrics (apps/metrics, apps/api) and, for Cloud SQL, over the metric
 * Google Cloud Managed Service for Prometheus exposes; Cloud Monitoring evaluates the same PromQL.
 */

export interface RecordingRule {
  record: string;
  expr: string;
}

export interface AlertRule {
  /** The Prometheus alertname and the `incident` label that one silence acknowledges (alert and escalation). */
  name: string;
  severity: Severity;
  /** PromQL; may use the recording rules above it by name. */
  expr: string;
  /** How long the expression must hold before the alert fires (Prometheus duration). */
  for: string;
  summary: string;
  /** What to do first; the runbook named is in runbooks/. */
  action: string;
  runbook: string;
}

export interface RuleGroup {
  name: string;
  interval: string;
  rules: readonly (RecordingRule | AlertRule)[];
}

export interface CatalogueSettings {
  /** Availability objective of the API (fraction of requests that are not 5xx) over 28 days. */
  availabilityGoal: number;
  /** Cloud SQL replica lag beyond this many seconds breaks the RPO. */
  replicaLagRpoSeconds: number;
}

export const DEFAULT_CATALOGUE_SETTINGS: CatalogueSettings = { availabilityGoal: 0.995, replicaLagRpoSeconds: 60 };

/** An unacknowledged critical alert becomes an emergency after this long. */
export const ESCALATE_AFTER = "30m";

/** Stage latency objectives (p99, seconds): detect and decide are CPU work; simulate and send wait on the RPC. */
export const STAGE_LATENCY_P99_SECONDS = { detect: 0.1, decide: 0.1, simulate: 0.5, send: 1 } as const;

/**
 * Multi-window, multi-burn-rate alerts from the SRE workbook: each fires only while both the long window (the budget
 * really is burning) and the short one (it still is) exceed the rate, so it resets soon after the cause is fixed.
 */
export const BURN_RATES = [
  { name: "ErrorBudgetBurnFast", rate: 14.4, long: "1h", short: "5m", severity: "critical", budget: "2% in 1 hour" },
  { name: "ErrorBudgetBurnMedium", rate: 6, long: "6h", short: "30m", severity: "warning", budget: "5% in 6 hours" },
  { name: "ErrorBudgetBurnSlow", rate: 1, long: "3d", short: "6h", severity: "warning", budget: "10% in 3 days" },
] as const;

const ERROR_WINDOWS = [...new Set(BURN_RATES.flatMap((b) => [b.short, b.long]))];

const errorRatio = (window: string) => `orion:api_error_ratio:rate${window}`;

export function isAlert(rule: RecordingRule | AlertRule): rule is AlertRule {
  return "name" in rule;
}

export function validateCatalogueSettings(s: CatalogueSettings, where: string): void {
  if (!(s.availabilityGoal > 0.9 && s.availabilityGoal < 1))
    throw new Error(`${where}: availabilityGoal must be in (0.9, 1), got ${s.availabilityGoal}`);
  if (!(Number.isInteger(s.replicaLagRpoSeconds) && s.replicaLagRpoSeconds >= 1))
    throw new Error(`${where}: replicaLagRpoSeconds must be a whole number of seconds >= 1`);
}

/** Every rule group, in evaluation order: the SLIs first, then the alerts on them, then the escalation. */
export function ruleGroups(settings: CatalogueSettings = DEFAULT_CATALOGUE_SETTINGS): RuleGroup[] {
  validateCatalogueSettings(settings, "alert catalogue");
  const budget = 1 - settings.availabilityGoal;
  const sli: RecordingRule[] = [
    ...ERROR_WINDOWS.map((w) => ({
      record: errorRatio(w),
      // `or vector(0)`: with no 5xx series at all the ratio is 0, not absent (absent would hide the SLI).
      expr:
        `(sum(rate(orion_api_requests_total{status=~"5.."}[${w}])) or vector(0))` +
        ` / sum(rate(orion_api_requests_total[${w}]))`,
    })),
    {
      record: "orion:api_latency_seconds:p99_5m",
      expr: "histogram_quantile(0.99, sum by (le) (rate(orion_api_request_duration_seconds_bucket[5m])))",
    },
    {
      record: "orion:stage_latency_seconds:p99_5m",
      expr: "histogram_quantile(0.99, sum by (le, mode, stage) (rate(orion_stage_latency_seconds_bucket[5m])))",
    },
    {
      record: "orion:stage_latency_seconds:p50_5m",
      expr: "histogram_quantile(0.5, sum by (le, mode, stage) (rate(orion_stage_latency_seconds_bucket[5m])))",
    },
    { record: "orion:opportunities:rate5m", expr: "sum by (mode) (rate(orion_opportunities_total[5m]))" },
    { record: "orion:orders:rate5m", expr: "sum by (mode) (rate(orion_orders_total[5m]))" },
    { record: "orion:rejections:rate5m", expr: "sum by (mode, reason) (rate(orion_rejections_total[5m]))" },
    { record: "orion:trades:rate5m", expr: "sum by (mode, status) (rate(orion_trades_total[5m]))" },
    {
      // Orders the executor's simulation refused, as a share of the orders placed.
      record: "orion:order_rejections:ratio_rate15m",
      expr:
        'sum by (mode) (rate(orion_trades_total{status="rejected"}[15m]))' +
        " / sum by (mode) (rate(orion_orders_total[15m]))",
    },
    {
      record: "orion:trade_failures:increase5m",
      expr: 'sum by (mode) (increase(orion_trades_total{status=~"reverted|dropped"}[5m]))',
    },
    { record: "orion:daily_loss_ratio:max", expr: "max by (mode) (orion_daily_loss_ratio)" },
    { record: "orion:realized_profit_wei:sum", expr: "sum by (mode, epoch) (orion_realized_profit_wei)" },
  ];

  // The objectives as a vector keyed by stage, so the comparison needs no selector on the recorded series (an
  // evaluator without the recording rules gets the expression inlined, and `(expr){stage="x"}` is not PromQL).
  const objectives = Object.entries(STAGE_LATENCY_P99_SECONDS)
    .map(([stage, s]) => `label_replace(vector(${s}), "stage", "${stage}", "", "")`)
    .join(" or ");
  const stageSlow = `orion:stage_latency_seconds:p99_5m > on (stage) group_left () (${objectives})`;
  const alerts: AlertRule[] = [
    {
      name: "ApiErrorRateHigh",
      severity: "critical",
      expr: `${errorRatio("5m")} > 0.02`,
      for: "5m",
      summary: "More than 2% of API requests fail with a 5xx",
      action: "Check the latest revision; roll back to the stable revision.",
      runbook: "runbooks/emergency-shutdown.md",
    },
    {
      name: "ApiLatencyHigh",
      severity: "warning",
      expr: "orion:api_latency_seconds:p99_5m > 2",
      for: "10m",
      summary: "API p99 latency above 2 s",
      action: "Check PostgreSQL and Redis latency first.",
      runbook: "runbooks/emergency-shutdown.md",
    },
    {
      name: "StageLatencyHigh",
      severity: "warning",
      expr: stageSlow,
      for: "10m",
      summary: "A trading stage is slower than its p99 objective (block seen -> end of stage)",
      action: "Slow detect/decide: CPU starvation; slow simulate/send: the RPC endpoints (check failover).",
      runbook: "runbooks/emergency-shutdown.md",
    },
    {
      name: "OrderRejectionsHigh",
      severity: "warning",
      expr: "orion:order_rejections:ratio_rate15m > 0.25",
      for: "15m",
      summary: "More than a quarter of orders fail their simulation",
      action: "The scanner's view of reserves is stale or gas is mispriced; compare the rejection reasons.",
      runbook: "runbooks/emergency-shutdown.md",
    },
    {
      name: "TradeFailures",
      severity: "critical",
      expr: "orion:trade_failures:increase5m >= 3",
      for: "0s",
      summary: "Three or more trades reverted or were dropped within 5 minutes",
      action: "Engage the kill switch if the cause is not understood.",
      runbook: "runbooks/emergency-shutdown.md",
    },
    {
      name: "OrdersHalted",
      severity: "critical",
      expr: 'max by (reason) (orion_orders_halted{reason!="kill-switch"}) == 1',
      for: "5m",
      summary: "The orchestrator has refused every order for 5 minutes (store down, breaker open, loss limit)",
      action: "Read the halt reason; restore the store or re-arm the breaker once the failures are understood.",
      runbook: "runbooks/emergency-shutdown.md",
    },
    {
      name: "PnlDrawdown",
      severity: "emergency",
      expr: "orion:daily_loss_ratio:max >= 0.8",
      for: "1m",
      summary: "Today's loss reached 80% of the daily loss limit",
      action: "The orchestrator halts at 100%; decide on the kill switch now.",
      runbook: "runbooks/emergency-shutdown.md",
    },
    {
      name: "ReplicaLagBeyondRpo",
      severity: "emergency",
      expr: `max by (database_id) (cloudsql_googleapis_com:database_replication_replica_lag) > ${settings.replicaLagRpoSeconds}`,
      for: "2m",
      summary: `A Cloud SQL replica is more than ${settings.replicaLagRpoSeconds}s behind (the RPO)`,
      action: "A failover now would lose data; read the runbook before promoting.",
      runbook: "runbooks/dr-failover.md",
    },
    ...BURN_RATES.map((b) => ({
      name: b.name,
      severity: b.severity,
      expr:
        `${errorRatio(b.long)} > ${round(b.rate * budget)}` + ` and ${errorRatio(b.short)} > ${round(b.rate * budget)}`,
      for: b.short === "5m" ? "2m" : "15m",
      summary: `The API burns its ${settings.availabilityGoal * 100}% availability budget ${b.rate}x (${b.budget})`,
      action: "At this rate the SLO is missed this period; find the failing route in the dashboard.",
      runbook: "runbooks/emergency-shutdown.md",
    })),
  ];

  return [
    { name: "orion-sli", interval: "30s", rules: sli },
    { name: "orion-alerts", interval: "30s", rules: alerts },
    { name: "orion-escalation", interval: "30s", rules: [ESCALATION] },
  ];
}

/**
 * Copies each critical alert that has fired this long as an emergency; `incident` is carried over from the critical
 * alert, so the one silence that acknowledges it also covers its escalation. Prometheus only: Cloud Monitoring has no
 * ALERTS series, and escalates by re-notifying the emergency roster instead (the Observability component).
 */
export const ESCALATION: AlertRule = {
  name: "CriticalUnacknowledged",
  severity: "emergency",
  expr: 'ALERTS{alertstate="firing", severity="critical"}',
  for: ESCALATE_AFTER,
  summary: `A critical alert has been firing for ${ESCALATE_AFTER} without acknowledgement`,
  action: "Acknowledge the critical alert (a silence on its incident label) or hand over to the emergency roster.",
  runbook: "runbooks/emergency-shutdown.md",
};

/** The catalogue's alerts, each with its recording rules inlined: what an evaluator without those rules runs. */
export function standaloneAlerts(settings: CatalogueSettings = DEFAULT_CATALOGUE_SETTINGS): AlertRule[] {
  const groups = ruleGroups(settings);
  const recorded = new Map(
    groups.flatMap((g) => g.rules.filter((r): r is RecordingRule => !isAlert(r)).map((r) => [r.record, r.expr])),
  );
  const inline = (expr: string): string =>
    expr.replace(/orion:[a-z0-9_]+:[a-z0-9_]+/g, (name) => {
      const body = recorded.get(name);
      if (body === undefined) throw new Error(`alert catalogue: ${name} is used but never recorded`);
      return `(${body})`;
    });
  return groups
    .flatMap((g) => g.rules.filter(isAlert))
    .filter((a) => a !== ESCALATION)
    .map((a) => ({ ...a, expr: inline(a.expr) }));
}

function round(x: number): number {
  return Number(x.toPrecision(6));
}
