import { describe, expect, it } from "vitest";
import { build, ofType, TEST_LABELS, TEST_PROJECT, unlabelled } from "../common/test-helpers.ts";
import { CIS_CHANGE_ALERTS, rostersFor } from "./cis.ts";
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

  it("covers replica lag against the RPO, executor failures, drawdown, an uptime check and SLO burn rates", async () => {
    const resources = await build(() => new Observability("obs", args));
    const names = ofType(resources, "AlertPolicy").map((p) => p.inputs.displayName as string);
    for (const expected of [
      /replica lag above the 30s RPO/,
      /Executor failures/,
      /drawdown/,
      /health check/,
      /burning 14.4x/,
      /5xx/,
      /latency/,
    ]) {
      expect(names.some((n) => expected.test(n))).toBe(true);
    }
    expect(ofType(resources, "UptimeCheckConfig")).toHaveLength(1);
    expect(ofType(resources, "Slo")[0]?.inputs.goal).toBe(0.995);
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

  it("refuses a severity nobody receives", async () => {
    await expect(
      build(() => new Observability("obs", { ...args, emails: { ...args.emails, emergency: [] } })),
    ).rejects.toThrow(/emails.emergency must list at least one address/);
  });
});
