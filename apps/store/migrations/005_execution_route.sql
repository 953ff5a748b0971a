-- A live trade reaches the chain by one of two routes: a transaction from the executor's EOA, or an ERC-4337 user
-- operation of the executor's smart account, bundled by someone else. A user operation's row is written before it goes
-- to the bundler, carrying its user-operation hash; the transaction hash is known only once a bundle includes it.
ALTER TABLE trades ADD COLUMN route text NOT NULL DEFAULT 'eoa' CHECK (route IN ('eoa', 'erc4337'));
ALTER TABLE trades ADD COLUMN user_op_hash text;
-- What the trade paid for gas in native wei (EOA: gasUsed x effective price; ERC-4337: the paymaster's actualGasCost),
-- so realized profit net of gas is exact.
ALTER TABLE trades ADD COLUMN gas_cost_wei numeric(78, 0);

ALTER TABLE trades DROP CONSTRAINT live_rows_carry_tx;
ALTER TABLE trades ADD CONSTRAINT live_rows_carry_tx CHECK (
  status IN ('simulated', 'rejected')
  OR (account IS NOT NULL AND nonce IS NOT NULL
      AND CASE route WHEN 'eoa' THEN tx_hash IS NOT NULL ELSE user_op_hash IS NOT NULL END));
ALTER TABLE trades ADD CONSTRAINT user_op_hash_only_on_erc4337 CHECK (route = 'erc4337' OR user_op_hash IS NULL);
-- One row per user operation: the same signed operation can never stand for two trades.
CREATE UNIQUE INDEX trades_user_op_hash ON trades (user_op_hash) WHERE user_op_hash IS NOT NULL;

CREATE OR REPLACE VIEW pnl_by_epoch AS
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
       coalesce(sum(gas_used), 0)                                           AS gas_used,
       coalesce(sum(gas_cost_wei), 0)                                       AS gas_cost_wei
FROM trades
GROUP BY mode, epoch;
