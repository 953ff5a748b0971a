-- The trading loop's records. Every row carries mode and epoch, so sim and live figures never mix and each epoch
-- starts at zero. Amounts are uint256 base units: numeric(78,0) holds any of them exactly.

CREATE TABLE opportunities (
  id               text PRIMARY KEY,
  mode             text NOT NULL CHECK (mode IN ('sim', 'live')),
  epoch            integer NOT NULL CHECK (epoch >= 1),
  block_number     bigint NOT NULL,
  base_token       text NOT NULL,
  pools            text[] NOT NULL,
  tokens           text[] NOT NULL,
  amount_in        numeric(78, 0) NOT NULL,
  amount_out       numeric(78, 0) NOT NULL,
  profit           numeric(78, 0) NOT NULL,
  -- The orchestrator's decision: 'order', or the rule that rejected it.
  decision         text NOT NULL,
  detected_at      timestamptz NOT NULL,
  decided_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX opportunities_mode_epoch_block ON opportunities (mode, epoch, block_number);

CREATE TABLE orders (
  opportunity_id   text PRIMARY KEY REFERENCES opportunities (id),
  mode             text NOT NULL CHECK (mode IN ('sim', 'live')),
  epoch            integer NOT NULL CHECK (epoch >= 1),
  block_number     bigint NOT NULL,
  base_token       text NOT NULL,
  pools            text[] NOT NULL,
  tokens           text[] NOT NULL,
  amount_in        numeric(78, 0) NOT NULL,
  predicted_profit numeric(78, 0) NOT NULL,
  min_profit       numeric(78, 0) NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_mode_epoch_block ON orders (mode, epoch, block_number);

CREATE TABLE trades (
  id               uuid PRIMARY KEY,
  -- One trade per opportunity: a redelivered order can never become a second transaction.
  opportunity_id   text NOT NULL UNIQUE,
  mode             text NOT NULL CHECK (mode IN ('sim', 'live')),
  epoch            integer NOT NULL CHECK (epoch >= 1),
  order_block      bigint NOT NULL,
  base_token       text NOT NULL,
  pools            text[] NOT NULL,
  tokens           text[] NOT NULL,
  amount_in        numeric(78, 0) NOT NULL,
  predicted_profit numeric(78, 0) NOT NULL,
  min_profit       numeric(78, 0) NOT NULL,
  status           text NOT NULL
                   CHECK (status IN ('pending', 'sent', 'confirmed', 'reverted', 'dropped', 'simulated', 'rejected')),
  -- Live only: the signed transaction, known before broadcast.
  account          text,
  nonce            bigint,
  tx_hash          text,
  deadline_block   bigint,
  -- Unsent trades: the eth_call simulation.
  simulated_profit numeric(78, 0),
  gas_estimate     numeric(78, 0),
  reason           text,
  -- Outcome: mined block (or simulation block), the trade event's profit, gas, transactions ahead in the block.
  block_number     bigint,
  realized_profit  numeric(78, 0),
  gas_used         numeric(78, 0),
  preceded_by      integer,
  created_at       timestamptz NOT NULL DEFAULT now(),
  sent_at          timestamptz,
  final_at         timestamptz,
  -- Sim mode has no broadcast path: the database refuses a sim row that claims one.
  CONSTRAINT sim_never_broadcasts CHECK (mode = 'live' OR status IN ('simulated', 'rejected')),
  CONSTRAINT live_rows_carry_tx CHECK (
    status IN ('simulated', 'rejected') OR (account IS NOT NULL AND nonce IS NOT NULL AND tx_hash IS NOT NULL))
);
-- A nonce is spent once per account; a dropped intent (never mined) leaves its nonce free for reuse.
CREATE UNIQUE INDEX trades_account_nonce ON trades (account, nonce) WHERE status NOT IN ('dropped', 'simulated', 'rejected');
CREATE INDEX trades_in_flight ON trades (account, nonce) WHERE status IN ('pending', 'sent');
CREATE INDEX trades_mode_epoch ON trades (mode, epoch, created_at);

-- P&L per mode and epoch: each epoch starts at zero.
CREATE VIEW pnl_by_epoch AS
SELECT mode,
       epoch,
       count(*) FILTER (WHERE status = 'confirmed')                         AS confirmed,
       count(*) FILTER (WHERE status = 'reverted')                          AS reverted,
       count(*) FILTER (WHERE status = 'dropped')                           AS dropped,
       count(*) FILTER (WHERE status = 'simulated')                         AS simulated,
       count(*) FILTER (WHERE status = 'rejected')                          AS rejected,
       count(*) FILTER (WHERE status IN ('pending', 'sent'))                AS in_flight,
       coalesce(sum(realized_profit) FILTER (WHERE status = 'confirmed'), 0) AS realized_profit,
       coalesce(sum(predicted_profit) FILTER (WHERE status = 'confirmed'), 0) AS predicted_profit_confirmed,
       coalesce(sum(simulated_profit) FILTER (WHERE status = 'simulated'), 0) AS simulated_profit,
       coalesce(sum(gas_used), 0)                                           AS gas_used
FROM trades
GROUP BY mode, epoch;
