import { access, constants } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { Option, type Command } from "commander";
import type { ChainProfile, FailoverProvider } from "../../chain/index.ts";
import type { DeployedExecutor, TradeUserOperations } from "../../platform/trade.ts";
import { DEFAULT_BID_SHARE_BPS } from "../../domain/env/index.ts";
import { InputError } from "../errors.ts";
import { orionHome } from "../home.ts";
import { onInterrupt } from "../interrupts.ts";
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
      const execution = parseExecution(flags.execution);
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
      let userOperations: TradeUserOperations | null = null;
      try {
        if (execution === "erc4337") {
          const key = live?.privateKey ? { contract: live.contract, privateKey: live.privateKey } : null;
          userOperations = await erc4337Route(profile, profileFile, provider, key);
        }
      } catch (err) {
        provider.destroy();
        throw err;
      }
      const abort = new AbortController();
      const stopListening = onInterrupt(() => abort.abort());
      try {
        const { runTrade } = await import("../../platform/trade.ts");
        await runTrade({
          profile,
          profileFile,
          provider,
          headsUrl: heads[0] ?? null,
          pools,
          executor: live,
          userOperations,
          execution,
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
        stopListening();
      }
    });
}

/** Where a profile's ERC-4337 fields are explained; they name the hosted (or local) bundler and paymaster. */
const PROFILE_FIELDS = "entryPoint, bundlerUrl and paymasterUrl";

/**
 * `--execution erc4337`: the profile must name the EntryPoint, the bundler and the ERC-7677 paymaster service (both
 * modes: a sim run of a route the chain cannot run would mislead). Live: the bundler must serve this chain and
 * EntryPoint, and ORION_EXECUTOR_CONTRACT's operator (its sending key) must be the key's smart account. Sends nothing: the account is
 * deployed (if it has no code yet) when the session starts. Every failure is bad input, one line, exit 2.
 */
async function erc4337Route(
  profile: ChainProfile,
  file: string,
  provider: FailoverProvider,
  live: { contract: string; privateKey: string } | null,
): Promise<TradeUserOperations> {
  const { entryPoint, bundlerUrl, paymasterUrl } = profile;
  for (const [field, value] of Object.entries({ entryPoint, bundlerUrl, paymasterUrl })) {
    if (value === undefined) {
      throw new InputError(`${file}: ${field}: required for --execution erc4337 (the profile names ${PROFILE_FIELDS})`);
    }
  }
  const { ENTRY_POINT_V08, connectSmartAccount, keyOwner, RouteConfigError } = await import("../../erc4337/index.ts");
  if (entryPoint!.toLowerCase() !== ENTRY_POINT_V08) {
    throw new InputError(`${file}: entryPoint: must be EntryPoint v0.8 (${ENTRY_POINT_V08}) for --execution erc4337`);
  }
  if (!live) return { entryPoint: ENTRY_POINT_V08, route: null, timeoutMs: BUNDLER_TIMEOUT_MS };
  let route;
  try {
    route = await connectSmartAccount({
      rpcUrl: provider.activeEndpoint,
      bundlerUrl: bundlerUrl!,
      paymasterUrl: paymasterUrl!,
      chainId: profile.chainId,
      entryPoint: entryPoint!,
      owner: keyOwner(live.privateKey),
      timeoutMs: BUNDLER_TIMEOUT_MS,
    });
  } catch (err) {
    if (err instanceof RouteConfigError) throw new InputError(`${file}: ${err.field}: ${err.message}`);
    throw err;
  }
  const operator = await provider
    .call({ to: live.contract, data: OPERATOR_SELECTOR })
    .then((out) => (out.length === 66 ? `0x${out.slice(26)}` : null))
    .catch(() => null);
  if (operator !== route.address.toLowerCase()) {
    throw new InputError(
      `ORION_EXECUTOR_CONTRACT: --execution erc4337 needs an ArbExecutor whose operator is the key's smart account ` +
        `${route.address.toLowerCase()}; ${live.contract}'s is ${operator ?? "none (not an ArbExecutor)"}`,
    );
  }
  return { entryPoint: ENTRY_POINT_V08, route, timeoutMs: BUNDLER_TIMEOUT_MS };
}

/** operator() of ArbExecutor: the only sender its execute() accepts. */
const OPERATOR_SELECTOR = "0x570ca735";
/** A bundler or paymaster call slower than this counts as the route being down (as orion dev's --bundler-timeout). */
const BUNDLER_TIMEOUT_MS = 5_000;
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
