-- schema 10: the outbox's status entries (copies of status posts and
-- their follow-ups, reply.conv_id "status:…") by sequence, so listing the
-- status posts at start reads them, not every reply ever written. The
-- entries already there are marked by hark (backfillStatus, as
-- OutboxEntry.IsStatus tells) in this same migration transaction: their
-- documents may hold what jsonb refuses (\u0000 in the post answered).
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS status boolean NOT NULL DEFAULT false;
CREATE INDEX IF NOT EXISTS outbox_status ON outbox (seq) WHERE status;
