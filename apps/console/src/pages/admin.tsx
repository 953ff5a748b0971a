import { useState } from "preact/hooks";
import { api, can } from "../api.ts";
import { Field, Message, Select, Table, useLoad } from "../ui.tsx";
import { ROLES } from "../../../identity/roles.ts";

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

interface AuditRow {
  seq: number;
  at: string;
  actor: string;
  action: string;
  outcome: string;
  subject: string | null;
}

export function AuditPage() {
  const [actor, setActor] = useState("");
  const [action, setAction] = useState("");
  const query = new URLSearchParams({ limit: "50" });
  if (actor) query.set("actor", actor);
  if (action) query.set("action", action);
  const rows = useLoad(
    () => api<{ items: AuditRow[]; verified?: boolean }>("GET", `/compliance/audit?${query.toString()}`),
    [query.toString()],
  );
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit ledger</h1>
      <div class="filters" role="group" aria-label="Filters">
        <Field label="Actor" value={actor} onInput={setActor} required={false} />
        <Field label="Action" value={action} onInput={setAction} required={false} />
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
        ]}
      />
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

export function UsersPage() {
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<string>("viewer");
  const [password, setPassword] = useState("");
  const [userId, setUserId] = useState("");
  const [newRole, setNewRole] = useState<string>("viewer");
  const [result, setResult] = useState<{ ok?: string; error?: unknown }>({});
  const run = (e: Event, action: () => Promise<string>) => {
    e.preventDefault();
    action().then(
      (ok) => setResult({ ok }),
      (error: unknown) => setResult({ error }),
    );
  };
  return (
    <section aria-labelledby="users-title">
      <h1 id="users-title">Users</h1>
      <Message error={result.error} ok={result.ok ?? null} />
      <form
        aria-label="Create a user"
        onSubmit={(e) =>
          run(e, async () => {
            const u = await api<{ id: string; totpSecret?: string }>("POST", "/users", { email, role, password });
            return `Created ${email} (${u.id}); give them their one-time-code secret out of band.`;
          })
        }
      >
        <h2>Create a user</h2>
        <Field label="Email" value={email} onInput={setEmail} type="email" />
        <Select label="Role" value={role} options={[...ROLES]} onChange={setRole} />
        <Field
          label="Initial password"
          value={password}
          onInput={setPassword}
          type="password"
          autocomplete="new-password"
        />
        <button type="submit">Create user</button>
      </form>
      <form
        aria-label="Change a role"
        onSubmit={(e) =>
          run(e, async () => {
            const res = await api<{ status?: string }>("POST", `/users/${userId}/role`, { role: newRole });
            return res?.status === "pending"
              ? "Role change requested: a second admin must approve it."
              : "Role changed.";
          })
        }
      >
        <h2>Change a role</h2>
        <Field label="User id" value={userId} onInput={setUserId} />
        <Select label="New role" value={newRole} options={[...ROLES]} onChange={setNewRole} />
        <button type="submit">Change role</button>
      </form>
    </section>
  );
}
