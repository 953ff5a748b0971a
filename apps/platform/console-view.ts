import type { TradeResult } from "../executor/executor.ts";
import { rejectionCounts, type BlockDecision } from "../orchestrator/index.ts";
import type { ScanReport } from "../scanner/index.ts";

export interface TokenInfo {
  symbol: string;
  decimals: number;
}

/** Formats base units as a decimal amount with up to `places` decimals (exact: no float on the way). */
export function formatAmount(amount: bigint, decimals: number, places = 6): string {
  const negative = amount < 0n;
  const abs = negative ? -amount : amount;
  const unit = 10n ** BigInt(decimals);
  const whole = abs / unit;
  const frac = (abs % unit).toString().padStart(decimals, "0").slice(0, places).replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${frac ? "." + frac : ""}`;
}

/**
 * The human view of `orion dev`: one line per block (what changed, what was found, what was decided and why),
 * then one line per trade outcome. Pure string building; the caller decides where lines go.
 */
export class ConsoleView {
  constructor(
    private readonly tokens: ReadonlyMap<string, TokenInfo>,
    private readonly dexOfPool: ReadonlyMap<string, string>,
  ) {}

  block(scan: ScanReport | undefined, d: BlockDecision): string {
    const parts = [`block ${d.blockNumber}`];
    if (scan) {
      parts.push(`${scan.changedPools} pool${scan.changedPools === 1 ? "" : "s"} changed`);
      parts.push(`${scan.opportunities} opportunit${scan.opportunities === 1 ? "y" : "ies"}`);
    }
    if (d.halted) {
      parts.push(`HALTED: ${d.halted}`);
    } else {
      const why = [...rejectionCounts(d.rejections)].map(([r, n]) => `${r} x${n}`).join(", ");
      parts.push(`${d.orders.length} order${d.orders.length === 1 ? "" : "s"}` + (why ? ` (rejected: ${why})` : ""));
    }
    if (d.unrecorded) parts.push("orders WITHHELD: PostgreSQL unreachable");
    parts.push(
      `decided in ${d.decideMsExcludingRpc.toFixed(2)} ms (+${(d.decideMs - d.decideMsExcludingRpc).toFixed(1)} ms rpc)`,
    );
    return parts.join(" | ");
  }

  trade(r: TradeResult): string {
    const base = this.tokens.get(r.order.baseToken) ?? { symbol: r.order.baseToken.slice(0, 8), decimals: 18 };
    const amt = (v: bigint) => `${formatAmount(v, base.decimals)} ${base.symbol}`;
    const route = r.order.tokens.map((t) => this.tokens.get(t)?.symbol ?? t.slice(0, 8)).join(">");
    const dexes = r.order.pools.map((p) => this.dexOfPool.get(p) ?? p.slice(0, 8)).join("/");
    // Where the capital came from: a flash swap from the first pool, or a lender's loan.
    const funded = r.flashSource ? ` by ${r.flashSource}` : "";
    const head = `  ${r.status.padEnd(9)} ${route} via ${dexes}, in ${amt(r.order.amountIn)}${funded}`;
    switch (r.status) {
      case "simulated":
        return `${head}, profit +${amt(r.simulatedProfit ?? 0n)} (predicted +${amt(r.order.predictedProfit)}), not broadcast`;
      case "rejected":
        return `${head}: ${r.reason ?? "rejected"}`;
      case "dropped":
        // Dropped at the hand-over (refused, a bundle too late) it has a reason; dropped after sending, a hash.
        return r.reason === null ? `${head}, ${r.txHash ?? ""}` : `${head}: ${r.reason}`;
      case "confirmed": {
        const realized = r.realizedProfit ?? 0n;
        const match =
          realized === r.order.predictedProfit ? "= predicted" : `predicted +${amt(r.order.predictedProfit)}`;
        return `${head}, block ${r.blockNumber}, realized +${amt(realized)} (${match}), gas ${r.gasUsed}, ${r.precededBy} tx ahead, ${r.txHash}`;
      }
      default:
        return `${head}, ${r.txHash ?? ""}${r.blockNumber === null ? "" : ` block ${r.blockNumber}`}`;
    }
  }
}
