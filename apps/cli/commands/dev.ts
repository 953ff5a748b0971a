import { access, constants, mkdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Option, type Command } from "commander";
import { z } from "zod";
import { InputError } from "../errors.ts";
import { onInterrupt } from "../interrupts.ts";
import { parseExecution } from "./execution.ts";

const intString = (what: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `${what} must be a whole number`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `${what} must be between ${min} and ${max}`);

const flags = z
  .object({
    mode: z.enum(["sim", "live"], { message: "--mode must be sim or live" }),
    blocks: intString("--blocks", 1, 1_000_000).optional(),
    report: z.string().min(1).optional(),
    port: intString("--port", 0, 65_535),
    blockTime: intString("--block-time", 100, 60_000),
    services: z.boolean().optional(),
    botsFrom: z.string().min(1, "--bots-from needs a directory").optional(),
    execution: z.string().optional(),
    eoaFallback: z.boolean().optional(),
    bundlerTimeout: intString("--bundler-timeout", 100, 600_000),
    relay: z.boolean().optional(),
  })
  .strict();

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export async function runDevCommand(raw: Record<string, unknown>): Promise<void> {
  const parsed = flags.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const flag = String(issue?.path[0] ?? "flags").replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    throw new InputError(`dev --${flag}: ${issue?.message ?? "invalid"}`);
  }
  const f = parsed.data;
  const execution = parseExecution(f.execution);
  if (execution !== "erc4337" && f.eoaFallback) {
    throw new InputError(
      "dev --eoa-fallback: only with --execution erc4337 (the EOA route has nothing to fall back from)",
    );
  }
  if (execution === "erc4337" && f.relay) {
    throw new InputError(
      "dev --relay: only with --execution eoa (user operations go through the bundler, not a relay)",
    );
  }
  if (f.services && !process.env.REDIS_URL) {
    throw new InputError("dev --services: set REDIS_URL: the bots' processes talk to each other through Redis");
  }
  const botsFrom = f.botsFrom === undefined ? undefined : resolve(f.botsFrom);
  if (botsFrom !== undefined) {
    if (!f.services)
      throw new InputError("dev --bots-from: only with --services (the bots run in this process otherwise)");
    await access(join(botsFrom, "bin", "orion.mjs"), constants.R_OK).catch(() => {
      throw new InputError(`dev --bots-from ${botsFrom}: no orion install there (bin/orion.mjs is missing)`);
    });
  }
  const dataDir = process.env.ORION_HOME ?? resolve(ROOT, ".orion");
  // A bounded run always leaves its report; without --report it goes to .orion/sessions/.
  let report = f.report === undefined ? null : resolve(f.report);
  if (report === null && f.blocks !== undefined) {
    const sessions = join(dataDir, "sessions");
    await mkdir(sessions, { recursive: true });
    report = join(sessions, `${new Date().toISOString().replace(/[:.]/g, "-")}-${f.mode}.json`);
  }
  if (report) {
    // Checked before anything starts, so a run is never wasted on a report that cannot be written.
    await access(dirname(report), constants.W_OK).catch(() => {
      throw new InputError(`--report ${report}: directory ${dirname(report)} does not exist or is not writable`);
    });
  }
  const abort = new AbortController();
  const stopListening = onInterrupt(() => {
    process.stdout.write("\nstopping: finishing in-flight trades (Ctrl-C again to quit at once)\n");
    abort.abort();
  });
  // Spans leave by OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set; otherwise tracing costs nothing.
  const { startTracing } = await import("../../tracing/index.ts");
  const tracing = await startTracing("orion-dev", {
    onError: (err) => process.stderr.write(`orion dev: spans not exported, they are lost: ${err.message}\n`),
  });
  try {
    // Loaded on use: the devnet and its toolchain are heavy, and bad usage should fail at once.
    const { runDev } = await import("../../platform/run.ts");
    await runDev({
      mode: f.mode,
      blocks: f.blocks ?? null,
      report,
      port: f.port,
      blockIntervalMs: f.blockTime,
      dataDir,
      databaseUrl: process.env.DATABASE_URL || undefined,
      redisUrl: process.env.REDIS_URL || undefined,
      redisKeyPrefix: process.env.ORION_REDIS_PREFIX || undefined,
      services: f.services ?? false,
      ...(botsFrom === undefined ? {} : { botsFrom }),
      execution,
      eoaFallback: f.eoaFallback ?? false,
      bundlerTimeoutMs: f.bundlerTimeout,
      relay: f.relay ?? false,
      out: (line) => process.stdout.write(line + "\n"),
      signal: abort.signal,
    });
  } finally {
    stopListening();
    await tracing?.shutdown();
  }
}

export function configure(command: Command): void {
  command
    .addOption(
      new Option("--mode <mode>", "sim (simulate, never broadcast) or live (trade on the devnet)").default("sim"),
    )
    .option("--blocks <n>", "stop after N blocks and write the session report (default: run until Ctrl-C)")
    .option("--report <file>", "write the session report (JSON) to FILE (default with --blocks: .orion/sessions/)")
    .option("--port <port>", "port of the HTTP API and /metrics (0 = any free port)", "8080")
    .option("--block-time <ms>", "devnet block interval in milliseconds", "1000")
    .option("--services", "run each bot in its own process (`orion run <bot>`), talking through Redis and PostgreSQL")
    .option(
      "--bots-from <dir>",
      "with --services: start each bot from the orion install in DIR (e.g. the image's production tree)",
    )
    .option(
      "--execution <route>",
      "eoa (a transaction from the executor account) or erc4337 (a sponsored user operation of its smart account)",
      "eoa",
    )
    .option("--eoa-fallback", "erc4337: send from the EOA when the bundler is down or slow (default: reject the order)")
    .option(
      "--relay",
      "build the devnet's blocks through a local bundle relay; live trades go to it as bundles with a profit-share bid",
    )
    .option(
      "--bundler-timeout <ms>",
      "erc4337: a bundler call slower than this counts as the bundler being down",
      "5000",
    )
    .action(async (opts: Record<string, unknown>) => {
      await runDevCommand(opts);
    });
}
