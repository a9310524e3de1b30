package pg

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/hark-tui/hark/store"
	"github.com/jackc/pgx/v5"
)

var _ store.Copier = (*Store)(nil)

// Export gives every record of the database from one snapshot, each table
// in key order (bbolt's order).
func (s *Store) Export(ctx context.Context, fn func(store.Record) error) error {
	return s.readLong(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, "SELECT name, n FROM counters WHERE name IN ('conv', 'outbox') ORDER BY name")
		if err != nil {
			return err
		}
		var seqs []store.Record
		for rows.Next() {
			var name string
			var n int64
			if err := rows.Scan(&name, &n); err != nil {
				rows.Close()
				return err
			}
			seqs = append(seqs, store.Record{Kind: store.RecSeq, Key: name, Doc: []byte(strconv.FormatInt(n, 10))})
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range seqs {
			if err := fn(r); err != nil {
				return err
			}
		}
		for _, t := range []struct {
			kind       store.RecordKind
			sql        string
			numericKey bool
		}{
			{store.RecConv, "SELECT id, doc FROM conversations WHERE id > $1 ORDER BY id LIMIT 2000", true},
			{store.RecPost, "SELECT key, doc FROM posts WHERE key > $1 ORDER BY key LIMIT 2000", false},
			{store.RecContact, "SELECT key, doc FROM contacts WHERE key > $1 ORDER BY key LIMIT 2000", false},
			{store.RecDraft, "SELECT conv_id, text FROM drafts WHERE conv_id > $1 ORDER BY conv_id LIMIT 2000", true},
			{store.RecCursor, "SELECT feed, cursor FROM cursors WHERE feed > $1 ORDER BY feed LIMIT 2000", false},
			{store.RecFeed, "SELECT feed, doc FROM feed_status WHERE feed > $1 ORDER BY feed LIMIT 2000", false},
			{store.RecOutbox, "SELECT seq, doc FROM outbox WHERE seq > $1 ORDER BY seq LIMIT 2000", true},
			{store.RecCanned, "SELECT id, doc FROM canned_choices WHERE id > $1 ORDER BY id LIMIT 2000", false},
		} {
			var lastN int64
			lastK := []byte{}
			for {
				var arg any = lastK
				if t.numericKey {
					arg = lastN
				}
				rows, err := tx.Query(ctx, t.sql, arg)
				if err != nil {
					return err
				}
				n := 0
				var recs []store.Record
				for rows.Next() {
					var doc []byte
					var key string
					if t.numericKey {
						if err := rows.Scan(&lastN, &doc); err != nil {
							rows.Close()
							return err
						}
						key = strconv.FormatInt(lastN, 10)
					} else {
						var k []byte
						if err := rows.Scan(&k, &doc); err != nil {
							rows.Close()
							return err
						}
						lastK, key = k, string(k)
					}
					n++
					recs = append(recs, store.Record{Kind: t.kind, Key: key, Doc: doc})
				}
				if err := rows.Err(); err != nil {
					return err
				}
				for _, r := range recs {
					if err := fn(r); err != nil {
						return err
					}
				}
				if n < 2000 {
					break
				}
			}
		}
		return nil
	})
}

