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
    const [descriptor] = ofType(plan, "gcp:monitoring/metricDescriptor:MetricDescriptor");
    const drawdown = ofType(plan, "gcp:monitoring/alertPolicy:AlertPolicy").find((a) =>
      a.name.endsWith("pnl-drawdown"),
    );
    expect(drawdown?.dependencies).toContain(descriptor?.urn);
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
