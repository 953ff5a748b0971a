-- Users of the control plane. Personal data (email, TOTP secret) is encrypted with the user's subject key;
-- email_index is a keyed blind index (HMAC) so login can find a user without storing the email in clear.
CREATE TABLE users (
  id               uuid PRIMARY KEY,
  email_index      bytea UNIQUE,
  email_enc        bytea,
  role             text NOT NULL CHECK (role IN ('viewer', 'trader', 'operator', 'admin', 'auditor', 'compliance')),
  password_hash    text,
  totp_enc         bytea,
  external_subject text UNIQUE,
  created_at       timestamptz NOT NULL DEFAULT now(),
  disabled_at      timestamptz,
  erased_at        timestamptz
);

-- Live-mode switches wait here for a second admin.
CREATE TABLE mode_switch_requests (
  id               uuid PRIMARY KEY,
  target           text NOT NULL CHECK (target IN ('sim', 'live')),
  reason           text NOT NULL,
  requested_by     uuid NOT NULL,
  requested_at     timestamptz NOT NULL,
  expires_at       timestamptz NOT NULL,
  expected_version integer NOT NULL,
  status           text NOT NULL CHECK (status IN ('pending', 'approved', 'failed', 'expired')),
  decided_by       uuid,
  decided_at       timestamptz,
  outcome_detail   text
);
CREATE INDEX mode_switch_requests_pending ON mode_switch_requests (status, requested_at);

-- Latest policy reports (`orion compliance report --format json`), served by GET /compliance/report and read by
-- the live pre-flight check.
CREATE TABLE compliance_reports (
  id          bigserial PRIMARY KEY,
  stack       text NOT NULL,
  generated_at timestamptz NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  mandatory   integer NOT NULL CHECK (mandatory >= 0),
  report      jsonb NOT NULL
);
CREATE INDEX compliance_reports_latest ON compliance_reports (stack, id DESC);
