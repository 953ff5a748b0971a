-- A live trade reaches the chain by one of two routes: a transaction from the executor's EOA, or an ERC-4337 user
-- operation of the executor's smart account, bundled by someone else. A user operation's row is written before it goes
-- to the bundler, carrying its user-operation hash; the transaction hash is known only once a bundle includes it.
ALTER TABLE trades ADD COLUMN route text NOT NULL DEFAULT 'eoa' CHECK (route IN ('eoa', 'erc4337'));
ALTER TABLE trades ADD COLUMN user_op_hash text;
ALTER TABLE trades DROP CONSTRAINT live_rows_carry_tx;
ALTER TABLE trades ADD CONSTRAINT live_rows_carry_tx CHECK (
  status IN ('simulated', 'rejected')
  OR (account IS NOT NULL AND nonce IS NOT NULL
      AND CASE route WHEN 'eoa' THEN tx_hash IS NOT NULL ELSE user_op_hash IS NOT NULL END));
ALTER TABLE trades ADD CONSTRAINT user_op_hash_only_on_erc4337 CHECK (route = 'erc4337' OR user_op_hash IS NULL);
-- One row per user operation: the same signed operation can never stand for two trades.
CREATE UNIQUE INDEX trades_user_op_hash ON trades (user_op_hash) WHERE user_op_hash IS NOT NULL;
