-- One executor sends with a signing key at a time, across regions: the holder of this lease. Its token (the fencing
-- token) grows by one at every change of holder; a live intent is journaled only under the current token of an
-- unexpired lease, so a leader that was paused past its expiry can journal, and therefore broadcast, nothing.
-- Expiry is decided by this database's clock alone, never the executors' clocks.
CREATE TABLE executor_leases (
  chain       text NOT NULL,
  account     text NOT NULL,
  holder      text NOT NULL,
  token       bigint NOT NULL CHECK (token >= 1),
  expires_at  timestamptz NOT NULL,
  acquired_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (chain, account)
);

-- Which leader's term journaled each live trade.
ALTER TABLE trades ADD COLUMN lease_token bigint;
