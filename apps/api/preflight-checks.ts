import type { ApiContext } from "./context.ts";
import { latestSignedReport, mandatoryViolations } from "./compliance-reports.ts";
import { verifySignedReport } from "./report-trust.ts";
import { notConfigured, type ChainChecks, type PreflightCheck } from "./preflight.ts";

/** The pre-flight list of POST /mode/validate and of live approvals, in the order operators read it. */
export function buildPreflightChecks(ctx: ApiContext, chain: ChainChecks): PreflightCheck[] {
  return [
    { name: "rpc", requiredFor: ["sim", "live"], run: chain.rpc ?? notConfigured("RPC") },
    { name: "executor", requiredFor: ["live"], run: chain.executor ?? notConfigured("executor contract") },
    { name: "signer", requiredFor: ["live"], run: chain.signer ?? notConfigured("signer") },
    // Listed only for a run on the ERC-4337 route: the EOA route has nothing of it to check.
    ...(chain.erc4337 ? [{ name: "erc4337", requiredFor: ["live"] as const, run: chain.erc4337 }] : []),
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
        // Redis carries the bus in the cloud; a session with PostgreSQL state (npm start) has its bus in-process.
        await ctx.state.ping();
        return { ok: true, detail: ctx.state.backend === "redis" ? "Redis answers" : "in-process; PostgreSQL answers" };
      },
    },
    {
      name: "compliance",
      requiredFor: ["live"],
      // Only the platform's own stack, signed by CI, recent: a clean report of another stack, an unsigned one, or an
      // old one unlocks nothing. The stored JWS is verified again here, so a row written into the table without a
      // valid signature counts for nothing either.
      run: async () => {
        const trust = ctx.reportTrust;
        if (!trust) {
          return { ok: false, detail: "no CI report key configured: set ORION_STACK and ORION_REPORT_PUBLIC_KEY" };
        }
        const jws = await latestSignedReport(ctx.pool, trust.stack);
        if (jws === null) {
          return { ok: false, detail: `no signed compliance report for stack ${trust.stack}: record CI's report` };
        }
        const report = await verifySignedReport(jws, trust.publicKey);
        if (report.source.stack !== trust.stack)
          return { ok: false, detail: `the signed report is for stack ${report.source.stack}, not ${trust.stack}` };
        const ageSeconds = Math.floor((ctx.clock().getTime() - Date.parse(report.generatedAt)) / 1000);
        if (ageSeconds > trust.maxAgeSeconds) {
          return {
            ok: false,
            detail: `the signed report for ${trust.stack} of ${report.generatedAt} is older than ${trust.maxAgeSeconds} s`,
          };
        }
        const mandatory = mandatoryViolations(report);
        return mandatory === 0
          ? { ok: true, detail: `signed report for ${trust.stack} of ${report.generatedAt}: no mandatory violations` }
          : {
              ok: false,
              detail: `signed report for ${trust.stack} of ${report.generatedAt}: ${mandatory} mandatory violations`,
            };
      },
    },
  ];
}
