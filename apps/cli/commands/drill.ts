import type { Command } from "commander";
import { Redis } from "ioredis";
import { loadOrCreateKeyFile } from "../../api/index.ts";
import { runEmergencyShutdownDrill } from "../../api/index.ts";
import { loadKeyMaterial } from "../../identity/index.ts";
import { openPool } from "../../api/index.ts";
import { migrate } from "../../store/migrate.ts";
import { CheckFailed, InputError } from "../errors.ts";

export async function runDrillEmergencyShutdown(opts: { json?: boolean }, env = process.env): Promise<void> {
  if (!env.DATABASE_URL || !env.REDIS_URL) {
    throw new InputError("orion drill emergency-shutdown: set DATABASE_URL and REDIS_URL of the local platform");
  }
  const keys = await loadKeyMaterial(await loadOrCreateKeyFile(env));
  const pool = openPool(env.DATABASE_URL, 5);
  const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: 1, connectTimeout: 2000 });
  let result;
  try {
    await migrate(pool);
    result = await runEmergencyShutdownDrill({ pool, redis, redisUrl: env.REDIS_URL, keys });
  } finally {
    redis.disconnect();
    await pool.end();
  }
  if (opts.json) process.stdout.write(JSON.stringify(result) + "\n");
  else
    for (const s of result.steps)
      process.stdout.write(`${s.ok ? "ok  " : "FAIL"} ${s.name} (${s.ms} ms): ${s.detail}\n`);
  const failed = result.steps.find((s) => !s.ok);
  if (failed) throw new CheckFailed(`emergency-shutdown drill failed at "${failed.name}": ${failed.detail}`);
}

/** `orion drill dr`: the DR drill on a local primary and streaming replica; `--json` ends with the figures' line. */
export async function runDrillDr(opts: { json?: boolean }): Promise<void> {
  // Loaded on use: only this drill needs the PostgreSQL cluster tooling.
  const { runDrDrill } = await import("../../drill/dr.ts");
  const result = await runDrDrill({ log: (line) => process.stderr.write(`${line}\n`) });
  const figures = {
    ok: result.ok,
    rpoSeconds: result.rpoSeconds,
    tradesLost: result.tradesLost,
    rtoSeconds: result.rtoSeconds,
  };
  if (opts.json) {
    process.stdout.write(
      JSON.stringify({ steps: result.steps, tradesBefore: result.tradesBefore, tradesAfter: result.tradesAfter }) +
        "\n",
    );
    process.stdout.write(JSON.stringify(figures) + "\n");
  } else {
    process.stdout.write(
      `RPO ${figures.rpoSeconds} s (${figures.tradesLost} of ${result.tradesBefore} acknowledged trades lost), ` +
        `RTO ${figures.rtoSeconds} s (primary killed -> first trade on the promoted replica)\n`,
    );
  }
  if (!result.ok) throw new CheckFailed(`DR drill failed: ${figures.tradesLost} trades lost`);
}

export function configure(drill: Command): void {
  drill
    .command("emergency-shutdown")
    .description("kill switch + switch to sim + revoke sessions, then check that no order is placed")
    .option("--json", "print the steps as JSON")
    .action((opts: { json?: boolean }) => runDrillEmergencyShutdown(opts));
  drill
    .command("dr")
    .description("kill a local primary under write load, promote its synchronous replica, measure RPO and RTO")
    .option("--json", "print the steps, then one line {ok, rpoSeconds, tradesLost, rtoSeconds}")
    .action((opts: { json?: boolean }) => runDrillDr(opts));
}
