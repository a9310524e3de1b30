package pg

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/jackc/pgx/v5"
)

// Ingest stores a poll batch and the feed's cursor in one transaction:
// one round trip reads what the batch needs, the shared rules run, one
// pipelined batch writes everything, then the commit. The cursor's version
// moves with it, so a fenced poller that read the older one is refused.
func (s *Store) Ingest(ctx context.Context, feedID, cursor string, posts []social.Post, tri store.Triage, now time.Time) (store.IngestResult, error) {
	return s.ingest(ctx, nil, feedID, cursor, posts, tri, now)
}

func (s *Store) ingest(ctx context.Context, f *store.Fence, feedID, cursor string, posts []social.Post, tri store.Triage, now time.Time) (store.IngestResult, error) {
	var res store.IngestResult
	// the posts' index words are folded before the transaction starts:
	// the server sees no idle time for them
	tsvs := make(map[string]string, len(posts))
	for _, p := range posts {
		tsvs[p.Key()] = postTSV(store.StoredPost{Post: p})
	}
	err := s.write(ctx, func(t *txn) error {
		t.tsvs = tsvs
		if f != nil {
			if err := t.fence(*f); err != nil {
				return err
			}
		}
		if err := t.prefetch(posts); err != nil {
			return err
		}
		var err error
		res, err = store.IngestTx(t, feedID, posts, tri, now)
		if err != nil {
			return err
		}
		if feedID != "" {
			t.extra.Queue(`INSERT INTO cursors (feed, cursor) VALUES ($1, $2)
				ON CONFLICT (feed) DO UPDATE SET cursor = EXCLUDED.cursor, version = cursors.version + 1`, []byte(feedID), []byte(cursor))
		}
		return nil
	})
	if err != nil {
		return store.IngestResult{}, fmt.Errorf("storing batch: %w", err)
	}
	return res, nil
}

// Cursor returns a feed's stored cursor ("" if none).
func (s *Store) Cursor(ctx context.Context, feedID string) (string, error) {
	ctx, cancel := s.op(ctx)
	defer cancel()
	var cur []byte
	err := s.pool.QueryRow(ctx, "SELECT cursor FROM cursors WHERE feed = $1", []byte(feedID)).Scan(&cur)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return string(cur), s.wrap(err)
}

// AttachThread stores thread context into a conversation.
func (s *Store) AttachThread(ctx context.Context, convID string, posts []social.Post, now time.Time) (int, error) {
	added := 0
	err := s.write(ctx, func(t *txn) error {
		var err error
		added, err = store.AttachTx(t, convID, posts, now)
		return err
	})
	return added, err
}

// RefreshThread stores a refreshed thread (store.RefreshThreadTx).
func (s *Store) RefreshThread(ctx context.Context, convID string, posts []social.Post, busy bool, tri store.Triage, now time.Time) (store.ThreadResult, error) {
	var res store.ThreadResult
	err := s.write(ctx, func(t *txn) error {
		var err error
		res, err = store.RefreshThreadTx(t, convID, posts, busy, tri, now)
		return err
	})
	return res, err
}

// MarkDeleted records a post deleted by its author (store.MarkDeletedTx).
func (s *Store) MarkDeleted(ctx context.Context, key string, now time.Time) (social.Conversation, bool, error) {
	var c social.Conversation
	var out bool
	err := s.write(ctx, func(t *txn) error {
		var err error
		c, out, err = store.MarkDeletedTx(t, key, now)
		return err
	})
	return c, out, err
}

// UpdateConv applies fn to a conversation (locked) and writes it back.
func (s *Store) UpdateConv(ctx context.Context, id string, fn func(c *social.Conversation) error) (social.Conversation, error) {
	var out social.Conversation
	err := s.write(ctx, func(t *txn) error {
		var err error
		out, err = store.UpdateConvTx(t, id, true, fn)
		return err
	})
	return out, err
}

