import { open, rename, rm } from "node:fs/promises";
import type { Command } from "commander";
import { anchorChain, AnchorDirectory, anchorKey, exportDay, isClosedDay, verifyLedger } from "../../audit/index.ts";
// The API's modules by file: its index would load the server (fastify and its plugins) for a one-shot command.
import { loadKeyFile } from "../../api/config.ts";
import { anchorsDir, keysFilePath } from "../../api/home.ts";
import { openPool } from "../../api/pg-pool.ts";
import { loadKeyMaterial } from "../../identity/index.ts";
import { CheckFailed, InputError } from "../errors.ts";

/** The anchor key and directory: the key is derived from the control plane's KEK, so verifying needs the key file. */
async function anchorsOf(command: string, env: NodeJS.ProcessEnv) {
  let file;
  try {
    file = await loadKeyFile(env);
  } catch (err) {
    throw new InputError(`orion audit ${command}: ${(err as Error).message}`);
  }
  if (file === null) {
    throw new InputError(
      `orion audit ${command}: no key material: set ORION_KEYS or ORION_KEYS_FILE (default ${keysFilePath(env)})`,
    );
  }
  const keys = await loadKeyMaterial(file);
  return { key: anchorKey(keys.kek), dir: new AnchorDirectory(anchorsDir(env)) };
}

function missingTable(err: unknown, command: string): never {
  if ((err as { code?: string }).code === "42P01")
    throw new InputError(`orion audit ${command}: no audit_log table in DATABASE_URL`);
  throw err;
}

/** Signs the chain's head and writes it to $ORION_HOME/anchors. */
export async function runAuditAnchor(env = process.env): Promise<void> {
  if (!env.DATABASE_URL) throw new InputError("orion audit anchor: set DATABASE_URL to the control plane's database");
  const { key, dir } = await anchorsOf("anchor", env);
  const pool = openPool(env.DATABASE_URL, 2);
  try {
    const written = await anchorChain(pool, key, dir, new Date()).catch((err) => missingTable(err, "anchor"));
    if (written === null) process.stdout.write("the ledger is empty: nothing to anchor\n");
    else process.stdout.write(`anchored row ${written.anchor.seq} (hash ${written.anchor.hash}) in ${written.file}\n`);
  } finally {
    await pool.end();
  }
}

export async function runAuditVerify(opts: { json?: boolean }, env = process.env): Promise<void> {
  if (!env.DATABASE_URL) throw new InputError("orion audit verify: set DATABASE_URL to the control plane's database");
  const anchors = await anchorsOf("verify", env);
  const pool = openPool(env.DATABASE_URL, 2);
  let result;
  try {
    // The same verification GET /compliance/audit/verify runs for the console.
    result = await verifyLedger(pool, anchors).catch((err) => missingTable(err, "verify"));
  } finally {
    await pool.end();
  }
  if (opts.json) process.stdout.write(JSON.stringify(result) + "\n");
  // A forged or damaged anchor is a finding, not a usage error.
  if (result.anchorRejected !== null) throw new CheckFailed(`audit anchor rejected: ${result.anchorRejected}`);
  if (!result.ok) {
    throw new CheckFailed(
      `audit chain broken at row ${result.firstBroken.seq}: ${result.firstBroken.reason} (${result.rows} rows before it are intact)`,
    );
  }
  const against = result.anchor
    ? `, matches the anchor of row ${result.anchor.seq} (${result.anchor.at})`
    : ", no anchor yet";
  if (!opts.json) process.stdout.write(`audit chain intact: ${result.rows} rows, head ${result.head}${against}\n`);
}

/** Writes one closed UTC day of the ledger as JSON lines plus a manifest, atomically (temp file, then rename). */
export async function runAuditExport(
  opts: { day: string; out: string },
  env = process.env,
  now = new Date(),
): Promise<void> {
  if (!env.DATABASE_URL) throw new InputError("orion audit export: set DATABASE_URL to the control plane's database");
  if (!isClosedDay(opts.day, now)) throw new InputError(`--day ${opts.day}: give a finished UTC day as YYYY-MM-DD`);
  const anchors = await anchorsOf("export", env);
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
    // Every export anchors the head too, so the exported day and the chain after it are pinned outside the database.
    const anchored = await anchorChain(pool, anchors.key, anchors.dir, now);
    process.stdout.write(
      `exported ${manifest.rows} rows of ${opts.day} to ${opts.out} (last hash ${manifest.lastHash ?? "-"}); ` +
        `anchored row ${anchored?.anchor.seq ?? 0}\n`,
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
    .description(
      "walk the hash chain and check it against the newest anchor; exit 0 when intact, 1 naming the first row that differs",
    )
    .option("--json", "print {ok, rows, head | firstBroken, anchor, elapsedMs}")
    .action((opts: { json?: boolean }) => runAuditVerify(opts));
  audit
    .command("anchor")
    .description("sign the chain's head (sequence number and hash) and write it to $ORION_HOME/anchors")
    .action(() => runAuditAnchor());
  audit
    .command("export")
    .description("write one closed UTC day of the ledger as JSON lines with a manifest (the daily bucket export)")
    .requiredOption("--day <YYYY-MM-DD>", "a finished UTC day")
    .requiredOption("--out <file>", "where to write (atomically)")
    .action((opts: { day: string; out: string }) => runAuditExport(opts));
}
