import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError, can, currentClaims, onSession, refresh, signIn, signOut, type Claims } from "./api.ts";
import type { Permission } from "../../identity/roles.ts";
import { useOverview } from "./overview-stream.ts";
import { CompliancePage, RiskPage } from "./pages/admin.tsx";
import { AuditPage } from "./pages/audit.tsx";
import { UsersPage } from "./pages/users.tsx";
import { OpportunitiesPage, TradesPage } from "./pages/lists.tsx";
import { ModePage } from "./pages/mode.tsx";
import { OverviewPage } from "./pages/overview.tsx";
import { PnlPage } from "./pages/pnl.tsx";
import { Field, Message } from "./ui.tsx";

/** Pages by hash route, each shown only to roles whose permission it needs (the API enforces it anyway). */
const PAGES: { path: string; title: string; permission: Permission }[] = [
  { path: "overview", title: "Overview", permission: "mode.read" },
  { path: "mode", title: "Mode", permission: "mode.read" },
  { path: "trades", title: "Trades", permission: "trading.read" },
  { path: "opportunities", title: "Opportunities", permission: "trading.read" },
  { path: "pnl", title: "P&L", permission: "trading.read" },
  { path: "risk", title: "Risk limits", permission: "risk.read" },
  { path: "audit", title: "Audit", permission: "audit.read" },
  { path: "compliance", title: "Compliance", permission: "compliance.report.read" },
  { path: "users", title: "Users", permission: "users.read" },
];

function useHash(): string {
  const [hash, setHash] = useState(location.hash.slice(2) || "overview");
  useEffect(() => {
    const on = () => setHash(location.hash.slice(2) || "overview");
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  return hash;
}

function SignIn() {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [error, setError] = useState<unknown>(null);
  const submit = (e: Event) => {
    e.preventDefault();
    signIn(email, password, code).catch((err: unknown) =>
      setError(err instanceof ApiError ? err : new Error(String(err))),
    );
  };
  return (
    <main class="signin">
      <form onSubmit={submit} aria-labelledby="signin-title">
        <h1 id="signin-title">Sign in to Alpha-Orion</h1>
        <Field label="Email" value={email} onInput={setEmail} type="email" autocomplete="username" />
        <Field
          label="Password"
          value={password}
          onInput={setPassword}
          type="password"
          autocomplete="current-password"
        />
        <Field label="One-time code" value={code} onInput={setCode} inputMode="numeric" autocomplete="one-time-code" />
        <Message error={error} />
        <button type="submit">Sign in</button>
      </form>
    </main>
  );
}

function Console({ claims }: { claims: Claims }) {
  const hash = useHash();
  const { overview, live } = useOverview();
  const visible = PAGES.filter((p) => can(p.permission));
  const page = visible.find((p) => p.path === hash) ?? visible[0];
  useEffect(() => {
    document.title = `${page?.title ?? "Console"} · Alpha-Orion`;
  }, [page]);
  return (
    <>
      <header>
        <strong>Alpha-Orion</strong>
        <span class={`mode-${overview?.mode ?? "unknown"}`} aria-label="Current mode">
          {overview ? `${overview.mode} · epoch ${overview.epoch}` : "…"}
        </span>
        <span>
          {claims.role}
          <button type="button" class="secondary" onClick={() => void signOut()}>
            Sign out
          </button>
        </span>
      </header>
      <nav aria-label="Pages">
        <ul>
          {visible.map((p) => (
            <li>
              <a href={`#/${p.path}`} aria-current={p === page ? "page" : undefined}>
                {p.title}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main>
        {page?.path === "overview" && <OverviewPage overview={overview} live={live} />}
        {page?.path === "mode" && <ModePage overview={overview} />}
        {page?.path === "trades" && <TradesPage />}
        {page?.path === "opportunities" && <OpportunitiesPage />}
        {page?.path === "pnl" && <PnlPage />}
        {page?.path === "risk" && <RiskPage />}
        {page?.path === "audit" && <AuditPage />}
        {page?.path === "compliance" && <CompliancePage />}
        {page?.path === "users" && <UsersPage overview={overview} />}
      </main>
    </>
  );
}

function App() {
  const [claims, setClaims] = useState<Claims | null>(currentClaims());
  const [ready, setReady] = useState(false);
  useEffect(() => onSession(setClaims), []);
  // A reload keeps the session: the refresh cookie buys a new access token.
  useEffect(() => void refresh().finally(() => setReady(true)), []);
  // Refresh in the background a minute before the access token expires.
  useEffect(() => {
    if (!claims) return;
    const ms = Math.max(5_000, (claims.expiresAt - 60) * 1000 - Date.now());
    const timer = setTimeout(() => void refresh(), ms);
    return () => clearTimeout(timer);
  }, [claims]);
  if (!ready) return <p role="status">Loading…</p>;
  return claims ? <Console claims={claims} /> : <SignIn />;
}

const root = document.getElementById("app");
if (root) render(<App />, root);