// Rescore is UpdateConv without the VIP copy.
func (s *Store) Rescore(ctx context.Context, id string, fn func(c *social.Conversation)) (social.Conversation, error) {
	var out social.Conversation
	err := s.write(ctx, func(t *txn) error {
		var err error
		out, err = store.UpdateConvTx(t, id, false, func(c *social.Conversation) error { fn(c); return nil })
		return err
	})
	return out, err
}

// UpdateDue applies fn to the due conversations of a view: an index range
// on the sort key for the snoozed view, the inbox's rank otherwise.
func (s *Store) UpdateDue(ctx context.Context, view store.View, before time.Time, fn func(c *social.Conversation) bool) ([]string, error) {
	var ids []string
	err := s.write(ctx, func(t *txn) error {
		ids = nil
		lo, hi, ok := store.DueRange(view, before)
		if !ok {
			lo, hi = viewBounds(view)
		}
		rows, err := t.tx.Query(t.ctx, `SELECT sort_key, ref FROM conversations
			WHERE sort_key >= $1 AND sort_key < $2 ORDER BY sort_key`, lo, hi)
		if err != nil {
			return err
		}
		var due []int64
		var order []string
		for rows.Next() {
			var k, v []byte
			if err := rows.Scan(&k, &v); err != nil {
				rows.Close()
				return err
			}
			if len(k) != 25 {
				continue
			}
			r := store.DecodeRef(k, v)
			if store.DueBefore(r, before) {
				n, _ := strconv.ParseInt(r.ID, 10, 64)
				due = append(due, n)
				order = append(order, r.ID)
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(due) == 0 {
			return nil
		}
		rows, err = t.tx.Query(t.ctx, "SELECT id, root_key, doc FROM conversations WHERE id = ANY($1) ORDER BY id FOR UPDATE", due)
		if err != nil {
			return err
		}
		if err := scanConvRows(rows, t.loadConvRow); err != nil {
			return err
		}
		for _, id := range order {
			c, err := t.Conv(id)
			if errors.Is(err, store.ErrNotFound) {
				continue // gone since the range was read
			}
			if err != nil {
				return err
			}
			old := c
			if !fn(&c) {
				continue
			}
			if err := t.PutConv(&old, &c); err != nil {
				return err
			}
			ids = append(ids, c.ID)
		}
		return nil
	})
	return ids, err
}

// viewBounds is the sort-key range of a view's ranks.
func viewBounds(v store.View) (lo, hi []byte) {
	l, h := store.ViewRanks(v)
	return []byte{byte(l)}, []byte{byte(h + 1)}
}

// Conversation reads one conversation.
func (s *Store) Conversation(ctx context.Context, id string) (social.Conversation, error) {
	n, err := store.ParseID(id)
	if err != nil {
		return social.Conversation{}, err
	}
	ctx, cancel := s.op(ctx)
	defer cancel()
	var raw []byte
	err = s.pool.QueryRow(ctx, "SELECT doc FROM conversations WHERE id = $1", int64(n)).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return social.Conversation{}, fmt.Errorf("conversation %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return social.Conversation{}, s.wrap(err)
	}
	return store.DecodeConv(raw)
}

// Conversations reads several conversations in one query, in the order
// asked (missing ids are skipped).
func (s *Store) Conversations(ctx context.Context, ids []string) ([]social.Conversation, error) {
	out := make([]social.Conversation, 0, len(ids))
	nums := make([]int64, 0, len(ids))
	for _, id := range ids {
		if n, err := store.ParseID(id); err == nil {
			nums = append(nums, int64(n))
		}
	}
	if len(nums) == 0 {
		return out, nil
	}
	ctx, cancel := s.op(ctx)
	defer cancel()
	rows, err := s.pool.Query(ctx, "SELECT id, doc FROM conversations WHERE id = ANY($1)", nums)
	if err != nil {
		return out, s.wrap(err)
	}
	byID := map[int64][]byte{}
	for rows.Next() {
		var id int64
		var raw []byte
		if err := rows.Scan(&id, &raw); err != nil {
			rows.Close()
			return out, s.wrap(err)
		}
		byID[id] = raw
	}
	if err := rows.Err(); err != nil {
		return out, s.wrap(err)
	}
	for _, id := range ids {
		n, err := store.ParseID(id)
		if err != nil {
			continue
		}
		raw, ok := byID[int64(n)]
		if !ok {
			continue
		}
		c, err := store.DecodeConv(raw)
		if err != nil {
			continue
		}
		out = append(out, c)
	}
	return out, nil
}

// ConvByRoot finds the conversation that holds a root key.
func (s *Store) ConvByRoot(ctx context.Context, root string) (social.Conversation, error) {
	ctx, cancel := s.op(ctx)
	defer cancel()
	var raw []byte
	err := s.pool.QueryRow(ctx, "SELECT doc FROM conversations WHERE root_key = $1", []byte(root)).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return social.Conversation{}, fmt.Errorf("root %s: %w", root, store.ErrNotFound)
	}
	if err != nil {
		return social.Conversation{}, s.wrap(err)
	}
	return store.DecodeConv(raw)
}

// Posts returns a conversation's posts, oldest first (one snapshot).
func (s *Store) Posts(ctx context.Context, convID string) ([]store.StoredPost, error) {
	n, err := store.ParseID(convID)
	if err != nil {
		return nil, err
	}
	var out []store.StoredPost
	err = s.read(ctx, func(tx pgx.Tx) error {
		var raw []byte
		err := tx.QueryRow(ctx, "SELECT doc FROM conversations WHERE id = $1", int64(n)).Scan(&raw)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("conversation %s: %w", convID, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		c, err := store.DecodeConv(raw)
		if err != nil {
			return err
		}
		keys := make([][]byte, len(c.PostKeys))
		for i, k := range c.PostKeys {
			keys[i] = []byte(k)
		}
		rows, err := tx.Query(ctx, "SELECT key, doc FROM posts WHERE key = ANY($1)", keys)
		if err != nil {
			return err
		}
		byKey := map[string][]byte{}
		if err := eachKV(rows, func(k, d []byte) error { byKey[string(k)] = d; return nil }); err != nil {
			return err
		}
		for _, k := range c.PostKeys {
			d, ok := byKey[k]
			if !ok {
				continue
			}
			var sp store.StoredPost
			if json.Unmarshal(d, &sp) == nil {
				out = append(out, sp)
			}
		}
		return nil
	})
	return out, err
}

// Post reads one post by key.
func (s *Store) Post(ctx context.Context, key string) (store.StoredPost, error) {
	ctx, cancel := s.op(ctx)
	defer cancel()
	var sp store.StoredPost
	var raw []byte
	err := s.pool.QueryRow(ctx, "SELECT doc FROM posts WHERE key = $1", []byte(key)).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return sp, fmt.Errorf("post %s: %w", key, store.ErrNotFound)
	}
	if err != nil {
		return sp, s.wrap(err)
	}
	if err := json.Unmarshal(raw, &sp); err != nil {
		return sp, fmt.Errorf("post %s: %w", key, store.ErrNotFound)
	}
	return sp, nil
}

// pageSize is how many index entries one keyset page reads.
const pageSize = 2000

// scan walks a view's index in order, a keyset page at a time (a query
// never outlives its page, so fn may stop early at no cost). withDoc also
// reads each conversation's document.
func (s *Store) scan(ctx context.Context, v store.View, first int, withDoc bool, fn func(r store.Ref, doc []byte) bool) error {
	ctx, cancel := s.op(ctx)
	defer cancel()
	lo, hi := viewBounds(v)
	from, incl := lo, true
	var dec store.RefDecoder
	size := first
	if size <= 0 {
		size = pageSize
	}
	cols := "sort_key, ref"
	if withDoc {
		cols += ", doc"
	}
	for {
		op := ">"
		if incl {
			op = ">="
		}
		rows, err := s.pool.Query(ctx, "SELECT "+cols+" FROM conversations WHERE sort_key "+op+" $1 AND sort_key < $2 ORDER BY sort_key LIMIT $3", from, hi, size)
		if err != nil {
			return s.wrap(err)
		}
		n := 0
		stop := false
		var last []byte
		for rows.Next() {
			var k, val, doc []byte
			dst := []any{&k, &val}
			if withDoc {
				dst = append(dst, &doc)
			}
			if err := rows.Scan(dst...); err != nil {
				rows.Close()
				return s.wrap(err)
			}
			n++
			last = k
			if stop || len(k) != 25 {
				continue
			}
			if !fn(dec.Decode(k, val), doc) {
				stop = true
			}
		}
		if err := rows.Err(); err != nil {
			return s.wrap(err)
		}
		if stop || n < size {
			return nil
		}
		from, incl = last, false
		size = pageSize
	}
}

// Queue calls fn for each entry of the view in order until it returns false.
func (s *Store) Queue(ctx context.Context, v store.View, fn func(store.Ref) bool) error {
	return s.scan(ctx, v, 0, false, func(r store.Ref, _ []byte) bool { return fn(r) })
}

// QueueRefs returns the refs of a view that pass keep (nil = all), in one
// statement (an index-only scan of the queue index), folded by the server
// into two values as Search's (foldedRefs); row by row if they are not as
// expected.
func (s *Store) QueueRefs(ctx context.Context, v store.View, keep func(store.Ref) bool) ([]store.Ref, error) {
	ctx, cancel := s.op(ctx)
	defer cancel()
	lo, hi := viewBounds(v)
	const sel = "SELECT sort_key, ref FROM conversations WHERE sort_key >= $1 AND sort_key < $2 ORDER BY sort_key"
	out, _, ok, err := s.foldedRefs(ctx, "''::text", sel, []any{lo, hi}, keep)
	if err == nil && !ok {
		out, err = s.refRows(ctx, sel, []any{lo, hi}, keep)
	}
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []store.Ref{} // as before: an empty view is an empty list (either way)
	}
	return out, nil
}

