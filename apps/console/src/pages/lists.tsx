import { useState } from "preact/hooks";
import { api } from "../api.ts";
import { Field, Message, Select, Table, formatWei, useLoad, usePager } from "../ui.tsx";

interface Page<R> {
  items: R[];
  nextCursor: string | null;
}

interface Trade {
  id: string;
  mode: string;
  epoch: number;
  blockNumber: string | null;
  status: string;
  amountIn: string;
  predictedProfit: string;
  realizedProfit: string | null;
  txHash: string | null;
  createdAt: string;
}

interface Opportunity {
  id: string;
  mode: string;
  epoch: number;
  blockNumber: string;
  amountIn: string;
  profit: string;
  decision: string;
  detectedAt: string;
}

const STATUSES = ["", "simulated", "confirmed", "reverted", "dropped", "rejected", "pending", "sent"];

/** Filters and cursor pagination over GET /trades or GET /opportunities. */
function useFilteredPages<R>(path: string) {
  const [mode, setMode] = useState("");
  const [epoch, setEpoch] = useState("");
  const [status, setStatus] = useState("");
  const { cursor, reset, pager: pagerFor } = usePager();
  const query = new URLSearchParams({ limit: "25" });
  if (mode) query.set("mode", mode);
  if (/^[1-9]\d*$/.test(epoch)) query.set("epoch", epoch);
  if (status) query.set("status", status);
  if (cursor) query.set("cursor", cursor);
  const page = useLoad(() => api<Page<R>>("GET", `${path}?${query.toString()}`), [query.toString()]);
  const filters = (
    <div class="filters" role="group" aria-label="Filters">
      <Select label="Mode" value={mode} options={["", "sim", "live"]} onChange={(v) => (setMode(v), reset())} />
      <Field label="Epoch" value={epoch} onInput={(v) => (setEpoch(v), reset())} inputMode="numeric" required={false} />
      <Select label="Status" value={status} options={STATUSES} onChange={(v) => (setStatus(v), reset())} />
    </div>
  );
  const pager = pagerFor(page.data?.nextCursor);
  return { page, filters, pager };
}

export function TradesPage() {
  const { page, filters, pager } = useFilteredPages<Trade>("/trades");
  return (
    <section aria-labelledby="trades-title">
      <h1 id="trades-title">Trades</h1>
      {filters}
      <Message error={page.error} />
      <Table
        caption="Trades, newest first"
        rows={page.data?.items ?? []}
        columns={[
          ["Time", (t) => new Date(t.createdAt).toLocaleTimeString()],
          ["Mode / epoch", (t) => `${t.mode} / ${t.epoch}`],
          ["Block", (t) => t.blockNumber ?? "-"],
          ["Status", (t) => t.status],
          ["Amount in", (t) => formatWei(t.amountIn)],
          ["Predicted profit", (t) => formatWei(t.predictedProfit)],
          ["Realized profit", (t) => formatWei(t.realizedProfit)],
          ["Transaction", (t) => (t.txHash ? `${t.txHash.slice(0, 10)}…` : "-")],
        ]}
      />
      {pager}
    </section>
  );
}

export function OpportunitiesPage() {
  const { page, filters, pager } = useFilteredPages<Opportunity>("/opportunities");
  return (
    <section aria-labelledby="opportunities-title">
      <h1 id="opportunities-title">Opportunities</h1>
      {filters}
      <Message error={page.error} />
      <Table
        caption="Opportunities and the orchestrator's verdicts, newest first"
        rows={page.data?.items ?? []}
        columns={[
          ["Time", (o) => new Date(o.detectedAt).toLocaleTimeString()],
          ["Mode / epoch", (o) => `${o.mode} / ${o.epoch}`],
          ["Block", (o) => o.blockNumber],
          ["Amount in", (o) => formatWei(o.amountIn)],
          ["Profit", (o) => formatWei(o.profit)],
          ["Decision", (o) => o.decision],
        ]}
      />
      {pager}
    </section>
  );
}
