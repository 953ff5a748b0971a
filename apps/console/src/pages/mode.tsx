import { useState } from "preact/hooks";
import { api, can } from "../api.ts";
import type { Overview } from "../overview-stream.ts";
import { Field, Message, SecondFactorDialog, Table } from "../ui.tsx";

const LIVE_PHRASE = "switch to live with real capital";

export function ModePage({ overview }: { overview: Overview | null }) {
  const [reason, setReason] = useState("");
  const [confirm, setConfirm] = useState("");
  const [killReason, setKillReason] = useState("");
  const [result, setResult] = useState<{ ok?: string | null; error?: unknown }>({});
  const [dialog, setDialog] = useState<{ title: string; action: () => Promise<string> } | null>(null);
  const run = (action: () => Promise<string>) =>
    action().then(
      (ok) => setResult({ ok }),
      (error: unknown) => setResult({ error }),
    );
  const requestLive = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      await api("POST", "/mode/switch", { target: "live", reason, confirm });
      return "Live mode requested: a second admin must approve it within 15 minutes.";
    });
  };
  const switchSim = () =>
    run(async () => {
      await api("POST", "/mode/switch", {
        target: "sim",
        reason: reason || "operator switch to sim",
        confirm: "switch to sim",
      });
      return "Switched to sim.";
    });
  const engage = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      await api("POST", "/killswitch", { engaged: true, reason: killReason || "engaged from the console" });
      return "Kill switch engaged: no new orders anywhere.";
    });
  };
  const release = () =>
    setDialog({
      title: "Release the kill switch",
      action: async () => {
        await api("POST", "/killswitch", { engaged: false, reason: killReason || "released from the console" });
        return "Kill switch released.";
      },
    });
  const approve = (id: string) =>
    setDialog({
      title: "Approve the switch to live",
      action: async () => {
        await api("POST", `/mode/switch/${id}/approve`, { confirm: LIVE_PHRASE });
        return "Approved: the platform is switching to live.";
      },
    });

  return (
    <section aria-labelledby="mode-title">
      <h1 id="mode-title">Mode and kill switch</h1>
      <p>
        Mode <strong>{overview?.mode ?? "…"}</strong>, epoch {overview?.epoch ?? "…"}; kill switch{" "}
        <strong>{overview ? (overview.killSwitch.engaged ? "engaged" : "released") : "…"}</strong>.
      </p>
      <Message ok={result.ok ?? null} error={result.error} />
      {can("killswitch.set") && (
        <form onSubmit={engage} aria-label="Kill switch">
          <h2>Kill switch</h2>
          <Field label="Kill switch reason" value={killReason} onInput={setKillReason} required={false} />
          <div class="actions">
            <button type="submit" class="danger">
              Engage kill switch
            </button>
            <button type="button" onClick={release}>
              Release kill switch
            </button>
          </div>
        </form>
      )}
      {can("mode.switch.sim") && (
        <div>
          <h2>Switch to sim</h2>
          <button type="button" onClick={() => void switchSim()}>
            Switch to sim now
          </button>
        </div>
      )}
      {can("mode.switch.live") && (
        <form onSubmit={requestLive} aria-label="Request live mode">
          <h2>Request live mode</h2>
          <Field label="Reason" value={reason} onInput={setReason} />
          <Field label={`Type "${LIVE_PHRASE}" to confirm`} value={confirm} onInput={setConfirm} />
          <button type="submit">Request live mode</button>
        </form>
      )}
      <h2>Pending requests</h2>
      <Table
        caption="Mode switch requests awaiting a second admin"
        rows={overview?.pendingRequests ?? []}
        columns={[
          ["Target", (r) => r.target],
          ["Reason", (r) => r.reason],
          ["Requested by", (r) => r.requestedBy],
          ["Expires", (r) => new Date(r.expiresAt).toLocaleTimeString()],
          [
            "Action",
            (r) =>
              can("mode.switch.live") ? (
                <button type="button" onClick={() => approve(r.id)} aria-label={`Approve request ${r.reason}`}>
                  Approve
                </button>
              ) : (
                "-"
              ),
          ],
        ]}
      />
      {dialog && (
        <SecondFactorDialog
          title={dialog.title}
          action={dialog.action}
          onDone={(ok) => setResult({ ok })}
          onClose={() => setDialog(null)}
        />
      )}
    </section>
  );
}
