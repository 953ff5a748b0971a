-- Where each trade's capital came from (a V2 flash swap, a V3 pool's flash, a Balancer or an Aave flash loan), and the
-- protocol of each of its pools. NULL flash_source: no source could fund the order (or a row from before lenders);
-- NULL protocols: every pool was Uniswap-V2.
ALTER TABLE trades ADD COLUMN flash_source text
  CHECK (flash_source IN ('v2-flash-swap', 'v3-flash', 'balancer', 'aave-v3'));
ALTER TABLE trades ADD COLUMN protocols text[]
  CHECK (protocols IS NULL OR protocols <@ ARRAY['uniswap-v2', 'uniswap-v3']::text[]);
