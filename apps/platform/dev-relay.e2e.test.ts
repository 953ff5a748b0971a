/**
 * `orion dev --mode live --relay`, started in this process: the local relay builds the devnet's blocks and every live
 * trade reaches the chain as a bundle signed by the session's reputation key, as the cloud executor's reach a relay.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { orionSession } from "../../test/support/orion-session.ts";
import { sessionReportSchema } from "./report.ts";
import { runDev } from "./run.ts";

// A database and a home of this file's own, removed after it.
const fixture = orionSession("dev-relay");

describe("orion dev --relay end to end", () => {
  it("lands live trades only as bundles through the relay, exact to the wei where nothing ran ahead", async () => {
    const file = join(fixture.dir, "r.json");
    const lines: string[] = [];
    await runDev({
      mode: "live",
      relay: true,
      blocks: 8,
      report: file,
      port: 0,
      blockIntervalMs: 400,
      dataDir: fixture.dir,
      databaseUrl: fixture.db.url,
      out: (line) => lines.push(line),
    });
    const r = sessionReportSchema.parse(JSON.parse(await readFile(file, "utf8")));
    expect(lines.some((l) => /^relay: the local relay at http:\/\/127\.0\.0\.1:\d+ builds a block/.test(l))).toBe(true);
    const confirmed = r.trades.filter((t) => t.status === "confirmed");
    // The session's own lines say what became of each bundle, should none land.
    expect(confirmed.length, lines.join("\n")).toBeGreaterThanOrEqual(1);
    for (const t of confirmed) if (t.precededBy === 0) expect(t.realizedProfit).toBe(t.predictedProfit);
    // Only the relay builds blocks, and it takes a trade only inside a bundle: each confirmed trade was one.
    const summary = lines.find((l) => /^relay: \d+ blocks built/.test(l)) ?? "";
    const landed = Number(/(\d+) with a bundle/.exec(summary)?.[1] ?? -1);
    expect(landed).toBeGreaterThanOrEqual(confirmed.length);
    // The relay tries a bundle without mining where it can: no block the heads saw was taken back, so the scanner
    // never met a reorg.
    expect(summary).toMatch(/, 0 of them after a block was mined and taken back$/);
    expect(lines.filter((l) => /reorg/.test(l))).toEqual([]);
    // Every broadcast is a reported trade; a bundle left out spent no nonce.
    expect(r.executor.nonceEnd - r.executor.nonceStart).toBe(
      confirmed.length + r.trades.filter((t) => t.status === "reverted").length,
    );
  }, 240_000);
});
