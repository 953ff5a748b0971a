import { access, constants } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { Option, type Command } from "commander";
import type { DeployedExecutor } from "../../platform/trade.ts";
import { InputError } from "../errors.ts";
import { orionHome } from "../home.ts";
import { collect, openChain } from "./chain-args.ts";
import { parseExecution } from "./execution.ts";

interface TradeFlags {
  chain: string;
  rpc?: string[];
  mode: string;
  blocks?: string;
  report?: string;
  execution: string;
  pools?: string;
  port: string;
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const KEY = /^0x[0-9a-fA-F]{64}$/;

/** Half of each trade's profit to the block producer: enough to win most auctions, half kept. */
const DEFAULT_BID_SHARE_BPS = 5_000;

export function configure(command: Command): void {
  command
    .requiredOption("--chain <name|file>", "chain profile: a name in chains/ (or $ORION_HOME/chains/), or a JSON file")
    .option(
      "--rpc <url>",
      "JSON-RPC endpoint (repeat for failover); a ws:// URL gives new heads by subscription",
      collect,
    )
    .addOption(new Option("--mode <mode>", "sim (eth_call against live state, no key) or live").default("sim"))
    .option("--blocks <n>", "stop after N blocks and write the session report (default: run until Ctrl-C)")
    .option("--report <file>", "write the session report (JSON) to FILE")
    .option("--execution <route>", "eoa (a transaction from the executor account) or erc4337", "eoa")
    .option("--pools <file>", "trade this pool snapshot instead of discovering the profile's DEXes first")
    .option("--port <port>", "port of the API and console (/metrics on the next); 0 = any free port", "0")
    .action(async (flags: TradeFlags) => {
      if (flags.mode !== "sim" && flags.mode !== "live")
        throw new InputError(`--mode: must be sim or live, got "${flags.mode}"`);
      if (parseExecution(flags.execution) === "erc4337") {
        // The executor's route exists (orion dev uses it); a public chain also needs the sponsor's key and a hosted
        // bundler and paymaster policy wired from the chain profile, which orion trade does not do yet.
        throw new InputError(
          "--execution erc4337: orion trade does not wire a hosted bundler and sponsor yet; use --execution eoa " +
            "(orion dev --execution erc4337 runs the route against a local alto)",
        );
      }
      const blocks = flags.blocks === undefined ? null : Number(flags.blocks);
      if (blocks !== null && (!/^[0-9]+$/.test(flags.blocks ?? "") || blocks < 1)) {
        throw new InputError(`--blocks: must be a whole number of at least 1, got "${flags.blocks}"`);
      }
      if (!/^[0-9]+$/.test(flags.port) || Number(flags.port) > 65_535)
        throw new InputError(`--port: must be 0..65535, got "${flags.port}"`);
      if (!flags.rpc?.length) throw new InputError("--rpc: give at least one JSON-RPC URL");
      const report = flags.report === undefined ? null : resolve(flags.report);
      if (report) {
        await access(dirname(report), constants.W_OK).catch(() => {
          throw new InputError(`--report ${report}: directory ${dirname(report)} does not exist or is not writable`);
        });
      }
      const pools = flags.pools === undefined ? null : resolve(flags.pools);
      if (pools) {
        await access(pools, constants.R_OK).catch(() => {
          throw new InputError(`--pools ${pools}: cannot read the file`);
        });
      }
      // Live only: the deployed contract and its owner's key. A sim run never reads the key, even when it is set.
      let live: DeployedExecutor | null = null;
      if (flags.mode === "live") {
        const contract = process.env.ORION_EXECUTOR_CONTRACT ?? "";
        const privateKey = process.env.ORION_EXECUTOR_KEY ?? "";
        if (!ADDRESS.test(contract))
          throw new InputError("ORION_EXECUTOR_CONTRACT: live mode needs the deployed ArbExecutor's address");
        if (!KEY.test(privateKey))
          throw new InputError("ORION_EXECUTOR_KEY: live mode needs the executor operator's 32-byte hex private key");
        const { computeAddress } = await import("ethers");
        live = { contract, account: computeAddress(privateKey), privateKey, relay: relayKeys() };
      }
      const { profile, profileFile, provider, heads } = await openChain(flags.chain, flags.rpc);
      if (live && profile.relayUrl && !live.relay) {
        provider.destroy();
        throw new InputError(
          `ORION_RELAY_KEY: profile ${profile.name} sends trades to a relay; live mode needs a reputation key ` +
            "(32-byte hex, not the executor's key)",
        );
      }
      const abort = new AbortController();
      const onSignal = () => abort.abort();
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      try {
        const { runTrade } = await import("../../platform/trade.ts");
        await runTrade({
          profile,
          profileFile,
          provider,
          headsUrl: heads[0] ?? null,
          pools,
          executor: live,
          mode: flags.mode,
          blocks,
          report,
          port: Number(flags.port),
          dataDir: orionHome(),
          databaseUrl: process.env.DATABASE_URL || undefined,
          redisUrl: process.env.REDIS_URL || undefined,
          redisKeyPrefix: process.env.ORION_REDIS_PREFIX || undefined,
          out: (line) => process.stdout.write(line + "\n"),
          signal: abort.signal,
        });
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
    });
}

/**
 * The relay's reputation key and the profit share bid (ORION_RELAY_KEY, ORION_BID_SHARE_BPS, default 5000): read in
 * live mode only, used only when the chain profile names a relayUrl.
 */
function relayKeys(): { reputationKey: string; bidShareBps: number } | undefined {
  const reputationKey = process.env.ORION_RELAY_KEY ?? "";
  if (reputationKey === "") return undefined;
  if (!KEY.test(reputationKey)) throw new InputError("ORION_RELAY_KEY: must be a 32-byte hex private key");
  if (reputationKey.toLowerCase() === (process.env.ORION_EXECUTOR_KEY ?? "").toLowerCase())
    throw new InputError("ORION_RELAY_KEY: must not be the executor's key (a relay ranks senders by this key)");
  const share = process.env.ORION_BID_SHARE_BPS ?? String(DEFAULT_BID_SHARE_BPS);
  if (!/^[0-9]+$/.test(share) || Number(share) > 10_000)
    throw new InputError(`ORION_BID_SHARE_BPS: must be a whole number 0..10000, got "${share}"`);
  return { reputationKey, bidShareBps: Number(share) };
}
