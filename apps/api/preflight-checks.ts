import type { ApiContext } from "./context.ts";
import { latestComplianceReport } from "./compliance-reports.ts";
import { notConfigured, type ChainChecks, type PreflightCheck } from "./preflight.ts";

/** The pre-flight list of POST /mode/validate and of live approvals, in the order operators read it. */
export function buildPreflightChecks(ctx: ApiContext, chain: ChainChecks): PreflightCheck[] {
  return [
    { name: "rpc", requiredFor: ["sim", "live"], run: chain.rpc ?? notConfigured("RPC") },
    { name: "executor", requiredFor: ["live"], run: chain.executor ?? notConfigured("executor contract") },
    { name: "signer", requiredFor: ["live"], run: chain.signer ?? notConfigured("signer") },
    {
      name: "risk-limits",
      requiredFor: ["sim", "live"],
      run: async () => {
        const { limits } = await ctx.control.read();
        const unset = (
          ["defaultMaxAmountIn", "maxOpenExposureWei", "dailyLossLimitWei", "minProfitAfterGasWei"] as const
        ).filter((k) => limits[k] === 0n);
        return unset.length === 0
          ? { ok: true, detail: `limits set (max consecutive failures ${limits.maxConsecutiveFailures})` }
          : { ok: false, detail: `limits not set: ${unset.join(", ")}` };
      },
    },
    {
      name: "kill-switch",
      requiredFor: ["live"],
      run: async () => {
        const { killSwitch } = await ctx.control.read();
        return killSwitch.engaged
          ? { ok: false, detail: `engaged since ${killSwitch.since}: ${killSwitch.reason}` }
          : { ok: true, detail: "released" };
      },
    },
    {
      name: "database",
      requiredFor: ["sim", "live"],
      run: async () => {
        await ctx.pool.query("SELECT 1");
        return { ok: true, detail: "PostgreSQL answers" };
      },
    },
    {
      name: "bus",
      requiredFor: ["sim", "live"],
      run: async () => {
        const pong = await ctx.redis.ping();
        return { ok: pong === "PONG", detail: pong === "PONG" ? "Redis answers" : `Redis said ${pong}` };
      },
    },
    {
      name: "compliance",
      requiredFor: ["live"],
      run: async () => {
        const latest = await latestComplianceReport(ctx.pool, null);
        if (latest === null)
          return { ok: false, detail: "no compliance report recorded: run `orion compliance report`" };
        return latest.mandatory === 0
          ? { ok: true, detail: `report for ${latest.stack} of ${latest.generatedAt}: no mandatory violations` }
          : {
              ok: false,
              detail: `report for ${latest.stack} of ${latest.generatedAt}: ${latest.mandatory} mandatory violations`,
            };
      },
    },
  ];
}
