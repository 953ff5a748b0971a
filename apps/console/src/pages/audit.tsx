import { useState } from "preact/hooks";
import { api } from "../api.ts";
import { Field, Message, Select, Table, useLoad, usePager } from "../ui.tsx";

interface AuditRow {
  seq: number;
  at: string;
  actor: string;
  action: string;
  outcome: string;
  subject: string | null;
  detail: Record<string, unknown>;
}

/** GET /compliance/audit/verify: the same check as `orion audit verify`. */
interface Verification {
  ok: boolean;
  rows: number;
  head?: string;
  firstBroken?: { seq: number; reason: string };
  anchor: { seq: number; at: string } | null;
  anchorRejected: string | null;
  elapsedMs: number;
  checkedAt: string;
}

function VerificationStatus({ v }: { v: Verification }) {
  const when = new Date(v.checkedAt).toLocaleString();
  if (v.anchorRejected !== null) {
    return (
      <p role="alert" class="error">
        Anchor rejected: {v.anchorRejected} (checked {when}).
      </p>
    );
  }
  if (!v.ok) {
    return (
      <p role="alert" class="error">
        Chain broken at row {v.firstBroken?.seq}: {v.firstBroken?.reason}. The {v.rows} rows before it are intact
        (checked {when}).
      </p>
    );
  }
  return (
    <p role="status" class="ok">
      Chain intact: {v.rows} rows, every link and hash checked in {v.elapsedMs} ms;{" "}
      {v.anchor
        ? `matches the signed anchor of row ${v.anchor.seq} (${new Date(v.anchor.at).toLocaleString()})`
        : "no signed anchor yet"}{" "}
      (checked {when}).
    </p>
  );
}

/** A datetime-local value (the operator's local time) as the API's ISO instant; "" when empty or unparsable. */
const isoOf = (local: string) => {
  const t = Date.parse(local);
  return Number.isNaN(t) ? "" : new Date(t).toISOString();
};

/** The audit ledger with filters, and whether its hash chain and anchors verify. */
export function AuditPage() {
  const [actor, setActor] = useState("");
  const [action, setAction] = useState("");
  const [outcome, setOutcome] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [verifyTick, setVerifyTick] = useState(0);
  const { cursor, reset, pager } = usePager("Ledger pages");
  const query = new URLSearchParams({ limit: "50" });
  if (actor) query.set("actor", actor);
  if (action) query.set("action", action);
  if (outcome) query.set("outcome", outcome);
  if (isoOf(from)) query.set("from", isoOf(from));
  if (isoOf(to)) query.set("to", isoOf(to));
  if (cursor) query.set("cursor", cursor);
  const rows = useLoad(
    () => api<{ items: AuditRow[]; nextCursor: string | null }>("GET", `/compliance/audit?${query.toString()}`),
    [query.toString()],
  );
  const verification = useLoad(() => api<Verification>("GET", "/compliance/audit/verify"), [verifyTick]);
  const filter = (set: (v: string) => void) => (v: string) => {
    set(v);
    reset();
  };
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit ledger</h1>
      <h2>Verification</h2>
      {verification.data ? <VerificationStatus v={verification.data} /> : <Message error={verification.error} />}
      <button type="button" onClick={() => setVerifyTick((t) => t + 1)}>
        Verify again
      </button>
      <h2>Rows</h2>
      <div class="filters" role="group" aria-label="Filters">
        <Field label="Actor" value={actor} onInput={filter(setActor)} required={false} />
        <Field label="Action" value={action} onInput={filter(setAction)} required={false} />
        <Select
          label="Outcome"
          value={outcome}
          options={["", "success", "denied", "failure"]}
          onChange={filter(setOutcome)}
        />
        <Field label="From" type="datetime-local" value={from} onInput={filter(setFrom)} required={false} />
        <Field label="To" type="datetime-local" value={to} onInput={filter(setTo)} required={false} />
      </div>
      <Message error={rows.error} />
      <Table
        caption="Hash-chained ledger rows in chain order"
        rows={rows.data?.items ?? []}
        columns={[
          ["#", (r) => r.seq],
          ["Time", (r) => new Date(r.at).toLocaleString()],
          ["Actor", (r) => r.actor],
          ["Action", (r) => r.action],
          ["Outcome", (r) => r.outcome],
          ["Subject", (r) => r.subject ?? "-"],
          ["Detail", (r) => <code>{JSON.stringify(r.detail)}</code>],
        ]}
      />
      {pager(rows.data?.nextCursor)}
    </section>
  );
}
