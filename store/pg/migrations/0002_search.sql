-- schema 2: the full-text index (issue 20). Words are folded by hark
-- (package fold: case and accents, the same on bbolt) and written as
-- tsvector literals, so no text search configuration or unaccent is
-- involved: 'simple' lexemes, already folded. Posts: the text's words
-- (weight A, with positions: phrases) and the author's name and handle
-- (weight B, after a gap). Contacts: the notes (A), name and handle (B),
-- tags (C), and the conversations they wrote in. Conversations: the
-- attributes searches filter on.
ALTER TABLE posts ADD COLUMN tsv tsvector;
CREATE INDEX posts_tsv ON posts USING gin (tsv);
ALTER TABLE contacts ADD COLUMN tsv tsvector, ADD COLUMN conv_ids bigint[];
CREATE INDEX contacts_tsv ON contacts USING gin (tsv);
ALTER TABLE conversations ADD COLUMN lang text, ADD COLUMN sentiment text, ADD COLUMN state text,
  ADD COLUMN last_customer_at bigint;
CREATE INDEX conversations_lang ON conversations (lang);
CREATE INDEX conversations_sentiment ON conversations (sentiment);
CREATE INDEX conversations_state ON conversations (state);
CREATE INDEX conversations_last_customer ON conversations (last_customer_at);
-- complete for a new database; else built by hark store reindex
INSERT INTO hark_meta VALUES ('fts', CASE WHEN EXISTS (SELECT 1 FROM conversations) OR EXISTS (SELECT 1 FROM contacts)
  THEN '0' ELSE 'complete' END);
