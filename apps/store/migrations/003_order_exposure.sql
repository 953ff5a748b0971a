-- The exposure (in native wei) each order was placed with, so a restarted orchestrator counts open trades exactly.
ALTER TABLE orders ADD COLUMN exposure_wei numeric(78, 0);
