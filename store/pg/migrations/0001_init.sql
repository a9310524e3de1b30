-- hark on PostgreSQL, schema 1. Documents are the JSON bytes bbolt stores,
-- kept as bytea (text and jsonb refuse U+0000); keys that come from the
-- networks are bytea too. The queue index is sort_key, the bbolt key:
-- bytea compares like bbolt (memcmp, then length).
CREATE TABLE hark_meta (key text PRIMARY KEY, value text NOT NULL);

-- gapless sequences, as bbolt's bucket sequences (ids are in the documents);
-- this and queue_counts change in every write: HOT updates in the free space
CREATE TABLE counters (name text PRIMARY KEY, n bigint NOT NULL) WITH (fillfactor = 20);
INSERT INTO counters VALUES ('conv', 0), ('outbox', 0);

CREATE TABLE conversations (
  id       bigint PRIMARY KEY,
  root_key bytea NOT NULL UNIQUE,
  rank     smallint NOT NULL CHECK (rank BETWEEN 0 AND 3),
  sort_key bytea NOT NULL,
  ref      bytea NOT NULL,           -- the index value: flags, network, brand
  doc      bytea NOT NULL);
CREATE UNIQUE INDEX conversations_queue ON conversations (sort_key) INCLUDE (ref);

-- conversations per rank, moved in the transaction that moves the rank
CREATE TABLE queue_counts (rank smallint PRIMARY KEY, n bigint NOT NULL) WITH (fillfactor = 20);
INSERT INTO queue_counts VALUES (0, 0), (1, 0), (2, 0), (3, 0);

CREATE TABLE posts (
  key     bytea PRIMARY KEY,         -- network/account/remoteID: re-polling is a no-op
  conv_id bigint NOT NULL,
  doc     bytea NOT NULL);

-- updated on every post of theirs: room on the page keeps updates HOT
-- (no new index entries), which keeps the prefetch's lookups fast
CREATE TABLE contacts (key bytea PRIMARY KEY, doc bytea NOT NULL) WITH (fillfactor = 50);
CREATE TABLE drafts (conv_id bigint PRIMARY KEY, text bytea NOT NULL);
CREATE TABLE cursors (feed bytea PRIMARY KEY, cursor bytea NOT NULL);
CREATE TABLE feed_status (feed bytea PRIMARY KEY, doc bytea NOT NULL);

CREATE TABLE outbox (
  seq            bigint PRIMARY KEY,
  reply_id       bytea NOT NULL UNIQUE,
  state          text NOT NULL,
  sent_remote_id bytea,
  doc            bytea NOT NULL);
CREATE INDEX outbox_sent ON outbox (sent_remote_id) WHERE state = 'sent';

-- canned answers chosen, and the words of the posts they were chosen for
CREATE TABLE canned_choices (id bytea PRIMARY KEY, doc bytea NOT NULL);
