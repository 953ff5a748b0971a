-- What a mined trade really paid, so its net P&L is exact in wei and the orchestrator can rebuild the day's loss from
-- the journal after a restart (gas used alone says nothing of the price paid for it):
--   effective_gas_price: the receipt's effectiveGasPrice (base fee plus the tip actually paid, per gas);
--   l1_fee_wei: on OP-stack chains, the L1 data fee the receipt reports on top of L2 gas (null elsewhere).
ALTER TABLE trades ADD COLUMN effective_gas_price numeric(78, 0);
ALTER TABLE trades ADD COLUMN l1_fee_wei numeric(78, 0);
-- A stuck transaction is replaced on the same nonce with a higher fee: tx_hash is always the newest signed version,
-- and these are the ones it replaced, newest last, any of which may still be the one mined.
ALTER TABLE trades ADD COLUMN replaced_tx_hashes text[] NOT NULL DEFAULT '{}';
-- The contract's deadline as a unix time (block.timestamp): block numbers are not the L2's own on every chain.
ALTER TABLE trades ADD COLUMN deadline_at bigint;

-- Each trade's gas cost in native wei, the figure the day's loss is made of.
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
       coalesce(sum(gas_used * effective_gas_price + coalesce(l1_fee_wei, 0)), 0) AS gas_cost_wei
FROM trades
GROUP BY mode, epoch;
