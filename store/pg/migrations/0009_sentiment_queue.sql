-- schema 9: sentiment:x alone is an index-only range of the conversations
-- of that sentiment, in queue order, as lang:xx is (schema 7): the queue
-- index read whole was ~60 MB, ~70 ms of the server's at 200k
-- conversations. One more index entry per conversation written. (is:x
-- needs no index: a state has its rank, the sort keys' first byte, and
-- new and open share rank 0, a few thousand keys; after:/before: keep
-- reading the queue index: a date range is not in queue order, and half
-- the store matches.) Rerunnable (TestTotalsBackfill applies schemas 6
-- to 9 again).
CREATE INDEX IF NOT EXISTS conversations_sentiment ON conversations (sentiment, sort_key) INCLUDE (ref);
