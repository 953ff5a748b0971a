import type { Counter } from "prom-client";
import type { AuditEvent, AuditLedger } from "../audit/index.ts";

/** A 4xx answer that no route audited more specifically. */
export interface Denial {
  status: number;
  problem: string;
  method: string;
  /** The matched route's pattern, or "unmatched". */
  route: string;
  actor: string;
  subject: string | null;
  pii?: { ip: string };
}

interface Tally {
  status: number;
  problem: string;
  method: string;
  route: string;
  count: number;
  /** Of count, how many were refused by the full ledger queue rather than summarised as a flood. */
  shed: number;
  from: Date;
  to: Date;
}

export const SUMMARY_INTERVAL_MS = 10_000;

const kindOf = (d: { status: number; problem: string; method: string; route: string }) =>
  `${d.status} ${d.problem} ${d.method} ${d.route}`;

/** Unmatched URLs and the limiter's own answers: what a scanner or a flood produces by the thousand. */
function isFlood(d: Denial): boolean {
  return d.status === 429 || d.route === "unmatched";
}

/**
 * The ledger rows of generic denials. Each is its own row while the ledger keeps up, except floods: within each
 * period the first answer to an unmatched URL (404, a bad URL) or 429 of a kind (status, problem, method, route) is its own row and the rest of
 * that kind become one `request.denied.summary` row with their count when the period ends. When the ledger's queue
 * is full, generic denials are summarised the same way (and counted by the shed metric) instead of queued: they are
 * the only appends that may be, since routes' own rows (authentication, authorization, changes) always wait for
 * theirs.
 */
export class DenialRecorder {
  private tallies = new Map<string, Tally>();
  private seen = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly ledger: AuditLedger,
    private readonly clock: () => Date,
    private readonly summarised: Counter<"reason">,
    private readonly intervalMs = SUMMARY_INTERVAL_MS,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.flush().catch(() => undefined), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }

  /** Denials counted but not yet written in a summary row. */
  get pending(): number {
    let n = 0;
    for (const t of this.tallies.values()) n += t.count;
    return n;
  }

  async record(d: Denial): Promise<void> {
    const kind = kindOf(d);
    const flood = isFlood(d);
    if (flood && this.seen.has(kind)) {
      this.summarised.inc({ reason: "flood" });
      return this.count(kind, d, false);
    }
    if (flood) this.seen.add(kind);
    const event: AuditEvent = {
      actor: d.actor,
      action: "request.denied",
      outcome: "denied",
      subject: d.subject,
      detail: { status: d.status, problem: d.problem, method: d.method, route: d.route },
      ...(d.pii ? { pii: d.pii } : {}),
    };
    const appended = this.ledger.offer(event);
    if (appended) {
      await appended;
      return;
    }
    this.summarised.inc({ reason: "queue-full" });
    this.count(kind, d, true);
  }

  /** Writes one summary row per kind counted since the last flush. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.writeSummaries());
    return this.flushing;
  }

  private count(kind: string, d: Denial, shed: boolean): void {
    const now = this.clock();
    const t = this.tallies.get(kind);
    if (t) {
      t.count += 1;
      t.shed += shed ? 1 : 0;
      t.to = now;
    } else {
      const { status, problem, method, route } = d;
      this.tallies.set(kind, { status, problem, method, route, count: 1, shed: shed ? 1 : 0, from: now, to: now });
    }
  }

  private async writeSummaries(): Promise<void> {
    const tallies = [...this.tallies.values()];
    this.tallies = new Map();
    this.seen = new Set();
    const results = await Promise.allSettled(
      tallies.map((t) =>
        this.ledger.append({
          actor: "api",
          action: "request.denied.summary",
          outcome: "denied",
          subject: null,
          detail: {
            status: t.status,
            problem: t.problem,
            method: t.method,
            route: t.route,
            count: t.count,
            shed: t.shed,
            from: t.from.toISOString(),
            to: t.to.toISOString(),
          },
        }),
      ),
    );
    // A summary not written goes back into the next period's tallies rather than being lost.
    results.forEach((r, i) => {
      const t = tallies[i];
      if (r.status === "fulfilled" || t === undefined) return;
      const later = this.tallies.get(kindOf(t));
      this.tallies.set(
        kindOf(t),
        later ? { ...later, count: later.count + t.count, shed: later.shed + t.shed, from: t.from } : t,
      );
    });
  }
}
