import { useState } from "preact/hooks";
import { api, can } from "../api.ts";
import { Field, Message, Select, Table, useLoad } from "../ui.tsx";

interface Limits {
  version: number;
  limits: Record<string, unknown>;
}

export function RiskPage() {
  const limits = useLoad(() => api<Limits>("GET", "/risk/limits"), []);
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [result, setResult] = useState<{ ok?: string; error?: unknown }>({});
  const scalar = Object.entries(limits.data?.limits ?? {}).filter(([, v]) => typeof v !== "object");
  const save = async (e: Event) => {
    e.preventDefault();
    if (!limits.data) return;
    const next: Record<string, unknown> = { ...limits.data.limits };
    for (const [k, v] of Object.entries(draft)) next[k] = typeof limits.data.limits[k] === "number" ? Number(v) : v;
    try {
      const res = await api<{ status?: string }>("PUT", "/risk/limits", {
        expectedVersion: limits.data.version,
        limits: next,
      });
      setResult({
        ok: res?.status === "pending" ? "Change requested: a second admin must approve it." : "Limits saved.",
      });
      limits.reload();
    } catch (error) {
      setResult({ error });
    }
  };
  return (
    <section aria-labelledby="risk-title">
      <h1 id="risk-title">Risk limits</h1>
      <Message error={limits.error ?? result.error} ok={result.ok ?? null} />
      <Table
        caption={`Current limits (version ${limits.data?.version ?? "…"}); amounts in base units`}
        rows={scalar}
        columns={[
          ["Limit", ([k]) => k],
          ["Value", ([, v]) => String(v)],
        ]}
      />
      {can("risk.write") && limits.data && (
        <form onSubmit={save} aria-label="Edit risk limits">
          <h2>Edit</h2>
          {scalar.map(([k, v]) => (
            <Field label={k} value={draft[k] ?? String(v)} onInput={(x) => setDraft({ ...draft, [k]: x })} />
          ))}
          <button type="submit">Save limits</button>
        </form>
      )}
    </section>
  );
}

interface Report {
  generatedAt: string;
  summary: { resources: number; controls: number; violations: number; mandatory: number };
  controls: {
    id: string;
    title: string;
    frameworks: Record<string, string[]>;
    status: string;
    checked: number;
    failed: number;
  }[];
}

export function CompliancePage() {
  const [stack, setStack] = useState("prod");
  const report = useLoad(
    () => api<{ report?: Report } & Partial<Report>>("GET", `/compliance/report?stack=${stack}`),
    [stack],
  );
  const r: Report | null = (report.data?.report ?? (report.data as Report | null)) || null;
  return (
    <section aria-labelledby="compliance-title">
      <h1 id="compliance-title">Compliance</h1>
      <Select label="Stack" value={stack} options={["dev", "staging", "prod"]} onChange={setStack} />
      <Message error={report.error} />
      {r?.summary && (
        <p>
          Report of {new Date(r.generatedAt).toLocaleString()}: {r.summary.controls} controls over {r.summary.resources}{" "}
          resources, {r.summary.violations} violations ({r.summary.mandatory} mandatory).
        </p>
      )}
      <Table
        caption="Control matrix"
        rows={r?.controls ?? []}
        columns={[
          ["Control", (c) => c.id],
          ["Title", (c) => c.title],
          ["SOC 2", (c) => (c.frameworks.soc2 ?? []).join(", ") || "-"],
          ["PCI DSS 4.0", (c) => (c.frameworks["pci-dss-4.0"] ?? []).join(", ") || "-"],
          ["CIS GCP 3.0", (c) => (c.frameworks["cis-gcp-3.0"] ?? []).join(", ") || "-"],
          ["Status", (c) => c.status],
          ["Checked", (c) => c.checked],
          ["Failed", (c) => c.failed],
        ]}
      />
    </section>
  );
}
