import { resolve, join } from "node:path";
import type { Command } from "commander";
import { z } from "zod";
import { InputError } from "../errors.ts";
import { orionHome } from "../home.ts";

const intString = (flag: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `${flag} must be a whole number`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `${flag} must be between ${min} and ${max}`);

const flags = z
  .object({
    port: intString("--port", 0, 65_535),
    seed: intString("--seed", 0, 2 ** 31 - 1),
    blockTime: intString("--block-time", 50, 600_000),
    profileOut: z.string().min(1, "--profile-out must name a file").optional(),
    gasModel: z.enum(["ethereum", "op-stack"], { message: "--gas-model must be ethereum or op-stack" }),
  })
  .strict();

/**
 * `orion devnet`: the local chain alone, as a user would run a node. Prints its RPC URL (first line, alone), writes
 * the chain profile of what it deployed, and mines a block every --block-time ms with simulated traders swapping,
 * until SIGINT or SIGTERM.
 */
export async function runDevnetCommand(raw: Record<string, unknown>): Promise<void> {
  const parsed = flags.safeParse(raw);
  if (!parsed.success) throw new InputError(`devnet: ${parsed.error.issues[0]?.message ?? "invalid flags"}`);
  const f = parsed.data;
  const profileFile = resolve(f.profileOut ?? join(orionHome(), "chains", "devnet.json"));
  // Loaded on use: the devnet and its toolchain are heavy, and bad usage should fail at once.
  const { startLocalChain, devnetProfile, traderDelayMs } = await import("../../chain/index.ts");
  const { writeFileAtomic } = await import("../../files/atomic-write.ts");
  let chain;
  try {
    // op-stack: EDR's OP chain type, with the GasPriceOracle and an L1 data fee on every transaction (Base's stand-in).
    chain = await startLocalChain({
      listen: { port: f.port },
      seed: f.seed,
      ...(f.gasModel === "op-stack" ? { chainType: "op" as const } : {}),
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE" || code === "EACCES") throw new InputError(`--port ${f.port}: cannot listen (${code})`);
    throw err;
  }
  const stopped = new Promise<void>((r) => {
    process.once("SIGINT", r);
    process.once("SIGTERM", r);
    // Started by a session with an IPC channel (`orion dev`): the chain must not outlive it, however it ended. The
    // channel itself keeps nothing running.
    if (process.channel) {
      process.once("disconnect", r);
      process.channel.unref();
      if (!process.connected) r();
    }
  });
  const stopTraders = chain.startTraders((err) => process.stderr.write(`orion devnet: traders: ${String(err)}\n`), {
    delayMs: traderDelayMs(f.blockTime),
  });
  try {
    await writeFileAtomic(
      profileFile,
      JSON.stringify(devnetProfile(chain.markets, f.blockTime, f.gasModel), null, 2) + "\n",
    );
    await chain.devnet.setBlockInterval(f.blockTime);
    const m = chain.markets;
    process.stdout.write(
      `${chain.devnet.url}\n` +
        `chain ${m.chainId}: ${m.pools.length} pools on ${m.dexes.length} DEXes` +
        (m.v3 ? ` and ${m.v3.pools.length} Uniswap-V3 pools` : "") +
        `, a block every ${f.blockTime} ms\n` +
        `profile: ${profileFile}\n` +
        `executor contract ${m.executor.address}, operator ${m.executor.operator} (devnet account #1), owner ${m.executor.owner} ` +
        `(devnet account #0; both keys are Hardhat's public test keys)\n`,
    );
    await stopped;
  } finally {
    await stopTraders();
    await chain.close();
  }
}

export function configure(command: Command): void {
  command
    .option("--port <port>", "JSON-RPC port on 127.0.0.1 (0 = any free port)", "8545")
    .option("--seed <n>", "seed of the markets and the traders", "1")
    .option("--block-time <ms>", "a block every MS milliseconds", "1000")
    .option("--profile-out <file>", "where to write the chain profile (default: $ORION_HOME/chains/devnet.json)")
    .option(
      "--gas-model <model>",
      "ethereum, or op-stack (an L1 data fee on every transaction, as on Base)",
      "ethereum",
    )
    .action(async (opts: Record<string, unknown>) => {
      await runDevnetCommand(opts);
    });
}
