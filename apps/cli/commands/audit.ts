import { open, rename, rm } from "node:fs/promises";
import type { Command } from "commander";
import { exportDay, isClosedDay, verifyChain } from "../../audit/index.ts";
import { openPool } from "../../api/index.ts";
import { CheckFailed, InputError } from "../errors.ts";

export async function runAuditVerify(opts: { json?: boolean }, env = process.env): Promise<void> {
  if (!env.DATABASE_URL) throw new InputError("orion audit verify: set DATABASE_URL to the control plane's database");
  const pool = openPool(env.DATABASE_URL, 2);
  let result;
  const started = performance.now();
  try {
    result = await verifyChain(pool);
  } catch (err) {
    if ((err as { code?: string }).code === "42P01")
      throw new InputError("orion audit verify: no audit_log table in DATABASE_URL");
    throw err;
  } finally {
    await pool.end();
  }
  const elapsedMs = Math.round(performance.now() - started);
  if (opts.json) process.stdout.write(JSON.stringify({ ...result, elapsedMs }) + "\n");
  if (!result.ok) {
    throw new CheckFailed(
      `audit chain broken at row ${result.firstBroken.seq}: ${result.firstBroken.reason} (${result.rows} rows before it are intact)`,
    );
  }
  if (!opts.json) process.stdout.write(`audit chain intact: ${result.rows} rows, head ${result.head}\n`);
}

/** Writes one closed UTC day of the ledger as JSON lines plus a manifest, atomically (temp file, then rename). */
export async function runAuditExport(
  opts: { day: string; out: string },
  env = process.env,
  now = new Date(),
): Promise<void> {
  if (!env.DATABASE_URL) throw new InputError("orion audit export: set DATABASE_URL to the control plane's database");
  if (!isClosedDay(opts.day, now)) throw new InputError(`--day ${opts.day}: give a finished UTC day as YYYY-MM-DD`);
  const temp = `${opts.out}.${process.pid}.tmp`;
  let file;
  try {
    file = await open(temp, "w", 0o600);
  } catch (err) {
    throw new InputError(`--out ${opts.out}: cannot write (${(err as NodeJS.ErrnoException).code ?? "error"})`);
  }
  const pool = openPool(env.DATABASE_URL, 2);
  try {
    const manifest = await exportDay(pool, opts.day, async (line) => {
      await file.write(line);
    });
    await file.close();
    await rename(temp, opts.out);
    process.stdout.write(
      `exported ${manifest.rows} rows of ${opts.day} to ${opts.out} (last hash ${manifest.lastHash ?? "-"})\n`,
    );
  } catch (err) {
    await file.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw err;
  } finally {
    await pool.end();
  }
}

export function configure(audit: Command): void {
  audit
    .command("verify")
    .description("walk the hash chain; exit 0 when intact, 1 naming the first broken row")
    .option("--json", "print {ok, rows, head | firstBroken, elapsedMs}")
    .action((opts: { json?: boolean }) => runAuditVerify(opts));
  audit
    .command("export")
    .description("write one closed UTC day of the ledger as JSON lines with a manifest (the daily bucket export)")
    .requiredOption("--day <YYYY-MM-DD>", "a finished UTC day")
    .requiredOption("--out <file>", "where to write (atomically)")
    .action((opts: { day: string; out: string }) => runAuditExport(opts));
}
