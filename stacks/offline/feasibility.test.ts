import { describe, expect, it } from "vitest";
import { checkFeasibility } from "../../policies/feasibility-check.ts";
import { captureStack, type PlanCapture } from "./capture.ts";

const feasibility = (plan: PlanCapture) => checkFeasibility(plan.resources.map((r) => ({ ...r, outputs: r.inputs })));
const ofType = (plan: PlanCapture, type: string) => plan.resources.filter((r) => r.type === type);

describe("a first `pulumi up` converges: every stack's plan passes every feasibility rule", () => {
  it.each(["dev", "staging", "prod"])("%s", async (stack) => {
    const plan = await captureStack(stack);
    expect(await feasibility(plan)).toEqual([]);
    // What the rules read is really there: pinned secret versions, one mount per instance, declared metrics.
    for (const svc of ofType(plan, "gcp:cloudrunv2/service:Service")) {
      const envs = (svc.inputs.template as { containers: { envs: { valueSource?: unknown }[] }[] }).containers[0]?.envs;
      const refs = (envs ?? []).flatMap((e) => (e.valueSource ? [e.valueSource] : []));
      expect(refs.length).toBeGreaterThan(0);
      for (const ref of refs) expect(ref).not.toMatchObject({ secretKeyRef: { version: "latest" } });
    }
    // Each alert on a log-based metric is created after the metric it reads.
    const metrics = ofType(plan, "gcp:logging/metric:Metric");
    const onLogMetrics = ofType(plan, "gcp:monitoring/alertPolicy:AlertPolicy").filter((a) =>
      JSON.stringify(a.inputs.conditions).includes("logging.googleapis.com/user/"),
    );
    expect(onLogMetrics.length).toBeGreaterThan(0);
    for (const a of onLogMetrics) expect(metrics.some((m) => a.dependencies.includes(m.urn))).toBe(true);
  });

  it("a first deploy before operators add secret versions holds back the bots and the load balancer", async () => {
    const plan = await captureStack("staging", { config: { "alpha-orion:secretVersions": {} } });
    expect(await feasibility(plan)).toEqual([]);
    expect(ofType(plan, "gcp:cloudrunv2/service:Service")).toEqual([]);
    expect(ofType(plan, "gcp:compute/backendService:BackendService")).toEqual([]);
    expect(ofType(plan, "gcp:secretmanager/secret:Secret").map((s) => s.inputs.secretId)).toContain(
      "orion-staging-rpc-urls",
    );
    expect(ofType(plan, "gcp:redis/instance:Instance")).toHaveLength(2);
  });
});
