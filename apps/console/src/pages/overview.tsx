import { formatWei } from "../ui.tsx";
import type { Overview } from "../overview-stream.ts";

export function OverviewPage({ overview, live }: { overview: Overview | null; live: boolean }) {
  if (!overview) return <p role="status">Connecting to the live feed…</p>;
  const t = overview.metrics.trades;
  const decided = (t.confirmed ?? 0) + (t.reverted ?? 0) + (t.dropped ?? 0);
  const winRate = decided > 0 ? `${(((t.confirmed ?? 0) / decided) * 100).toFixed(1)}%` : "-";
  const profit = overview.mode === "live" ? overview.metrics.realizedProfit : overview.metrics.simulatedProfit;
  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">Overview</h1>
      <p class={live ? "badge ok" : "badge warn"} role="status">
        {live ? "Live updates" : "Live feed interrupted"}
      </p>
      <div class="cards">
        <dl class="card" aria-label="Mode">
          <dt>Mode</dt>
          <dd class={`mode-${overview.mode}`}>{overview.mode}</dd>
          <dt>Epoch</dt>
          <dd>{overview.epoch}</dd>
          <dt>Since</dt>
          <dd>{new Date(overview.since).toLocaleString()}</dd>
          <dt>Kill switch</dt>
          <dd class={overview.killSwitch.engaged ? "danger" : ""}>
            {overview.killSwitch.engaged
              ? `engaged${overview.killSwitch.reason ? `: ${overview.killSwitch.reason}` : ""}`
              : "released"}
          </dd>
        </dl>
        <dl class="card" aria-label="This epoch">
          <dt>P&amp;L ({overview.mode === "live" ? "realized" : "simulated"}, WETH)</dt>
          <dd>{formatWei(profit)}</dd>
          <dt>Win rate</dt>
          <dd>{winRate}</dd>
          <dt>Orders</dt>
          <dd>{overview.metrics.orders}</dd>
          <dt>Trades</dt>
          <dd>{Object.values(t).reduce((a, b) => a + b, 0)}</dd>
          <dt>Opportunities</dt>
          <dd>{overview.metrics.opportunities}</dd>
        </dl>
        <div class="card">
          <h2>Health</h2>
          <ul aria-label="Health">
            {overview.health.map((h) => (
              <li class={h.ok ? "ok" : "danger"}>
                {h.name === "rpc" ? "chain" : h.name}: {h.ok ? "ok" : "failing"} <small>{h.detail}</small>
              </li>
            ))}
          </ul>
        </div>
      </div>
    </section>
  );
}
