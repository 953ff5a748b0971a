import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { testDir } from "../../test/support/test-dir.ts";
import { formatAmount } from "./console-view.ts";
import { LatencyRecorder, percentile } from "./latency.ts";
import { reportTrade, sessionReportSchema, writeReport, type SessionReport } from "./report.ts";

const A = (n: number) => "0x" + n.toString(16).padStart(40, "0");

const report: SessionReport = {
  mode: "live",
  epoch: 3,
  chainId: 31337,
  blocks: { from: 10, to: 40 },
  executor: { address: A(0xe), nonceStart: 0, nonceEnd: 1 },
  opportunities: 12,
  orders: 1,
  trades: [
    {
      id: "t1",
      mode: "live",
      blockNumber: 11,
      txHash: "0x" + "ab".repeat(32),
      status: "confirmed",
      baseToken: A(1),
      pools: [A(2), A(3)],
      amountIn: "1000000000000000000",
      predictedProfit: "123",
      realizedProfit: "123",
      gasUsed: "181676",
      precededBy: 0,
    },
  ],
  latencyMs: {
    detect: { p50: 1, p99: 2 },
    decide: { p50: 1, p99: 2 },
    simulate: { p50: 3, p99: 4 },
    send: { p50: 5, p99: 6 },
  },
};

describe("session report", () => {
  it("is written atomically and reads back equal; an invalid report leaves the old file untouched", async () => {
    const dir = await testDir("orion-report");
    const file = join(dir, "r.json");
    await writeReport(file, report);
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual(report);
    await expect(writeReport(file, { ...report, mode: "paper" } as unknown as SessionReport)).rejects.toThrow();
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual(report);
    expect(await readdir(dir)).toEqual(["r.json"]);
  });

  it("shows only final trades; an unsent trade used no gas and had nothing ahead of it", () => {
    const row = {
      id: "t",
      opportunityId: "o",
      mode: "sim" as const,
      epoch: 1,
      blockNumber: 9,
      txHash: null,
      baseToken: A(1),
      pools: [A(2), A(3)],
      tokens: [A(1), A(4), A(1)],
      amountIn: 10n ** 30n,
      predictedProfit: 7n,
      simulatedProfit: 7n,
      realizedProfit: null,
      gasUsed: null,
      gasEstimate: null,
      precededBy: null,
      reason: null,
      createdAt: new Date(),
      route: "eoa" as const,
      userOpHash: null,
      gasCostWei: null,
      flashSource: "aave-v3" as const,
      protocols: ["uniswap-v3" as const, "uniswap-v2" as const],
    };
    expect(reportTrade({ ...row, status: "simulated" })).toMatchObject({
      amountIn: "1" + "0".repeat(30),
      gasUsed: "0",
      precededBy: 0,
      realizedProfit: null,
      route: [
        { pool: A(2), protocol: "uniswap-v3" },
        { pool: A(3), protocol: "uniswap-v2" },
      ],
      flashSource: "aave-v3",
    });
    // A row from before lenders and V3 pools: all V2, and no source named.
    const old = reportTrade({ ...row, status: "simulated", flashSource: null, protocols: null });
    expect(old?.route?.map((h) => h.protocol)).toEqual(["uniswap-v2", "uniswap-v2"]);
    expect(old).not.toHaveProperty("flashSource");
    expect(reportTrade({ ...row, status: "sent" })).toBeNull();
    expect(
      sessionReportSchema.safeParse({ ...report, trades: [reportTrade({ ...row, status: "simulated" })] }).success,
    ).toBe(true);
  });

  it("refuses a report that breaks the contract (unknown field, float amount)", async () => {
    expect(sessionReportSchema.safeParse({ ...report, extra: 1 }).success).toBe(false);
    const t = { ...report.trades[0]!, amountIn: "1.5" };
    expect(sessionReportSchema.safeParse({ ...report, trades: [t] }).success).toBe(false);
    const dir = await testDir("orion-report");
    await writeFile(join(dir, "keep.json"), "old");
    await expect(writeReport(join(dir, "keep.json"), { ...report, trades: [t] })).rejects.toThrow();
    expect(await readFile(join(dir, "keep.json"), "utf8")).toBe("old");
  });
});

describe("latency and amounts", () => {
  it("nearest-rank percentiles", () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBe(0);
    const r = new LatencyRecorder();
    for (const x of [3, 1, 2]) r.add("decide", x);
    expect(r.all()).toEqual({ decide: { p50: 2, p99: 3, n: 3 } });
  });

  it.each([
    [1_234_567_890_123_456_789n, 18, "1.234567"],
    [1n, 18, "0"],
    [5_000_000n, 6, "5"],
    [-15_000_000_000_000_000n, 18, "-0.015"],
    [10n ** 40n, 18, "10000000000000000000000"],
  ])("formats %s with %i decimals exactly as %s", (v, d, s) => {
    expect(formatAmount(v, d)).toBe(s);
  });
});
