/**
 * What every end-to-end run of the ERC-4337 route must show in its session report, whichever command ran it: at
 * least `minConfirmed` trades confirmed as user operations, each profitable, and each that nothing ran ahead of
 * (`precededBy` 0) realizing its prediction to the wei; every operation sent once. Returns the trades that were sent.
 */
import { expect } from "vitest";
import type { SessionReport } from "../../apps/platform/report.ts";

export function expectExactUserOperations(report: SessionReport, minConfirmed: number): SessionReport["trades"] {
  expect(report.execution).toBe("erc4337");
  const confirmed = report.trades.filter((t) => t.status === "confirmed");
  expect(confirmed.length).toBeGreaterThanOrEqual(minConfirmed);
  for (const t of confirmed) {
    expect(t.userOpHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(BigInt(t.realizedProfit ?? "-1")).toBeGreaterThan(0n);
    if (t.precededBy === 0) expect(t.realizedProfit).toBe(t.predictedProfit);
  }
  expect(confirmed.some((t) => t.precededBy === 0)).toBe(true);
  const sent = report.trades.filter((t) => t.userOpHash);
  const hashes = sent.map((t) => t.userOpHash);
  expect(new Set(hashes).size).toBe(hashes.length);
  return sent;
}

/** Whether a process of that pid still exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
