-- schema 10: the outbox's status entries (copies of status posts and
-- their follow-ups, reply.conv_id "status:…") by sequence, so listing the
-- status posts at start reads them, not every reply ever written
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS status boolean NOT NULL DEFAULT false;
UPDATE outbox SET status = true
	WHERE convert_from(doc, 'UTF8')::jsonb -> 'reply' ->> 'conv_id' LIKE 'status:%';
CREATE INDEX IF NOT EXISTS outbox_status ON outbox (seq) WHERE status;
