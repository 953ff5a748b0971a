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

export function configure(drill: Command): void {
  drill
    .command("emergency-shutdown")
    .description("kill switch + switch to sim + revoke sessions, then check that no order is placed")
    .option("--json", "print the steps as JSON")
    .action((opts: { json?: boolean }) => runDrillEmergencyShutdown(opts));
}
