-- Four eyes that are two people (issue 13, item 1).
-- created_by / granted_by: who made the account and who asked for its current privileged role, so an approver is
-- never the requester's own creation (or creator). totp_enrolled_at: the account replaced the second factor its
-- creator handed over with one only it knows; until then it may not approve anything. totp_pending_enc: a secret
-- being enrolled, sealed with the user's subject key, confirmed by a code from it.
ALTER TABLE users
  ADD COLUMN created_by       text,
  ADD COLUMN granted_by       text,
  ADD COLUMN totp_enrolled_at timestamptz,
  ADD COLUMN totp_pending_enc bytea;

-- Changes that need a second admin besides live switches: privileged role grants and risk-raising limit changes.
CREATE TABLE approval_requests (
  id             uuid PRIMARY KEY,
  kind           text NOT NULL CHECK (kind IN ('role.grant', 'risk.limits')),
  -- The account a role grant is for; null for risk changes.
  subject        uuid,
  payload        jsonb NOT NULL,
  requested_by   text NOT NULL,
  requested_at   timestamptz NOT NULL,
  expires_at     timestamptz NOT NULL,
  status         text NOT NULL CHECK (status IN ('pending', 'approved', 'failed', 'expired')),
  decided_by     uuid,
  decided_at     timestamptz,
  outcome_detail text
);
CREATE INDEX approval_requests_pending ON approval_requests (kind, status, requested_at);
