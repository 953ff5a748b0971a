-- A rejected trade that is a verdict on its order, not a failure of the platform or the market: 'unprofitable' (its
-- funding leaves less than minProfit, or no lender can lend the amount) or 'expired' (its deadline had passed when it
-- was simulated: the order came too late, nothing was sent). The risk ledger's failure streak skips these rows after
-- a restart as it skips them live. NULL: a failure like any other (rows from before this column too).
ALTER TABLE trades ADD COLUMN verdict text CHECK (verdict IS NULL OR verdict IN ('unprofitable', 'expired'));
