-- A nonce is an account's on one chain: a fresh devnet (same chain id, same accounts) starts at nonce 0 again, so
-- nonce uniqueness and the in-flight list are scoped by the chain instance (chain id and genesis hash).
ALTER TABLE trades ADD COLUMN chain text NOT NULL DEFAULT '';
DROP INDEX trades_account_nonce;
DROP INDEX trades_in_flight;
CREATE UNIQUE INDEX trades_chain_account_nonce ON trades (chain, account, nonce)
  WHERE status NOT IN ('dropped', 'simulated', 'rejected');
CREATE INDEX trades_in_flight ON trades (chain, account, nonce) WHERE status IN ('pending', 'sent');
