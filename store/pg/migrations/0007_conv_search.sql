-- schema 7: one narrow search row per conversation (issue 20). A word or a
-- phrase used to find posts (GIN on posts.tsv), then read one posts page per
-- match for its conv_id and one conversations page for its sort key. Now a
-- conversation's row carries what a result needs (sort key, ref) and what
-- searches filter on (the attributes), beside one tsvector of every post's
-- words (text at weight A, author at B; each post's positions start one
-- after a gap, so tsvector || tsvector keeps phrases within a post). The
-- row is narrow: toast_tuple_target moves the tsvector out of line, and a
-- word (no weight, no phrase: no recheck) never reads it, so a search is a
-- GIN lookup and a bitmap scan of small pages. Written in the transactions
-- that write conversations and posts; an existing database is indexed by
-- hark store reindex (the index is marked behind until then). Rerunnable
-- (TestTotalsBackfill applies schemas 6 and 7 again).
CREATE TABLE IF NOT EXISTS conv_search (
  id               bigint PRIMARY KEY,
  sort_key         bytea NOT NULL,
  ref              bytea NOT NULL,
  lang             text,
  sentiment        text,
  state            text,
  last_customer_at bigint,
  tsv              tsvector NOT NULL DEFAULT ''
) WITH (toast_tuple_target = 128, fillfactor = 70);
CREATE INDEX IF NOT EXISTS conv_search_tsv ON conv_search USING gin (tsv);

-- concatenates posts' tsvectors (|| shifts the right one's positions past
-- the left one's)
CREATE OR REPLACE AGGREGATE hark_tsv_cat(tsvector) (SFUNC = tsvector_concat, STYPE = tsvector, INITCOND = '');

-- posts keep their own tsvector (rebuilding a conversation's words) but no
-- longer need an index on it
DROP INDEX IF EXISTS posts_tsv;

UPDATE hark_meta SET value = '0' WHERE key = 'fts' AND EXISTS (SELECT 1 FROM conversations);
