import type { Command } from "commander";
import { readFile } from "node:fs/promises";
import { setFlagsFromString } from "node:v8";
import { parseSnapshot, runScan, SnapshotError, toJson, toTable } from "../../scan/index.ts";
import { InputError } from "../errors.ts";

export interface ScanFlags {
  pools: string;
  maxHops: string;
  minProfit: string;
  json?: boolean;
}

export function configure(command: Command): void {
  command
    .requiredOption("--pools <file>", "pool snapshot JSON (schema v1)")
    .option("--max-hops <n>", "longest cycle: 2 or 3", "3")
    .option("--min-profit <wei>", "report only cycles whose profit exceeds this, in base units of the base token", "0")
    .option("--json", "machine-readable output (the scan output contract)")
    .action(async (flags: ScanFlags) => {
      compileForOneScan();
      const { stdout, stderr } = await scanCommand(flags);
      process.stderr.write(stderr);
      process.stdout.write(stdout);
    });
}

/**
 * `orion scan` runs one scan in a fresh process, so most of it runs before V8's optimising compiler has caught up.
 * With inlining on, that compiler folds the whole sizing path (float bounds, bigint pool math, the proof) into a few
 * huge graphs, each compiled for long and recompiled after every deoptimisation, while the scan waits in the
 * interpreter; compiled one function at a time, each hot function is optimised within milliseconds. Measured on the
 * 1-in-38 10k-pool 3-hop market: the first scan's stats.elapsedMs 70-83 ms instead of 100-109 ms (load 4-5), and a
 * warm scan is no slower (bigint arithmetic gains nothing from inlining). Only this command's process is affected.
 */
function compileForOneScan(): void {
  setFlagsFromString("--no-turbo-inlining");
  // The exact kernel runs most of the scan in one call per 1,024 answers, and WebAssembly has no on-stack replacement:
  // tiered from the baseline compiler, much of the first scan ran in baseline code (kernel 20 ms, 13 warm). Compiled
  // optimised when the scanner is built instead (its few kilobytes take a few milliseconds, before the scan starts).
  setFlagsFromString("--no-liftoff");
  setFlagsFromString("--no-wasm-lazy-compilation");
}

/** `orion scan` without the process around it (tests run it in-process): what it prints on stdout and stderr. */
export async function scanCommand(flags: ScanFlags): Promise<{ stdout: string; stderr: string }> {
  const maxHops = parseMaxHops(flags.maxHops);
  const minProfit = parseMinProfit(flags.minProfit);
  let text: string;
  try {
    text = await readFile(flags.pools, "utf8");
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? "unreadable";
    throw new InputError(`${flags.pools}: cannot read the file (${reason})`);
  }
  let snapshot;
  try {
    snapshot = parseSnapshot(text);
  } catch (err) {
    if (err instanceof SnapshotError) throw new InputError(`${flags.pools}: ${err.message}`);
    throw err;
  }
  const report = runScan(snapshot, { maxHops, minProfit });
  return {
    stdout: (flags.json ? toJson(report) : toTable(report, snapshot.tokens)) + "\n",
    stderr: snapshot.warnings.map((w) => `orion scan: warning: ${flags.pools}: ${w}\n`).join(""),
  };
}

function parseMaxHops(value: string): number {
  if (value !== "2" && value !== "3") throw new InputError(`--max-hops: must be 2 or 3, got "${value}"`);
  return Number(value);
}

function parseMinProfit(value: string): bigint {
  if (!/^[0-9]+$/.test(value)) {
    throw new InputError(`--min-profit: must be a non-negative integer in base units (wei), got "${value}"`);
  }
  return BigInt(value);
}
