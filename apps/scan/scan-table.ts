import { formatUnits } from "ethers";
import type { Token } from "../core/index.ts";
import type { ScanReport } from "./scan-report.ts";

/** A table for people: amounts in whole tokens, routes by symbol, one row per opportunity. */
export function toTable(report: ScanReport, tokens: readonly Token[]): string {
  const byAddress = new Map(tokens.map((t) => [t.address, t]));
  const symbol = (address: string) => byAddress.get(address)?.symbol ?? address.slice(0, 10);
  const amount = (value: bigint, token: string) => formatUnits(value, byAddress.get(token)?.decimals ?? 0);
  const header = ["#", "base", "route", "amount in", "profit", "pools"];
  const rows = report.opportunities.map((o, i) => [
    String(i + 1),
    symbol(o.baseToken),
    o.tokens.map(symbol).join(" > "),
    amount(o.amountIn, o.baseToken),
    amount(o.profit, o.baseToken),
    o.pools
      .map((p, i) => `${p.slice(0, 6)}..${p.slice(-4)}${o.protocols?.[i] === "uniswap-v3" ? " (v3)" : ""}`)
      .join(" "),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  // Numbers read best right-aligned, text left-aligned.
  const numeric = new Set([0, 3, 4]);
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (numeric.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join("  ")
      .trimEnd();
  const { pools, cycles, elapsedMs } = report.stats;
  const notes = [
    ...(report.stats.unproven > 0 ? [`${report.stats.unproven} sizes not proven optimal`] : []),
    ...(report.stats.undecided > 0 ? [`${report.stats.undecided} cycles neither sized nor proven unprofitable`] : []),
  ];
  const unproven = notes.length > 0 ? ` (${notes.join("; ")})` : "";
  const summary =
    `block ${report.blockNumber}: ${report.opportunities.length} profitable of ${cycles} cycles ` +
    `over ${pools} pools, scanned in ${elapsedMs.toFixed(1)} ms${unproven}`;
  if (rows.length === 0) return summary;
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line), "", summary].join("\n");
}
