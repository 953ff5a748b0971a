import * as pulumi from "@pulumi/pulumi";
import * as logging from "@pulumi/gcp/logging/index.js";
import * as monitoring from "@pulumi/gcp/monitoring/index.js";
import { labelsFor, validateLabels, type Labels } from "../common/labels.ts";
import { DEFAULT_CATALOGUE_SETTINGS, validateCatalogueSettings, type CatalogueSettings } from "./catalogue.ts";
import { CIS_CHANGE_ALERTS, GCP_SEVERITY, rostersFor, type Severity } from "./cis.ts";
import { cloudAlertSpecs } from "./cloud-alerts.ts";

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
  /** API availability objective over 28 days; the catalogue's burn-rate alerts are computed for it. Default 0.995. */
  availabilityGoal?: number;
  /**
   * The secret-rotation reminders' subscriptions (Messaging): a reminder left unacknowledged is a secret due for
   * rotation, so it alerts the warning roster with the runbook to follow.
   */
  secretRotation?: { subscription: pulumi.Input<string>; deadLetterSubscription: pulumi.Input<string> };
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
 * Notification channels by severity, the operational alerts of the catalogue (catalogue.ts: error rate, latency per
 * stage, order rejections, trade failures, P&L drawdown, replica lag, multi-window SLO burn rates, each critical one
 * escalated to an emergency), the CIS change alerts, an uptime check, and a dashboard.
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
    const settings: CatalogueSettings = {
      availabilityGoal: args.availabilityGoal ?? DEFAULT_CATALOGUE_SETTINGS.availabilityGoal,
      replicaLagRpoSeconds: args.replicaLagRpoSeconds,
    };
    validateCatalogueSettings(settings, `Observability ${name}`);
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

    const run = 'resource.type="cloud_run_revision"';
    // The operational alerts are the catalogue's, evaluated as PromQL over Managed Service for Prometheus: the same
    // expressions as observability/prometheus/rules.yml. Metric validation is off because the bots' metrics exist
    // only once a bot has written them, and a first `pulumi up` precedes any bot.
    for (const spec of cloudAlertSpecs(settings)) {
      alerts.push({
        id: spec.id,
        title: spec.title,
        severity: spec.severity,
        condition: {
          displayName: spec.alertRule,
          conditionPrometheusQueryLanguage: {
            query: spec.query,
            duration: `${spec.durationSeconds}s`,
            evaluationInterval: "30s",
            ruleGroup: "orion-alerts",
            alertRule: spec.alertRule,
            labels: { severity: spec.severity, incident: spec.alertRule },
            disableMetricValidation: true,
          },
        },
        doc: spec.doc,
      });
    }

    if (args.secretRotation !== undefined) {
      const backlog = (subscription: pulumi.Input<string>, displayName: string) => ({
        displayName,
        conditionThreshold: threshold(
          pulumi.interpolate`resource.type="pubsub_subscription" AND resource.labels.subscription_id="${subscription}" AND metric.type="pubsub.googleapis.com/subscription/num_undelivered_messages"`,
          0,
          "300s",
          "ALIGN_MAX",
        ),
      });
      alerts.push(
        {
          id: "secret-rotation-due",
          title: "A secret is due for rotation",
          severity: "warning",
          condition: backlog(args.secretRotation.subscription, "rotation reminder waiting"),
          doc: "Secret Manager sent a rotation reminder (its attributes name the secret). Rotate it and acknowledge the reminder. Runbook: runbooks/secret-rotation.md.",
        },
        {
          id: "secret-rotation-dead-letter",
          title: "A secret-rotation reminder was dead-lettered",
          severity: "warning",
          condition: backlog(args.secretRotation.deadLetterSubscription, "dead-lettered rotation reminder"),
          doc: "A rotation reminder failed delivery five times and was dead-lettered. Rotate the secret it names, then acknowledge it on the dead-letter subscription. Runbook: runbooks/secret-rotation.md.",
        },
      );
    }

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
