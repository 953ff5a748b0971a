import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { Mode } from "../control/index.ts";
import { decisionFields, type DecisionRow } from "./decision-row.ts";

/** A live switch needs a second admin within this window. */
export const APPROVAL_WINDOW_MS = 15 * 60 * 1000;

/** What an operator must type, verbatim, to change the mode. */
export const CONFIRM_PHRASES: Record<Mode, string> = {
  sim: "switch to sim",
  live: "switch to live with real capital",
};

export interface ModeSwitchRequest {
  id: string;
  target: Mode;
  reason: string;
  requestedBy: string;
  requestedAt: string;
  expiresAt: string;
  expectedVersion: number;
  status: "pending" | "approved" | "failed" | "expired";
  decidedBy: string | null;
  decidedAt: string | null;
  outcomeDetail: string | null;
}

interface Row extends DecisionRow<ModeSwitchRequest["status"]> {
  id: string;
  target: Mode;
  reason: string;
  expected_version: number;
}

function toRequest(r: Row): ModeSwitchRequest {
  return {
    id: r.id,
    target: r.target,
    reason: r.reason,
    expectedVersion: r.expected_version,
    ...decisionFields(r),
  };
}

export class ModeRequests {
  constructor(private readonly pool: pg.Pool) {}

  async create(
    target: Mode,
    reason: string,
    requestedBy: string,
    expectedVersion: number,
    now: Date,
  ): Promise<ModeSwitchRequest> {
    const { rows } = await this.pool.query<Row>(
      `INSERT INTO mode_switch_requests (id, target, reason, requested_by, requested_at, expires_at, expected_version, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending') RETURNING *`,
      [randomUUID(), target, reason, requestedBy, now, new Date(now.getTime() + APPROVAL_WINDOW_MS), expectedVersion],
    );
    return toRequest(rows[0] as Row);
  }

  async get(id: string): Promise<ModeSwitchRequest | null> {
    const { rows } = await this.pool.query<Row>("SELECT * FROM mode_switch_requests WHERE id = $1", [id]);
    return rows[0] ? toRequest(rows[0]) : null;
  }

  /**
   * Takes the request for exactly one approver: only a pending, unexpired request moves to approved, so two
   * concurrent approvals cannot both switch.
   */
  async claim(id: string, approver: string, now: Date): Promise<ModeSwitchRequest | null> {
    const { rows } = await this.pool.query<Row>(
      `UPDATE mode_switch_requests SET status = 'approved', decided_by = $2, decided_at = $3
        WHERE id = $1 AND status = 'pending' AND expires_at > $3 AND requested_by <> $2 RETURNING *`,
      [id, approver, now],
    );
    return rows[0] ? toRequest(rows[0]) : null;
  }

  async finish(id: string, status: "failed" | "expired", detail: string, now: Date): Promise<void> {
    await this.pool.query(
      `UPDATE mode_switch_requests SET status = $2, outcome_detail = $3, decided_at = coalesce(decided_at, $4) WHERE id = $1`,
      [id, status, detail, now],
    );
  }

  /** Requests still awaiting a second admin, oldest first. */
  async listPending(now: Date): Promise<ModeSwitchRequest[]> {
    const { rows } = await this.pool.query<Row>(
      "SELECT * FROM mode_switch_requests WHERE status = 'pending' AND expires_at > $1 ORDER BY requested_at",
      [now],
    );
    return rows.map(toRequest);
  }

  async listByUser(userId: string): Promise<ModeSwitchRequest[]> {
    const { rows } = await this.pool.query<Row>(
      "SELECT * FROM mode_switch_requests WHERE requested_by = $1 OR decided_by = $1 ORDER BY requested_at",
      [userId],
    );
    return rows.map(toRequest);
  }
}
