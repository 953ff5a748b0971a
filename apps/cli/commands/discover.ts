import { join, resolve } from "node:path";
import type { Command } from "commander";
import { InputError } from "../errors.ts";
import { orionHome } from "../home.ts";
import { collect, openChain } from "./chain-args.ts";

interface DiscoverFlags {
  chain: string;
  rpc?: string[];
  out?: string;
  minLiquidity: string;
  json?: boolean;
}

export function configure(command: Command): void {
  command
    .requiredOption("--chain <name|file>", "chain profile: a name in chains/ (or $ORION_HOME/chains/), or a JSON file")
    .option("--rpc <url>", "JSON-RPC endpoint (repeat for failover)", collect)
    .option(
      "--out <file>",
      "snapshot file (default: $ORION_HOME/snapshots/<chain>.json); its state goes to FILE.state.json",
    )
    .option("--min-liquidity <units>", "keep pools holding at least this many base units of each token", "1000")
    .option("--json", "print a one-line JSON summary instead of text")
    .action(async (flags: DiscoverFlags) => {
      if (!/^[0-9]+$/.test(flags.minLiquidity)) {
        throw new InputError(
          `--min-liquidity: must be a non-negative integer of base units, got "${flags.minLiquidity}"`,
        );
      }
      if (!flags.rpc?.length) throw new InputError("--rpc: give at least one JSON-RPC URL");
      const { profile, provider } = await openChain(flags.chain, flags.rpc);
      const out = resolve(flags.out ?? join(orionHome(), "snapshots", `${profile.name}.json`));
      const { discover, FactoryError } = await import("../../discover/index.ts");
      try {
        const { summary } = await discover({
          profile,
          provider,
          out,
          minLiquidity: BigInt(flags.minLiquidity),
          progress: (line) => process.stderr.write(`${line}\n`),
        });
        if (flags.json) {
          process.stdout.write(JSON.stringify(summary) + "\n");
          return;
        }
        const t = summary.tokens;
        process.stdout.write(
          `${summary.chain} (chain ${summary.chainId}) at block ${summary.blockNumber}: ${summary.pools.kept} of ` +
            `${summary.pools.found} pools kept (${summary.pools.belowMinLiquidity} below --min-liquidity, ` +
            `${summary.pools.withBadTokens} with a skipped, taxed or blocked token); ${t.kept} tokens, ${t.skipped} skipped ` +
            `(nonsense metadata), ${t.taxed.length} taxed, ${t.blocked.length} blocked\n` +
            t.taxed.map((x) => `  taxed   ${x.symbol} ${x.address} (${x.taxBps} bps lost per transfer)\n`).join("") +
            t.blocked.map((x) => `  blocked ${x.symbol} ${x.address} (${x.reason})\n`).join("") +
            `snapshot: ${summary.out}\n`,
        );
      } catch (err) {
        if (err instanceof FactoryError) throw new InputError(err.message);
        throw err;
      } finally {
        provider.destroy();
      }
    });
}
