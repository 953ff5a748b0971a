/** The lifecycle columns every two-person request table shares (mode switches, privilege grants, limit raises). */
export interface DecisionRow<Status extends string> {
  requested_by: string;
  requested_at: Date;
  expires_at: Date;
  status: Status;
  decided_by: string | null;
  decided_at: Date | null;
  outcome_detail: string | null;
}

/** Those columns as the API answers them: camel case, timestamps in ISO 8601. */
export function decisionFields<Status extends string>(r: DecisionRow<Status>) {
  return {
    requestedBy: r.requested_by,
    requestedAt: r.requested_at.toISOString(),
    expiresAt: r.expires_at.toISOString(),
    status: r.status,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at?.toISOString() ?? null,
    outcomeDetail: r.outcome_detail,
  };
}
