-- Every trade row names the order it executes. The orchestrator commits an order's record without waiting for the WAL
-- flush (recordDecisions: synchronous_commit off for that one transaction); the executor's journal row for the trade
-- commits synchronously before any broadcast, and the WAL is flushed in order, so that flush makes the record durable
-- too. An order whose record was lost in a crash (its message outlived it on the bus) cannot be journaled, so it is
-- never sent: the executor rejects it (UnrecordedOrder). NOT VALID: rows journaled before this migration are left as
-- they were; every row written from now on is checked.
ALTER TABLE trades ADD CONSTRAINT trades_order_fk FOREIGN KEY (opportunity_id) REFERENCES orders (opportunity_id)
  NOT VALID;
