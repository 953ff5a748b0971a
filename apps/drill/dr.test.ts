import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { z } from "zod";

const run = promisify(execFile);
const root = new URL("../../", import.meta.url).pathname;

// The fixed contract of DESIGN.md: `--json` ends with exactly this line.
const figures = z
  .object({ ok: z.boolean(), rpoSeconds: z.number(), tradesLost: z.number(), rtoSeconds: z.number() })
  .strict();

describe("orion drill dr", () => {
  it("kills a primary under write load, promotes its synchronous replica and loses no acknowledged trade", async () => {
    const { stdout } = await run("node", ["bin/orion.mjs", "drill", "dr", "--json"], { cwd: root, timeout: 280_000 });
    const lines = stdout.trim().split("\n");
    const last = figures.parse(JSON.parse(lines[lines.length - 1] ?? ""));
    expect(last).toMatchObject({ ok: true, rpoSeconds: 0, tradesLost: 0 });
    // Orders flowed again on the promoted replica, after a measurable outage.
    expect(last.rtoSeconds).toBeGreaterThan(0);
    const detail = JSON.parse(lines[0] ?? "") as {
      steps: { name: string }[];
      tradesBefore: number;
      tradesAfter: number;
    };
    expect(detail.tradesBefore).toBeGreaterThanOrEqual(200);
    expect(detail.tradesAfter).toBeGreaterThanOrEqual(20);
    expect(detail.steps.map((s) => s.name)).toContain("promote the replica");
  }, 300_000);
});