// Top returns up to n conversations from the top of a view: one indexed
// query of n rows when nothing is filtered out.
func (s *Store) Top(ctx context.Context, v store.View, n int, keep func(store.Ref) bool) ([]social.Conversation, error) {
	var out []social.Conversation
	if n <= 0 {
		return out, nil
	}
	err := s.scan(ctx, v, n, true, func(r store.Ref, doc []byte) bool {
		if keep != nil && !keep(r) {
			return true
		}
		if c, err := store.DecodeConv(doc); err == nil {
			out = append(out, c)
		}
		return len(out) < n
	})
	return out, err
}

// Counts reads the counts table (kept in the writing transactions).
func (s *Store) Counts(ctx context.Context) ([4]int, error) {
	ctx, cancel := s.op(ctx)
	defer cancel()
	n, err := readCounts(ctx, s.pool)
	return n, s.wrap(err)
}

// forEach pages through a table by its key within one snapshot: table
// has a key column key (bytea or bigint) and a doc column.
func (s *Store) forEach(ctx context.Context, table, key string, fn func(doc []byte) (bool, error)) error {
	// a long export must not hit the per-operation bound
	return s.readLong(ctx, func(tx pgx.Tx) error {
		var last any
		for {
			var rows pgx.Rows
			var err error
			if last == nil {
				rows, err = tx.Query(ctx, "SELECT "+key+", doc FROM "+table+" ORDER BY "+key+" LIMIT $1", pageSize)
			} else {
				rows, err = tx.Query(ctx, "SELECT "+key+", doc FROM "+table+" WHERE "+key+" > $1 ORDER BY "+key+" LIMIT $2", last, pageSize)
			}
			if err != nil {
				return err
			}
			// the page is read whole before fn sees it: a slow consumer
			// (an export into a pager) never holds a statement open
			var docs [][]byte
			for rows.Next() {
				vals, err := rows.Values()
				if err != nil {
					rows.Close()
					return err
				}
				last = vals[0]
				doc, _ := vals[1].([]byte)
				docs = append(docs, doc)
			}
			if err := rows.Err(); err != nil {
				return err
			}
			for _, doc := range docs {
				if more, err := fn(doc); err != nil || !more {
					return err
				}
			}
			if len(docs) < pageSize {
				return nil
			}
		}
	})
}

