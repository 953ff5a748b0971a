import * as pulumi from "@pulumi/pulumi";
import * as logging from "@pulumi/gcp/logging/index.js";
import * as monitoring from "@pulumi/gcp/monitoring/index.js";
import { labelsFor, validateLabels, type Labels } from "../common/labels.ts";
import { CIS_CHANGE_ALERTS, GCP_SEVERITY, rostersFor, type Severity } from "./cis.ts";

export interface ObservabilityArgs {
  project: string;
  prefix: string;
  /** Email rosters per severity; every severity needs at least one address. */
  emails: Record<Severity, readonly string[]>;
  /** PagerDuty integration key (a secret): when given, critical and emergency alerts also page. */
  pagerdutyServiceKey?: pulumi.Input<string>;
  /** Public host probed by the uptime check. */
  domain: string;
  /** Cloud SQL replica lag beyond this many seconds breaks the RPO. */
  replicaLagRpoSeconds: number;
  /** API availability objective over 28 days. Default 0.995. */
  availabilityGoal?: number;
  labels: Labels;
}

interface AlertSpec {
  id: string;
  title: string;
  severity: Severity;
  condition: monitoring.AlertPolicyArgs["conditions"] extends pulumi.Input<(infer C)[]> ? C : never;
  doc: string;
}

const threshold = (filter: pulumi.Input<string>, value: number, duration: string, aligner = "ALIGN_RATE") => ({
  filter,
  comparison: "COMPARISON_GT",
  thresholdValue: value,
  duration,
  aggregations: [{ alignmentPeriod: "60s", perSeriesAligner: aligner }],
});

/**
 * Notification channels by severity, the operational alerts (errors, latency, replica lag, executor failures, P&L
 * drawdown), the CIS change alerts, an uptime check, an availability SLO with burn-rate alerts, and a dashboard.
 */
export class Observability extends pulumi.ComponentResource {
  readonly channelIds: Record<Severity, pulumi.Output<string>[]>;
  readonly alertPolicyIds: pulumi.Output<string>[];

