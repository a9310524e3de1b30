-- several hark processes on one database (issue 19): the cursor's version
-- is the fence a poll batch checks in its transaction; leases and the
-- process registry expire on the database clock. UNLOGGED: a PostgreSQL
-- crash empties them, which only means the next lease is taken afresh.
ALTER TABLE cursors ADD COLUMN version bigint NOT NULL DEFAULT 0;

CREATE UNLOGGED TABLE leases (
  name     text PRIMARY KEY,          -- 'feed:<id>', 'clock'
  owner    text NOT NULL,             -- process id
  epoch    bigint NOT NULL,           -- grows each time the lease changes hands
  until_at timestamptz NOT NULL) WITH (fillfactor = 50);

CREATE UNLOGGED TABLE processes (
  id           text PRIMARY KEY,
  host         text NOT NULL,
  pid          int NOT NULL,
  kind         text NOT NULL,
  started_at   timestamptz NOT NULL DEFAULT now(),
  heartbeat_at timestamptz NOT NULL DEFAULT now()) WITH (fillfactor = 50);

-- outbox claims: FOR UPDATE SKIP LOCKED over the due entries, a lease per
-- entry on the database clock (an expired "sending" lease is taken over as
-- uncertain), and the lease owner as the fence of every result
ALTER TABLE outbox ADD COLUMN next_attempt timestamptz,
  ADD COLUMN lease_owner text, ADD COLUMN lease_until timestamptz;
UPDATE outbox SET next_attempt = (convert_from(doc, 'UTF8')::json->>'next_attempt')::timestamptz
  WHERE state IN ('queued', 'sending');
CREATE INDEX outbox_due ON outbox (next_attempt, seq) WHERE state IN ('queued', 'sending');