// Empty reports whether the database holds no conversation, post, contact
// or outbox entry.
func (s *Store) Empty(ctx context.Context) (bool, error) {
	ctx, cancel := s.op(ctx)
	defer cancel()
	var any bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM conversations) OR EXISTS (SELECT 1 FROM posts)
		OR EXISTS (SELECT 1 FROM outbox) OR EXISTS (SELECT 1 FROM contacts)`).Scan(&any)
	return !any, s.wrap(err)
}

// Import writes records as they are (arrays through unnest, one pipelined
// batch per call), with the queue columns, the counts and the sequences.
func (s *Store) Import(ctx context.Context, recs []store.Record) error {
	return s.write(ctx, func(t *txn) error {
		var (
			cIDs               []int64
			cRanks             []int16
			cRoots, cSks, cRef [][]byte
			cDocs              [][]byte
			pKeys, pDocs       [][]byte
			pConv              []int64
			counts             [4]int64
		)
		b := &t.extra
		// imported rows are not indexed: store.Copy rebuilds the index
		b.Queue("UPDATE hark_meta SET value = '0' WHERE key = 'fts'")
		for _, r := range recs {
			switch r.Kind {
			case store.RecSeq:
				n, err := strconv.ParseInt(string(r.Doc), 10, 64)
				if err != nil {
					return fmt.Errorf("sequence %s: %w", r.Key, err)
				}
				b.Queue("UPDATE counters SET n = $2 WHERE name = $1", r.Key, n)
			case store.RecConv:
				id, root, sk, ref, rank, err := store.ConvIndex(r.Doc)
				if err != nil {
					return fmt.Errorf("conversation %s: %w", r.Key, err)
				}
				cIDs, cRanks, cRoots, cSks, cRef, cDocs = append(cIDs, int64(id)), append(cRanks, int16(rank)),
					append(cRoots, []byte(root)), append(cSks, sk), append(cRef, ref), append(cDocs, r.Doc)
				counts[rank]++
				if c, err := store.DecodeConv(r.Doc); err == nil {
					t.totals.add(nil, &c) // undecodable: counted nowhere, as on bbolt
				}
			case store.RecPost:
				var sp struct {
					ConvID string `json:"conv_id"`
				}
				if err := json.Unmarshal(r.Doc, &sp); err != nil {
					return fmt.Errorf("post %q: %w", r.Key, err)
				}
				cid, _ := strconv.ParseInt(sp.ConvID, 10, 64)
				pKeys, pDocs, pConv = append(pKeys, []byte(r.Key)), append(pDocs, r.Doc), append(pConv, cid)
			case store.RecContact:
				b.Queue("INSERT INTO contacts (key, doc) VALUES ($1, $2)", []byte(r.Key), r.Doc)
			case store.RecDraft:
				n, err := strconv.ParseInt(r.Key, 10, 64)
				if err != nil {
					return err
				}
				b.Queue("INSERT INTO drafts (conv_id, text) VALUES ($1, $2)", n, r.Doc)
			case store.RecCursor:
				b.Queue("INSERT INTO cursors (feed, cursor) VALUES ($1, $2)", []byte(r.Key), r.Doc)
			case store.RecFeed:
				b.Queue("INSERT INTO feed_status (feed, doc) VALUES ($1, $2)", []byte(r.Key), r.Doc)
			case store.RecOutbox:
				e, err := store.OutboxIndex(r.Doc)
				if err != nil {
					return fmt.Errorf("outbox %s: %w", r.Key, err)
				}
				n, _ := strconv.ParseInt(r.Key, 10, 64)
				var sent []byte
				if e.State == store.OutSent && e.Sent.RemoteID != "" {
					sent = []byte(e.Sent.RemoteID)
				}
				b.Queue("INSERT INTO outbox (seq, reply_id, state, sent_remote_id, doc, next_attempt, status) VALUES ($1, $2, $3, $4, $5, $6, $7)",
					n, []byte(e.Reply.ID), string(e.State), sent, r.Doc, nextAttempt(e), e.IsStatus())
			case store.RecCanned:
				b.Queue("INSERT INTO canned_choices (id, doc) VALUES ($1, $2)", []byte(r.Key), r.Doc)
			default:
				return fmt.Errorf("unknown record kind %q", r.Kind)
			}
		}
		if len(cIDs) > 0 {
			b.Queue(`INSERT INTO conversations (id, root_key, rank, sort_key, ref, doc)
				SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::smallint[], $4::bytea[], $5::bytea[], $6::bytea[])`,
				cIDs, cRoots, cRanks, cSks, cRef, cDocs)
		}
		if len(pKeys) > 0 {
			b.Queue("INSERT INTO posts (key, conv_id, doc) SELECT * FROM unnest($1::bytea[], $2::bigint[], $3::bytea[])", pKeys, pConv, pDocs)
		}
		copy(t.counts[:], counts[:])
		return nil
	})
}

// CountRecords is how many records Export gives.
func (s *Store) CountRecords(ctx context.Context) (int, error) {
	ctx, cancel := s.op(ctx)
	defer cancel()
	var n int
	err := s.pool.QueryRow(ctx, `SELECT 2 + (SELECT count(*) FROM conversations) + (SELECT count(*) FROM posts)
		+ (SELECT count(*) FROM contacts) + (SELECT count(*) FROM drafts) + (SELECT count(*) FROM cursors)
		+ (SELECT count(*) FROM feed_status) + (SELECT count(*) FROM outbox) + (SELECT count(*) FROM canned_choices)`).Scan(&n)
	return n, s.wrap(err)
}
