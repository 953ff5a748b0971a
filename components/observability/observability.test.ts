import { describe, expect, it } from "vitest";
import { build, ofType, TEST_LABELS, TEST_PROJECT, unlabelled } from "../common/test-helpers.ts";
import { CIS_CHANGE_ALERTS, rostersFor } from "./cis.ts";
import { standaloneAlerts } from "./catalogue.ts";
import { cloudAlertSpecs, durationSeconds } from "./cloud-alerts.ts";
import { Observability } from "./observability.ts";

const args = {
  project: TEST_PROJECT,
  prefix: "orion-test",
  emails: { warning: ["w@example.com"], critical: ["c@example.com"], emergency: ["e@example.com"] },
  domain: "api.example.com",
  replicaLagRpoSeconds: 30,
  labels: TEST_LABELS,
};

describe("rostersFor", () => {
  it("escalates upwards", () => expect(rostersFor("emergency")).toEqual(["warning", "critical", "emergency"]));
});

describe("Observability", () => {
  it("alerts on every CIS change kind through a log-based metric, with channels (LOG-004)", async () => {
    const resources = await build(() => new Observability("obs", args));
    const metrics = ofType(resources, "gcp:logging/metric:Metric").map((m) => m.inputs.filter);
    for (const change of CIS_CHANGE_ALERTS) expect(metrics).toContain(change.filter);
    const policies = ofType(resources, "AlertPolicy");
    expect(policies.length).toBeGreaterThanOrEqual(CIS_CHANGE_ALERTS.length + 5);
    for (const p of policies) expect((p.inputs.notificationChannels as string[]).length).toBeGreaterThan(0);
    expect(unlabelled(resources)).toEqual([]);
  });

  it("alerts with the catalogue's PromQL, thresholds and severities: the Prometheus rules cannot drift", async () => {
    const resources = await build(() => new Observability("obs", { ...args, availabilityGoal: 0.999 }));
    const promql = ofType(resources, "AlertPolicy").flatMap((p) => {
      const c = (p.inputs.conditions as { conditionPrometheusQueryLanguage?: Record<string, unknown> }[])[0];
      return c?.conditionPrometheusQueryLanguage
        ? [{ policy: p.inputs, condition: c.conditionPrometheusQueryLanguage }]
        : [];
    });
    const specs = cloudAlertSpecs({ availabilityGoal: 0.999, replicaLagRpoSeconds: 30 });
    expect(promql.map((p) => p.condition.query).sort()).toEqual(specs.map((s) => s.query).sort());
    for (const alert of standaloneAlerts({ availabilityGoal: 0.999, replicaLagRpoSeconds: 30 })) {
      const p = promql.find((x) => x.condition.alertRule === alert.name && x.condition.labels);
      expect(p?.condition).toMatchObject({ query: alert.expr, duration: `${durationSeconds(alert.for)}s` });
    }
    // The RPO and the availability goal reach the expressions: 30 s lag, 14.4 x 0.1% budget.
    expect(promql.map((p) => p.condition.query).join("\n")).toMatch(/replica_lag\) > 30\b/);
    expect(promql.map((p) => p.condition.query).join("\n")).toContain("> 0.0144");
    expect(ofType(resources, "UptimeCheckConfig")).toHaveLength(1);
  });

  it("escalates every critical alert to the emergency roster after 30 more minutes", async () => {
    const resources = await build(() => new Observability("obs", args));
    const policies = ofType(resources, "AlertPolicy");
    const tradeFailures = policies.filter((p) => /trades reverted/.test(p.inputs.displayName as string));
    expect(tradeFailures.map((p) => p.inputs.severity)).toEqual(["ERROR", "CRITICAL"]);
    const [critical, escalated] = tradeFailures.map(
      (p) =>
        (p.inputs.conditions as { conditionPrometheusQueryLanguage: { duration: string } }[])[0]
          ?.conditionPrometheusQueryLanguage.duration,
    );
    expect([critical, escalated]).toEqual(["0s", "1800s"]);
    const channels = tradeFailures.map((p) => (p.inputs.notificationChannels as string[]).length);
    expect(channels[1]).toBeGreaterThan(channels[0] ?? 0);
  });

  it("pages through PagerDuty with a key that never appears in the plan", async () => {
    const resources = await build(
      () => new Observability("obs", { ...args, pagerdutyServiceKey: "pd-integration-key" }),
    );
    const pd = ofType(resources, "NotificationChannel").filter((c) => c.inputs.type === "pagerduty");
    expect(pd).toHaveLength(2);
    for (const c of pd) expect(c.inputs.sensitiveLabels).toEqual({ serviceKey: "[secret]" });
    expect(JSON.stringify(resources)).not.toContain("pd-integration-key");
  });

  it("alerts the warning roster when a rotation reminder or a dead-lettered one waits, naming the runbook (SEC-002)", async () => {
    const secretRotation = { subscription: "orion-test-secret-rotation", deadLetterSubscription: "orion-test-dl" };
    const resources = await build(() => new Observability("obs", { ...args, secretRotation }));
    const rotation = ofType(resources, "AlertPolicy").filter((p) => String(p.name).includes("secret-rotation"));
    expect(rotation.map((p) => p.inputs.severity)).toEqual(["WARNING", "WARNING"]);
    const filters = rotation.map(
      (p) => (p.inputs.conditions as { conditionThreshold: { filter: string } }[])[0]?.conditionThreshold.filter,
    );
    expect(filters.sort()).toEqual(
      ["orion-test-dl", "orion-test-secret-rotation"].map(
        (s) =>
          `resource.type="pubsub_subscription" AND resource.labels.subscription_id="${s}" AND metric.type="pubsub.googleapis.com/subscription/num_undelivered_messages"`,
      ),
    );
    for (const p of rotation) {
      expect((p.inputs.documentation as { content: string }).content).toContain("runbooks/secret-rotation.md");
      expect((p.inputs.notificationChannels as string[]).length).toBeGreaterThan(0);
    }
    const without = await build(() => new Observability("obs", args));
    expect(ofType(without, "AlertPolicy").some((p) => String(p.name).includes("secret-rotation"))).toBe(false);
  });

  it("refuses a severity nobody receives", async () => {
    await expect(
      build(() => new Observability("obs", { ...args, emails: { ...args.emails, emergency: [] } })),
    ).rejects.toThrow(/emails.emergency must list at least one address/);
  });
});
