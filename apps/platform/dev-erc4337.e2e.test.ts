/**
 * `orion dev --mode live --execution erc4337 --blocks 8 --report r.json`, started in this process: the devnet in
 * its own process, a real alto beside it, every trade a sponsored user operation of the executor key's smart account.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { orionSession } from "../../test/support/orion-session.ts";
import { expectExactUserOperations } from "../../test/support/user-operation-report.ts";
import { sessionReportSchema } from "./report.ts";
import { runDev } from "./run.ts";

// A database and a home of this file's own, removed after it.
const fixture = orionSession("dev-erc4337");

describe("orion dev --execution erc4337 end to end (real alto)", () => {
  it("confirms trades as user operations, exact to the wei where nothing ran ahead; the EOA sends nothing", async () => {
    const file = join(fixture.dir, "r.json");
    const lines: string[] = [];
    const session = await runDev({
      mode: "live",
      execution: "erc4337",
      // Eight blocks: user operations confirm in most blocks (33 in 20 blocks measured); the test needs two.
      blocks: 8,
      report: file,
      port: 0,
      // One-second blocks: an operation has three blocks to be prepared, sponsored and bundled; alto submits from
      // four accounts, so operations of one block need not wait for another's bundle to be mined.
      blockIntervalMs: 1000,
      dataDir: fixture.dir,
      databaseUrl: fixture.db.url,
      out: (line) => lines.push(line),
    });
    const r = sessionReportSchema.parse(JSON.parse(await readFile(file, "utf8")));
    expect(r).toEqual(session.report);
    expect(r).toMatchObject({ mode: "live", execution: "erc4337", chainId: 31337 });
    // Eight heads handled; a head missed under load widens the range, never narrows it.
    expect(r.blocks.to - r.blocks.from).toBeGreaterThanOrEqual(7);
    expect(lines.some((l) => /^bundler: alto \(pid \d+\) at http:\/\/127\.0\.0\.1:\d+/.test(l))).toBe(true);
    expectExactUserOperations(r, 2);
    for (const t of r.trades.filter((x) => x.status === "confirmed")) expect(t.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    // No transaction from the executor's EOA: no fallback was allowed.
    expect(r.executor.nonceEnd).toBe(r.executor.nonceStart);
  }, 300_000);
});
