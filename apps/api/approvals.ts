import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { Json } from "../audit/index.ts";
import { APPROVAL_WINDOW_MS } from "./mode-requests.ts";
import { decisionFields, type DecisionRow } from "./decision-row.ts";

/** Changes besides live switches that wait for a second admin (see approvalRefusal for who counts as one). */
export type ApprovalKind = "role.grant" | "risk.limits";

export interface ApprovalRequest {
  id: string;
  kind: ApprovalKind;
  /** The account a role grant is for. */
  subject: string | null;
  payload: { [key: string]: Json };
  requestedBy: string;
  requestedAt: string;
  expiresAt: string;
  status: "pending" | "approved" | "failed" | "expired";
  decidedBy: string | null;
  decidedAt: string | null;
  outcomeDetail: string | null;
}

interface Row extends DecisionRow<ApprovalRequest["status"]> {
  id: string;
  kind: ApprovalKind;
  subject: string | null;
  payload: { [key: string]: Json };
}

function toRequest(r: Row): ApprovalRequest {
  return {
    id: r.id,
    kind: r.kind,
    subject: r.subject,
    payload: r.payload,
    ...decisionFields(r),
  };
}

export class ApprovalRequests {
  constructor(private readonly pool: pg.Pool) {}

  async create(
    kind: ApprovalKind,
    subject: string | null,
    payload: { [key: string]: Json },
    requestedBy: string,
    now: Date,
  ): Promise<ApprovalRequest> {
    const { rows } = await this.pool.query<Row>(
      `INSERT INTO approval_requests (id, kind, subject, payload, requested_by, requested_at, expires_at, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending') RETURNING *`,
      [randomUUID(), kind, subject, payload, requestedBy, now, new Date(now.getTime() + APPROVAL_WINDOW_MS)],
    );
    return toRequest(rows[0] as Row);
  }

  async get(kind: ApprovalKind, id: string): Promise<ApprovalRequest | null> {
    const { rows } = await this.pool.query<Row>("SELECT * FROM approval_requests WHERE id = $1 AND kind = $2", [
      id,
      kind,
    ]);
    return rows[0] ? toRequest(rows[0]) : null;
  }

  /** Pending, unexpired requests of one kind, oldest first. */
  async listPending(kind: ApprovalKind, now: Date): Promise<ApprovalRequest[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT * FROM approval_requests WHERE kind = $1 AND status = 'pending' AND expires_at > $2
        ORDER BY requested_at`,
      [kind, now],
    );
    return rows.map(toRequest);
  }

  /** Takes a pending, unexpired request for exactly one approver, so two concurrent approvals cannot both apply. */
  async claim(id: string, approver: string, now: Date): Promise<ApprovalRequest | null> {
    const { rows } = await this.pool.query<Row>(
      `UPDATE approval_requests SET status = 'approved', decided_by = $2, decided_at = $3
        WHERE id = $1 AND status = 'pending' AND expires_at > $3 AND requested_by <> $4 RETURNING *`,
      [id, approver, now, approver],
    );
    return rows[0] ? toRequest(rows[0]) : null;
  }

  async finish(id: string, status: "failed" | "expired", detail: string, now: Date): Promise<void> {
    await this.pool.query(
      `UPDATE approval_requests SET status = $2, outcome_detail = $3, decided_at = coalesce(decided_at, $4) WHERE id = $1`,
      [id, status, detail, now],
    );
  }
}
