/**
 * The whole trading loop on the devnet (`orion dev --mode live`: scanner, bus, orchestrator with its decision record,
 * executor, over HTTP JSON-RPC, real PostgreSQL), per-stage latency from the moment a new block is seen.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ExecutionRouteKind } from "../apps/domain/index.ts";
import { runDev, type DevSession } from "../apps/platform/run.ts";
import { createTestDatabase } from "../test/support/postgres.ts";

export async function runPipeline(o: {
  blocks: number;
  blockMs: number;
  execution?: ExecutionRouteKind;
}): Promise<DevSession> {
  const db = await createTestDatabase("orion_bench");
  const dataDir = await mkdtemp(join(tmpdir(), "orion-bench-"));
  try {
    return await runDev({
      mode: "live",
      blocks: o.blocks,
      report: null,
      port: 0,
      blockIntervalMs: o.blockMs,
      dataDir,
      databaseUrl: db.url,
      ...(o.execution ? { execution: o.execution } : {}),
      out: () => undefined,
    });
  } finally {
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
