-- schema 6: the stats report's running totals (issue 20), moved in the
-- transactions that change conversations. k is bbolt's key of the cell
-- ('c' hour brand 0 network, 'o' hour brand 0 operator; the hour big-endian
-- with its sign bit flipped, so a report reads a range), cell its binary
-- form (stats.Cell / stats.OpCell MarshalBinary). An existing database's
-- conversations are counted in by hark (backfillTotals) in this same
-- migration transaction.
CREATE TABLE stat_totals (
  k    bytea PRIMARY KEY,
  cell bytea NOT NULL
) WITH (fillfactor = 80);

-- Searches answered in queue order without reading conversation rows: the
-- queue's index carries the id and the attributes searches filter on, so a
-- search is an index-only scan of the view's range (in order, no sort),
-- filtered on the attributes and joined by id with the conversations the
-- word indexes found. The attributes' own indexes go: they cost every
-- conversation write four index entries and a search never needs them.
DROP INDEX IF EXISTS conversations_queue;
CREATE UNIQUE INDEX conversations_queue ON conversations (sort_key)
  INCLUDE (ref, id, lang, sentiment, state, last_customer_at);
DROP INDEX IF EXISTS conversations_lang, conversations_sentiment, conversations_state, conversations_last_customer;