// readLong is read without the per-operation deadline (the caller's ctx
// still cancels it).
func (s *Store) readLong(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return s.wrap(err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	// a read-only snapshot holds no locks: the caller may take its time
	// between pages without the server ending the session
	if _, err := tx.Exec(ctx, "SET LOCAL idle_in_transaction_session_timeout = 0"); err != nil {
		return s.wrap(err)
	}
	if err := fn(tx); err != nil {
		return s.wrap(err)
	}
	return s.wrap(tx.Commit(ctx))
}

// ForEachConv calls fn for every conversation in id order.
func (s *Store) ForEachConv(ctx context.Context, fn func(social.Conversation) bool) error {
	return s.ForEachConvSkipping(ctx, fn, nil)
}

// ForEachConvSkipping is ForEachConv going on past a conversation it cannot
// decode (bad hears of it); with bad nil such a conversation ends the scan.
func (s *Store) ForEachConvSkipping(ctx context.Context, fn func(social.Conversation) bool, bad func(id string, err error)) error {
	return s.readLong(ctx, func(tx pgx.Tx) error {
		var last int64 = -1
		for {
			n, convs, err := readConvPage(ctx, tx, &last, pageSize, bad)
			if err != nil {
				return err
			}
			for _, c := range convs {
				if !fn(c) {
					return nil
				}
			}
			if n < pageSize {
				return nil
			}
		}
	})
}

// readConvPage reads the keyset page of up to size conversations after
// *last, moving *last on to the last row read, and decodes them: it returns
// how many rows the page held and the conversations that decoded. A
// conversation that does not decode is told to bad and passed over; with
// bad nil it ends the page with an error.
func readConvPage(ctx context.Context, tx pgx.Tx, last *int64, size int, bad func(id string, err error)) (int, []social.Conversation, error) {
	rows, err := tx.Query(ctx, "SELECT id, doc FROM conversations WHERE id > $1 ORDER BY id LIMIT $2", *last, size)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	n := 0
	var convs []social.Conversation
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(last, &raw); err != nil {
			return n, nil, err
		}
		n++
		c, err := store.DecodeConv(raw)
		if err != nil {
			if bad == nil {
				return n, nil, fmt.Errorf("conversation %d: %w", *last, err)
			}
			bad(fmt.Sprint(*last), err)
			continue
		}
		convs = append(convs, c)
	}
	return n, convs, rows.Err()
}

// ForEachPost calls fn for every post in key order.
func (s *Store) ForEachPost(ctx context.Context, fn func(store.StoredPost) bool) error {
	return forEachDoc(ctx, s, "posts", "post", fn)
}

// ForEachContact calls fn for every contact in key order.
func (s *Store) ForEachContact(ctx context.Context, fn func(store.Contact) bool) error {
	return forEachDoc(ctx, s, "contacts", "contact", fn)
}

// forEachDoc calls fn for every JSON document of table (keyed by "key")
// in key order; what names the documents in errors.
func forEachDoc[T any](ctx context.Context, s *Store, table, what string, fn func(T) bool) error {
	return s.forEach(ctx, table, "key", func(d []byte) (bool, error) {
		var v T
		if err := json.Unmarshal(d, &v); err != nil {
			return false, fmt.Errorf("%s: %w", what, err)
		}
		return fn(v), nil
	})
}

// eachKV calls fn with each row of a two-column (bytes, bytes) result and
// closes the rows; an error of fn or of the rows ends it.
func eachKV(rows pgx.Rows, fn func(k, v []byte) error) error {
	var k, v []byte
	_, err := pgx.ForEachRow(rows, []any{&k, &v}, func() error { return fn(k, v) })
	return err
}
