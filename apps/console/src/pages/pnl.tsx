import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { api } from "../api.ts";
import { Message, Select, Table, formatWei, useLoad } from "../ui.tsx";

interface EpochPnl {
  mode: string;
  epoch: number;
  confirmed: number;
  reverted: number;
  simulated: number;
  realizedProfit: string | null;
  simulatedProfit: string | null;
  gasUsed: string | null;
}

interface Trade {
  createdAt: string;
  realizedProfit: string | null;
  simulatedProfit: string | null;
}

/** Cumulative profit over the epoch's trades (float WETH for the chart; the table shows exact amounts). */
function Chart({ trades, label }: { trades: Trade[]; label: string }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current) return;
    const sorted = [...trades].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    let sum = 0;
    const xs = sorted.map((t) => new Date(t.createdAt).getTime() / 1000);
    const ys = sorted.map((t) => (sum += Number(BigInt(t.realizedProfit ?? t.simulatedProfit ?? "0")) / 1e18));
    const plot = new uPlot(
      {
        width: Math.min(el.current.clientWidth || 800, 900),
        height: 260,
        series: [{}, { label, stroke: "#2563eb", width: 2 }],
        axes: [{}, { label: "WETH" }],
      },
      [xs, ys],
      el.current,
    );
    return () => plot.destroy();
  }, [trades, label]);
  return <div ref={el} role="img" aria-label={`${label}: cumulative profit over the epoch`} />;
}

export function PnlPage() {
  const epochs = useLoad(() => api<{ items: EpochPnl[] }>("GET", "/pnl"), []);
  const options = (epochs.data?.items ?? []).map((e) => `${e.mode}/${e.epoch}`);
  const [selected, setSelected] = useState("");
  const chosen = selected || options.at(-1) || "";
  const [mode, epoch] = chosen.split("/");
  const trades = useLoad(
    () =>
      chosen
        ? api<{ items: Trade[] }>("GET", `/trades?mode=${mode}&epoch=${epoch}&limit=500`)
        : Promise.resolve({ items: [] }),
    [chosen],
  );
  return (
    <section aria-labelledby="pnl-title">
      <h1 id="pnl-title">P&amp;L per epoch</h1>
      <Message error={epochs.error ?? trades.error} />
      {options.length > 0 && <Select label="Epoch" value={chosen} options={options} onChange={setSelected} />}
      {trades.data && <Chart trades={trades.data.items} label={`epoch ${chosen}`} />}
      <Table
        caption="Each epoch starts at zero; sim and live never mix"
        rows={epochs.data?.items ?? []}
        columns={[
          ["Mode", (e) => e.mode],
          ["Epoch", (e) => e.epoch],
          ["Confirmed", (e) => e.confirmed],
          ["Reverted", (e) => e.reverted],
          ["Simulated", (e) => e.simulated],
          ["Realized profit (WETH)", (e) => formatWei(e.realizedProfit)],
          ["Simulated profit (WETH)", (e) => formatWei(e.simulatedProfit)],
        ]}
      />
    </section>
  );
}
