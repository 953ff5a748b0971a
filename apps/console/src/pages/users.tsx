import { useRef, useState } from "preact/hooks";
import { ApiError, api, currentClaims } from "../api.ts";
import type { Overview } from "../overview-stream.ts";
import { Field, Message, SecondFactorDialog, Select, Table, useLoad, usePager } from "../ui.tsx";
import { ROLES } from "../../../identity/roles.ts";

interface Account {
  id: string;
  email: string | null;
  role: string;
  status: "active" | "disabled" | "erased";
  createdAt: string;
  external: boolean;
  totpEnrolled: boolean;
}

interface Grant {
  id: string;
  subject: string;
  payload: { role?: string };
  requestedBy: string;
  expiresAt: string;
}

interface Pending {
  title: string;
  action: () => Promise<string>;
  reason?: boolean;
}

/**
 * Users (admin): the accounts with their role and status, creating one, changing a role, disabling an account, and
 * approving a privileged grant another admin asked for. Every change needs a second factor proven in the last five
 * minutes: the change is tried, and a dialog asks for a fresh code when the API says so.
 *
 * The accounts and the grants are read again with every overview event (pushed every few seconds): a grant another
 * admin asks for, and the account it names, appear on a page left open, not only after navigating to it.
 */
export function UsersPage({ overview }: { overview: Overview | null }) {
  const me = currentClaims()?.userId;
  const { cursor, pager } = usePager("Account pages");
  const [tick, setTick] = useState(0);
  const accounts = useLoad(
    () =>
      api<{ items: Account[]; nextCursor: string | null }>(
        "GET",
        `/users?limit=50${cursor ? `&cursor=${cursor}` : ""}`,
      ),
    [cursor, tick, overview],
  );
  const grants = useLoad(() => api<{ items: Grant[] }>("GET", "/users/grants"), [tick, overview]);
  const [result, setResult] = useState<{ ok?: string; error?: unknown }>({});
  const [dialog, setDialog] = useState<Pending | null>(null);
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<string>("viewer");
  const [password, setPassword] = useState("");
  const [roles, setRoles] = useState<Record<string, string>>({});
  const [reason, setReason] = useState("");
  // Read when the dialog confirms, not when it opened.
  const reasonNow = useRef("");

  const done = (ok: string) => {
    setResult({ ok });
    setTick((t) => t + 1);
  };
  const change = (pending: Pending) =>
    pending.action().then(done, (error: unknown) => {
      if (error instanceof ApiError && error.type.endsWith("mfa-required")) setDialog(pending);
      else setResult({ error });
    });
  const nameOf = (id: string) => accounts.data?.items.find((a) => a.id === id)?.email ?? id;

  const create = (e: Event) => {
    e.preventDefault();
    void change({
      title: "Create the account",
      action: async () => {
        const u = await api<{ id: string; totpSecret: string; pendingGrant?: { role: string } }>("POST", "/users", {
          email,
          role,
          password,
        });
        const grant = u.pendingGrant ? ` It starts as viewer: a second admin must approve ${role}.` : "";
        return `Created ${email}. One-time-code secret, shown once: ${u.totpSecret}.${grant}`;
      },
    });
  };
  const setRoleOf = (a: Account) => {
    const target = roles[a.id] ?? a.role;
    void change({
      title: `Change the role of ${a.email ?? a.id}`,
      action: async () => {
        const res = await api<{ status?: string }>("POST", `/users/${a.id}/role`, { role: target });
        return res?.status === "pending"
          ? `A second admin must approve ${target} for ${a.email ?? a.id}.`
          : `${a.email ?? a.id} is now ${target}.`;
      },
    });
  };
  const disable = (a: Account) =>
    setDialog({
      title: `Disable ${a.email ?? a.id}`,
      reason: true,
      action: async () => {
        await api("POST", `/users/${a.id}/disable`, { reason: reasonNow.current });
        return `${a.email ?? a.id} is disabled and signed out everywhere.`;
      },
    });
  const approve = (g: Grant) =>
    setDialog({
      title: `Approve ${g.payload.role ?? "the role"} for ${nameOf(g.subject)}`,
      action: async () => {
        await api("POST", `/users/grants/${g.id}/approve`);
        return `Granted ${g.payload.role ?? "the role"} to ${nameOf(g.subject)}.`;
      },
    });

  return (
    <section aria-labelledby="users-title">
      <h1 id="users-title">Users</h1>
      <Message error={result.error ?? accounts.error ?? grants.error} ok={result.ok ?? null} />
      <Table
        caption="Accounts"
        rows={accounts.data?.items ?? []}
        columns={[
          ["Email", (a) => a.email ?? "(erased)"],
          ["Role", (a) => a.role],
          ["Status", (a) => a.status],
          ["Second factor", (a) => (a.external ? "identity provider" : a.totpEnrolled ? "own" : "initial")],
          ["Created", (a) => new Date(a.createdAt).toLocaleString()],
          [
            "Change role",
            (a) =>
              a.status === "active" && !a.external && a.id !== me ? (
                <div class="actions">
                  <Select
                    label={`New role for ${a.email ?? a.id}`}
                    value={roles[a.id] ?? a.role}
                    options={[...ROLES]}
                    onChange={(v) => setRoles({ ...roles, [a.id]: v })}
                  />
                  <button type="button" onClick={() => setRoleOf(a)}>
                    Change role of {a.email ?? a.id}
                  </button>
                </div>
              ) : (
                "-"
              ),
          ],
          [
            "Disable",
            (a) =>
              a.status === "active" && a.id !== me ? (
                <button type="button" class="danger" onClick={() => disable(a)}>
                  Disable {a.email ?? a.id}
                </button>
              ) : (
                "-"
              ),
          ],
        ]}
      />
      {pager(accounts.data?.nextCursor)}
      <h2>Role grants awaiting a second admin</h2>
      <Table
        caption="Privileged roles asked for by one admin; another admin (not the requester, not made by them) approves"
        rows={grants.data?.items ?? []}
        columns={[
          ["Account", (g) => nameOf(g.subject)],
          ["Role", (g) => g.payload.role ?? "-"],
          ["Requested by", (g) => nameOf(g.requestedBy)],
          ["Expires", (g) => new Date(g.expiresAt).toLocaleTimeString()],
          [
            "Action",
            (g) =>
              g.requestedBy === me ? (
                "waiting for another admin"
              ) : (
                <button type="button" onClick={() => approve(g)}>
                  Approve {g.payload.role} for {nameOf(g.subject)}
                </button>
              ),
          ],
        ]}
      />
      <form aria-label="Create a user" onSubmit={create}>
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
      {dialog && (
        <SecondFactorDialog title={dialog.title} action={dialog.action} onDone={done} onClose={() => setDialog(null)}>
          {dialog.reason && (
            <Field
              label="Reason"
              value={reason}
              onInput={(v) => {
                reasonNow.current = v;
                setReason(v);
              }}
            />
          )}
        </SecondFactorDialog>
      )}
    </section>
  );
}
