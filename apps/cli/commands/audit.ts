import type { Command } from "commander";
import { verifyChain } from "../../audit/index.ts";
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

export function registerAudit(program: Command): void {
  const audit = program.command("audit").description("the tamper-evident audit ledger");
  audit
    .command("verify")
    .description("walk the hash chain; exit 0 when intact, 1 naming the first broken row")
    .option("--json", "print {ok, rows, head | firstBroken, elapsedMs}")
    .action((opts: { json?: boolean }) => runAuditVerify(opts));
}
