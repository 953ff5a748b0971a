import type { Command } from "commander";
import type { z } from "zod";
import { botEnvSchemas, EnvError } from "../../domain/env/index.ts";
import { InputError } from "../errors.ts";

type Bot = keyof typeof botEnvSchemas;

const DESCRIPTIONS: Record<Bot, string> = {
  scanner: "new blocks -> pool state -> exact arbitrage scan -> opportunities on the bus",
  orchestrator: "opportunities -> mode, kill switch, risk limits -> recorded decisions and orders on the bus",
  executor: "orders -> eth_call simulation -> sim: record | live: journal, sign, send, receipt",
  api: "the control-plane API (mode, kill switch, limits, P&L, audit)",
};

/** Cloud Run sends SIGKILL 10 s after SIGTERM; exiting on our own first keeps the last log lines. */
const HARD_STOP_MS = 9_500;

/** The env contract of a bot, from its schema's descriptions: `orion run <bot> --help` documents it. */
function envHelp(bot: Bot): string {
  const shape = botEnvSchemas[bot].shape as Record<string, z.ZodTypeAny>;
  const rows = Object.entries(shape).map(([name, s]) => {
    const optional = s.safeParse(undefined).success;
    return `  ${name.padEnd(24)} ${optional ? "" : "(required) "}${s.description ?? ""}`;
  });
  return `\nEnvironment (the env contract the Region component writes):\n${rows.join("\n")}\n`;
}

async function runCommand(bot: Bot): Promise<void> {
  const abort = new AbortController();
  const stop = () => {
    if (abort.signal.aborted) return;
    abort.abort();
    setTimeout(() => {
      process.stderr.write(`orion run ${bot}: not stopped ${HARD_STOP_MS / 1000} s after the signal: exiting\n`);
      process.exit(1);
    }, HARD_STOP_MS).unref();
  };
  // Never removed: a bot stopped by one signal (Ctrl-C reaches `orion dev --services` and its bots at once) can get
  // another while it exits (the session's SIGTERM), and with no handler left that one would kill it mid-exit.
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  try {
    // Loaded on use: `orion run <bot> --help` and bad variables need none of the bots' dependencies.
    const { runBot } = await import("../../services/run/run-bot.ts");
    await runBot(bot, { env: process.env, signal: abort.signal });
  } catch (err) {
    if (err instanceof EnvError) throw new InputError(`run ${bot}: ${err.message}`);
    throw err;
  }
}

/**
 * `orion run scanner|orchestrator|executor|api`: one bot as a long-running service, configured only by environment
 * variables, with /healthz and /readyz on PORT, JSON logs in Cloud Logging's shape, and a graceful SIGTERM.
 */
export function configure(command: Command): void {
  for (const bot of Object.keys(botEnvSchemas) as Bot[]) {
    command
      .command(bot)
      .description(DESCRIPTIONS[bot])
      .addHelpText("after", envHelp(bot))
      .action(() => runCommand(bot));
  }
}
