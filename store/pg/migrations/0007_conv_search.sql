-- schema 7: one narrow search row per conversation (issue 20). A word or a
-- phrase used to find posts (GIN on posts.tsv), then read one posts page per
-- match for its conv_id and one conversations page for its sort key. Now a
-- conversation's row carries what a result needs (sort key, ref) and what
-- searches filter on (the attributes), beside one tsvector of every post's
-- words (text at weight A, author at B; each post's positions start one
-- after a gap, so tsvector || tsvector keeps phrases within a post; each
-- pair of neighbouring words of a text is a lexeme too, so a phrase of two
-- is one lexeme). The row is narrow, so a search reads few pages: the
-- tsvector is moved out of line (TOAST), and a word, a pair or a prefix
-- (no weight, no phrase operator: no recheck) never reads it. PostgreSQL
-- toasts only a row longer than about 2 kB, to toast_tuple_target: so each
-- write of the tsvector also writes pad, 2,100 spaces, which compress to a
-- few bytes and make the row long enough; the small columns are PLAIN,
-- never moved out. Written in the transactions
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
  tsv              tsvector NOT NULL DEFAULT '',
  pad              text
) WITH (toast_tuple_target = 256, fillfactor = 70);
ALTER TABLE conv_search ALTER COLUMN sort_key SET STORAGE PLAIN, ALTER COLUMN ref SET STORAGE PLAIN,
  ALTER COLUMN lang SET STORAGE PLAIN, ALTER COLUMN sentiment SET STORAGE PLAIN, ALTER COLUMN state SET STORAGE PLAIN;
-- lz4 compresses several times faster than pglz (every write of the
-- tsvector compresses it): where the server has it (PostgreSQL 14 and later,
-- built with lz4)
DO $$ BEGIN
  ALTER TABLE conv_search ALTER COLUMN tsv SET COMPRESSION lz4, ALTER COLUMN pad SET COMPRESSION lz4;
EXCEPTION WHEN OTHERS THEN NULL;
END $$;
CREATE INDEX IF NOT EXISTS conv_search_tsv ON conv_search USING gin (tsv);

-- lang:xx alone is an index-only range of the conversations of that
-- language, in queue order (the queue index read whole was ~60 MB); one
-- more index entry per conversation written
CREATE INDEX IF NOT EXISTS conversations_lang ON conversations (lang, sort_key) INCLUDE (ref);

-- concatenates posts' tsvectors (|| shifts the right one's positions past
-- the left one's)
CREATE OR REPLACE AGGREGATE hark_tsv_cat(tsvector) (SFUNC = tsvector_concat, STYPE = tsvector, INITCOND = '');

-- posts keep their own tsvector (rebuilding a conversation's words) but no
-- longer need an index on it
DROP INDEX IF EXISTS posts_tsv;

UPDATE hark_meta SET value = '0' WHERE key = 'fts' AND EXISTS (SELECT 1 FROM conversations);
