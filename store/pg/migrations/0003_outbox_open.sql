-- schema 3: the outbox's open entries (queued, sending, failed) by
-- sequence, so a delivery round reads what is pending, not the history
CREATE INDEX outbox_open ON outbox (seq) WHERE state NOT IN ('sent', 'discarded');
