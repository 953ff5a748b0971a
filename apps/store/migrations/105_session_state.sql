-- The API's session state in PostgreSQL (ORION_SESSION_STORE=postgres: `npm start` / `orion dev` on a machine with
-- only Node, whose embedded PostgreSQL is the one server there is). The same data Redis holds otherwise, with the
-- same lifetime: every row carries its expiry, reads ignore expired rows and a sweep deletes them.
-- UNLOGGED, like a cache: no WAL, so never on a replica or in a WAL archive, and emptied by a crash (everyone signs
-- in again), which is what losing Redis means too. Login-attempt counters of unknown addresses (by blind index) are
-- thus never in a durable table.
CREATE UNLOGGED TABLE api_sessions (
  id         uuid PRIMARY KEY,
  user_id    text NOT NULL,
  role       text NOT NULL,
  mfa_at     bigint,
  gen        integer NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX api_sessions_user ON api_sessions (user_id);

-- Every token a session has had (SHA-256 only), kept until the session's own expiry so that a rotated token coming
-- back is recognised as reuse. No foreign key: a revoked session's tokens must still say "revoked", not "unknown".
CREATE UNLOGGED TABLE api_refresh_tokens (
  digest     text PRIMARY KEY,
  session_id uuid NOT NULL,
  gen        integer NOT NULL,
  expires_at timestamptz NOT NULL
);

CREATE UNLOGGED TABLE api_counters (
  key        text PRIMARY KEY,
  n          bigint NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX api_counters_expiry ON api_counters (expires_at);
