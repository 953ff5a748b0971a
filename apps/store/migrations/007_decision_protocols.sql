-- The protocol of each pool of an opportunity and of the order placed on it, as trades.protocols (migration 006)
-- holds for the trade: a decision on a route mixing Uniswap-V2 and V3 pools is read back as it was priced (a V3
-- first pool borrows, and its gas model differs). NULL: every pool was Uniswap-V2 (rows from before V3 pools too).
ALTER TABLE opportunities ADD COLUMN protocols text[]
  CHECK (protocols IS NULL OR protocols <@ ARRAY['uniswap-v2', 'uniswap-v3']::text[]);
ALTER TABLE orders ADD COLUMN protocols text[]
  CHECK (protocols IS NULL OR protocols <@ ARRAY['uniswap-v2', 'uniswap-v3']::text[]);