  constructor(name: string, args: ObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
    for (const severity of ["warning", "critical", "emergency"] as const) {
      if ((args.emails[severity] ?? []).length === 0) {
        throw new Error(
          `Observability ${name}: emails.${severity} must list at least one address: every alert needs a recipient`,
        );
      }
    }
    const goal = args.availabilityGoal ?? 0.995;
    if (!(goal > 0.9 && goal < 1))
      throw new Error(`Observability ${name}: availabilityGoal must be in (0.9, 1), got ${goal}`);
    validateLabels(args.labels, `Observability ${name}`);
    super("alpha-orion:platform:Observability", name, {}, opts);
    const parent = { parent: this };
    const project = args.project;

    this.channelIds = { warning: [], critical: [], emergency: [] };
    for (const [severity, emails] of Object.entries(args.emails) as [Severity, readonly string[]][]) {
      emails.forEach((email, i) => {
        const channel = new monitoring.NotificationChannel(
          `${name}-${severity}-email-${i}`,
          {
            project,
            displayName: `${args.prefix} ${severity}: ${email}`,
            type: "email",
            labels: { email_address: email },
            userLabels: labelsFor(args.labels, { severity }),
          },
          parent,
        );
        this.channelIds[severity].push(channel.id);
      });
    }
    if (args.pagerdutyServiceKey !== undefined) {
      for (const severity of ["critical", "emergency"] as const) {
        const channel = new monitoring.NotificationChannel(
          `${name}-${severity}-pagerduty`,
          {
            project,
            displayName: `${args.prefix} ${severity}: PagerDuty`,
            type: "pagerduty",
            sensitiveLabels: { serviceKey: pulumi.secret(args.pagerdutyServiceKey) },
            userLabels: labelsFor(args.labels, { severity }),
          },
          parent,
        );
        this.channelIds[severity].push(channel.id);
      }
    }
    const channelsFor = (severity: Severity): pulumi.Output<string>[] =>
      rostersFor(severity).flatMap((s) => this.channelIds[s]);

    const logMetric = (id: string, filter: string, description: string): logging.Metric =>
      new logging.Metric(
        `${name}-${id}`,
        {
          project,
          name: `${args.prefix}/${id}`,
          description,
          filter,
          metricDescriptor: { metricKind: "DELTA", valueType: "INT64", unit: "1" },
        },
        parent,
      );

    const alerts: AlertSpec[] = [];
    for (const change of CIS_CHANGE_ALERTS) {
      const metric = logMetric(change.id, change.filter, `CIS ${change.cis}: ${change.title}`);
      alerts.push({
        id: change.id,
        title: `CIS ${change.cis}: ${change.title}`,
        severity: "critical",
        condition: {
          displayName: change.title,
          conditionThreshold: threshold(
            pulumi.interpolate`resource.type="global" AND metric.type="logging.googleapis.com/user/${metric.name}"`,
            0,
            "0s",
            "ALIGN_COUNT",
          ),
        },
        doc: `An audited change of this kind happened (CIS ${change.cis}). Confirm it was planned; otherwise follow the incident runbook.`,
      });
    }

    const executorFailures = logMetric(
      "executor-failures",
      'resource.type="cloud_run_revision" AND jsonPayload.component="executor" AND jsonPayload.event="trade.failed"',
      "Executor trades that reverted, were dropped or failed to send",
    );
    // A custom metric exists only once declared (or first written): an alert on it fails to create before then, so
    // the descriptor is declared here and the alert reads its type from it, which orders the two (FEAS-003).
    const drawdown = new monitoring.MetricDescriptor(
      `${name}-pnl-drawdown`,
      {
        project,
        type: "custom.googleapis.com/orion/pnl/drawdown_ratio",
        displayName: "Orion P&L drawdown ratio",
        description: "Current drawdown as a fraction of the configured drawdown limit (1 = the orchestrator halts).",
        metricKind: "GAUGE",
        valueType: "DOUBLE",
        unit: "1",
        labels: [{ key: "mode", valueType: "STRING", description: "sim or live" }],
      },
      parent,
    );
    const run = 'resource.type="cloud_run_revision"';
    alerts.push(
      {
        id: "api-error-rate",
        title: "API 5xx rate above 2%",
        severity: "critical",
        condition: {
          displayName: "5xx ratio",
          conditionThreshold: {
            ...threshold(
              `${run} AND metric.type="run.googleapis.com/request_count" AND metric.labels.response_code_class="5xx"`,
              0.02,
              "300s",
            ),
            denominatorFilter: `${run} AND metric.type="run.googleapis.com/request_count"`,
            denominatorAggregations: [{ alignmentPeriod: "60s", perSeriesAligner: "ALIGN_RATE" }],
          },
        },
        doc: "More than 2% of API requests fail. Check the latest revision; roll back by setting rollout to blue-green on the stable revision.",
      },
      {
        id: "api-latency",
        title: "API p99 latency above 2 s",
        severity: "warning",
        condition: {
          displayName: "p99 latency",
          conditionThreshold: threshold(
            `${run} AND metric.type="run.googleapis.com/request_latencies"`,
            2000,
            "300s",
            "ALIGN_PERCENTILE_99",
          ),
        },
        doc: "Requests are slow. Check Cloud SQL and Redis latency first.",
      },
      {
        id: "replica-lag",
        title: `Cloud SQL replica lag above the ${args.replicaLagRpoSeconds}s RPO`,
        severity: "emergency",
        condition: {
          displayName: "replica lag",
          conditionThreshold: threshold(
            'resource.type="cloudsql_database" AND metric.type="cloudsql.googleapis.com/database/replication/replica_lag"',
            args.replicaLagRpoSeconds,
            "120s",
            "ALIGN_MAX",
          ),
        },
        doc: "A replica is behind the RPO: a failover now would lose data. See runbooks/dr-failover.md before promoting.",
      },
      {
        id: "executor-failures",
        title: "Executor failures",
        severity: "critical",
        condition: {
          displayName: "failed trades",
          conditionThreshold: threshold(
            pulumi.interpolate`resource.type="cloud_run_revision" AND metric.type="logging.googleapis.com/user/${executorFailures.name}"`,
            3,
            "300s",
            "ALIGN_COUNT",
          ),
        },
        doc: "Several trades failed in five minutes. Engage the kill switch if the cause is not understood.",
      },
      {
        id: "pnl-drawdown",
        title: "P&L drawdown beyond the risk limit",
        severity: "emergency",
        condition: {
          displayName: "drawdown",
          conditionThreshold: threshold(pulumi.interpolate`metric.type="${drawdown.type}"`, 0.8, "60s", "ALIGN_MAX"),
        },
        doc: "Drawdown reached 80% of the configured limit. The orchestrator halts at 100%; decide on the kill switch now.",
      },
    );

    const uptime = new monitoring.UptimeCheckConfig(
      `${name}-api-uptime`,
      {
        project,
        displayName: `${args.prefix} API health`,
        timeout: "10s",
        period: "60s",
        httpCheck: { path: "/healthz", port: 443, useSsl: true, validateSsl: true, requestMethod: "GET" },
        monitoredResource: { type: "uptime_url", labels: { project_id: project, host: args.domain } },
        userLabels: labelsFor(args.labels),
      },
      parent,
    );
    alerts.push({
      id: "api-uptime",
      title: "API health check failing",
      severity: "emergency",
      condition: {
        displayName: "uptime",
        conditionThreshold: {
          ...threshold(
            pulumi.interpolate`resource.type="uptime_url" AND metric.type="monitoring.googleapis.com/uptime_check/check_passed" AND metric.labels.check_id="${uptime.uptimeCheckId}"`,
            1,
            "120s",
            "ALIGN_NEXT_OLDER",
          ),
          comparison: "COMPARISON_LT",
          trigger: { count: 2 },
        },
      },
      doc: "The public API fails its health check from several locations.",
    });

    const service = new monitoring.CustomService(
      `${name}-api`,
      {
        project,
        serviceId: `${args.prefix}-api`,
        displayName: `${args.prefix} API`,
        userLabels: labelsFor(args.labels),
      },
      parent,
    );
    const slo = new monitoring.Slo(
      `${name}-api-availability`,
      {
        project,
        service: service.serviceId,
        sloId: "availability",
        displayName: `API availability ${goal * 100}%`,
        goal,
        rollingPeriodDays: 28,
        requestBasedSli: {
          goodTotalRatio: {
            totalServiceFilter: `${run} AND metric.type="run.googleapis.com/request_count"`,
            badServiceFilter: `${run} AND metric.type="run.googleapis.com/request_count" AND metric.labels.response_code_class="5xx"`,
          },
        },
        userLabels: labelsFor(args.labels),
      },
      parent,
    );
    // Multi-window burn rates from the SRE workbook: 14.4x over 1h pages, 6x over 6h warns.
    for (const [window, rate, severity] of [
      ["3600s", 14.4, "critical"],
      ["21600s", 6, "warning"],
    ] as const) {
      alerts.push({
        id: `slo-burn-${window}`,
        title: `API error budget burning ${rate}x over ${Number.parseInt(window) / 3600}h`,
        severity,
        condition: {
          displayName: `burn rate ${window}`,
          conditionThreshold: {
            filter: pulumi.interpolate`select_slo_burn_rate("${slo.name}", "${window}")`,
            comparison: "COMPARISON_GT",
            thresholdValue: rate,
            duration: "0s",
          },
        },
        doc: "The API is spending its error budget too fast; at this rate the SLO is missed this period.",
      });
    }

    this.alertPolicyIds = alerts.map(
      (a) =>
        new monitoring.AlertPolicy(
          `${name}-${a.id}`,
          {
            project,
            displayName: `${args.prefix}: ${a.title}`,
            combiner: "OR",
            severity: GCP_SEVERITY[a.severity],
            conditions: [a.condition],
            notificationChannels: channelsFor(a.severity),
            documentation: { content: a.doc, mimeType: "text/markdown" },
            alertStrategy: { autoClose: "86400s" },
            userLabels: labelsFor(args.labels, { severity: a.severity }),
          },
          parent,
        ).id,
    );

    new monitoring.Dashboard(
      `${name}-overview`,
      {
        project,
        dashboardJson: JSON.stringify({
          displayName: `${args.prefix} overview`,
          mosaicLayout: {
            columns: 12,
            tiles: [
              ["Requests by status", `${run} AND metric.type="run.googleapis.com/request_count"`],
              ["Latency p99", `${run} AND metric.type="run.googleapis.com/request_latencies"`],
              [
                "Replica lag",
                'resource.type="cloudsql_database" AND metric.type="cloudsql.googleapis.com/database/replication/replica_lag"',
              ],
              [
                "Redis memory",
                'resource.type="redis_instance" AND metric.type="redis.googleapis.com/stats/memory/usage_ratio"',
              ],
            ].map(([title, filter], i) => ({
              xPos: (i % 2) * 6,
              yPos: Math.floor(i / 2) * 4,
              width: 6,
              height: 4,
              widget: { title, xyChart: { dataSets: [{ timeSeriesQuery: { timeSeriesFilter: { filter } } }] } },
            })),
          },
        }),
      },
      parent,
    );

    this.registerOutputs({ channelIds: this.channelIds, alertPolicyIds: this.alertPolicyIds });
  }
}
