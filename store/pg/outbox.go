package pg

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/jackc/pgx/v5"
)

func outboxCols(e store.OutboxEntry) (state string, sent []byte, doc []byte, err error) {
	doc, err = json.Marshal(e)
	if e.State == store.OutSent && e.Sent.RemoteID != "" {
		sent = []byte(e.Sent.RemoteID)
	}
	return string(e.State), sent, doc, err
}

// nextAttempt is the claim index's column: the due time of a queued or
// sending entry (NULL once it is sent, failed or discarded).
func nextAttempt(e store.OutboxEntry) *time.Time {
	if e.State != store.OutQueued && e.State != store.OutSending {
		return nil
	}
	t := e.NextAttempt
	return &t
}

// Enqueue writes a reply to the outbox and clears the draft, in one
// transaction; the same reply id is one entry (a concurrent double enqueue
// loses on the unique reply id, retries and finds the winner).
func (s *Store) Enqueue(ctx context.Context, r social.Reply, resolve bool, now time.Time) (store.OutboxEntry, error) {
	return s.enqueue(ctx, r, nil, now, func(seq uint64) store.OutboxEntry {
		return store.OutboxEntry{Seq: seq, Reply: r, State: store.OutQueued, NextAttempt: now, QueuedAt: now, Resolve: resolve}
	})
}

// EnqueueSeen is Enqueue with the last check (store/seen.go) in its
// transaction: the conversation's row is locked FOR UPDATE before the
// check reads its posts and the outbox, so a post ingested or a reply
// queued by another process at the same moment waits for this
// transaction, or this one sees it (READ COMMITTED: each statement after
// the lock reads what was committed before it).
func (s *Store) EnqueueSeen(ctx context.Context, r social.Reply, resolve bool, seen store.Seen, now time.Time) (store.OutboxEntry, error) {
	return s.enqueue(ctx, r, &seen, now, func(seq uint64) store.OutboxEntry {
		return store.OutboxEntry{Seq: seq, Reply: r, State: store.OutQueued, NextAttempt: now, QueuedAt: now, Resolve: resolve}
	})
}

// enqueue is every way into the outbox (Enqueue, EnqueueSeen,
// EnqueueScheduled): the reply id's dedupe, the last check against what
// the reply's screen had seen (seen nil: none), the next sequence number,
// the row and the draft cleared, in one transaction.
func (s *Store) enqueue(ctx context.Context, r social.Reply, seen *store.Seen, now time.Time, entry func(seq uint64) store.OutboxEntry) (store.OutboxEntry, error) {
	if r.ID == "" {
		return store.OutboxEntry{}, fmt.Errorf("outbox: reply has no id")
	}
	var e store.OutboxEntry
	err := s.write(ctx, func(t *txn) error {
		var raw []byte
		err := t.tx.QueryRow(t.ctx, "SELECT doc FROM outbox WHERE reply_id = $1", []byte(r.ID)).Scan(&raw)
		if err == nil {
			return json.Unmarshal(raw, &e)
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if seen != nil {
			if _, err := store.CheckSeenTx(t, txOutbox{t}, r, *seen, now); err != nil {
				return err
			}
		}
		var seq int64
		if err := t.tx.QueryRow(t.ctx, "UPDATE counters SET n = n + 1 WHERE name = 'outbox' RETURNING n").Scan(&seq); err != nil {
			return err
		}
		e = entry(uint64(seq))
		state, sent, doc, err := outboxCols(e)
		if err != nil {
			return err
		}
		t.extra.Queue("INSERT INTO outbox (seq, reply_id, state, sent_remote_id, doc, next_attempt, status) VALUES ($1, $2, $3, $4, $5, $6, $7)",
			seq, []byte(r.ID), state, sent, doc, nextAttempt(e), e.IsStatus())
		t.outbox = append(t.outbox, seq)
		if n, err := store.ParseID(r.ConvID); err == nil {
			t.extra.Queue("DELETE FROM drafts WHERE conv_id = $1", int64(n))
		}
		return nil
	})
	return e, err
}

// txOutbox is the last check's view of the outbox in a transaction.
type txOutbox struct{ t *txn }

func (o txOutbox) OpenEntries(convID string) ([]store.OutboxEntry, error) {
	rows, err := o.t.tx.Query(o.t.ctx, "SELECT seq, doc FROM outbox WHERE state NOT IN ('sent', 'discarded') ORDER BY seq")
	if err != nil {
		return nil, err
	}
	return outboxRows(rows, func(e store.OutboxEntry) bool { return e.Reply.ConvID == convID })
}

func (o txOutbox) EntryTx(seq uint64) (store.OutboxEntry, bool, error) {
	var e store.OutboxEntry
	var raw []byte
	err := o.t.tx.QueryRow(o.t.ctx, "SELECT doc FROM outbox WHERE seq = $1", int64(seq)).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return e, false, nil
	}
	if err != nil {
		return e, false, err
	}
	return e, true, json.Unmarshal(raw, &e)
}

// Outbox lists entries, oldest first, that pass keep (nil = all).
func (s *Store) Outbox(ctx context.Context, keep func(store.OutboxEntry) bool) ([]store.OutboxEntry, error) {
	return s.outboxQuery(ctx, keep, "SELECT seq, doc FROM outbox ORDER BY seq")
}

// OutboxEntry reads one entry.
func (s *Store) OutboxEntry(ctx context.Context, seq uint64) (store.OutboxEntry, error) {
	ctx, cancel := s.op(ctx)
	defer cancel()
	var e store.OutboxEntry
	var raw []byte
	err := s.pool.QueryRow(ctx, "SELECT doc FROM outbox WHERE seq = $1", int64(seq)).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return e, fmt.Errorf("outbox %d: %w", seq, store.ErrNotFound)
	}
	if err != nil {
		return e, s.wrap(err)
	}
	return e, json.Unmarshal(raw, &e)
}

func lockEntry(t *txn, seq uint64) (store.OutboxEntry, error) {
	var e store.OutboxEntry
	var raw []byte
	err := t.tx.QueryRow(t.ctx, "SELECT doc FROM outbox WHERE seq = $1 FOR UPDATE", int64(seq)).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return e, fmt.Errorf("outbox %d: %w", seq, store.ErrNotFound)
	}
	if err != nil {
		return e, err
	}
	return e, json.Unmarshal(raw, &e)
}

func (t *txn) putEntry(e store.OutboxEntry) error {
	state, sent, doc, err := outboxCols(e)
	if err != nil {
		return err
	}
	t.outbox = append(t.outbox, int64(e.Seq))
	// an entry that leaves "sending" is no longer anyone's
	t.extra.Queue(`UPDATE outbox SET state = $2, sent_remote_id = $3, doc = $4, next_attempt = $5,
		lease_owner = CASE WHEN $2 = 'sending' THEN lease_owner END,
		lease_until = CASE WHEN $2 = 'sending' THEN lease_until END WHERE seq = $1`,
		int64(e.Seq), state, sent, doc, nextAttempt(e))
	return nil
}

// UpdateOutbox changes an entry (locked) in its own committed transaction.
func (s *Store) UpdateOutbox(ctx context.Context, seq uint64, fn func(*store.OutboxEntry) error) (store.OutboxEntry, error) {
	var e store.OutboxEntry
	err := s.write(ctx, func(t *txn) (err error) {
		e, err = store.ChangeOutboxTx(seq, func(seq uint64) (store.OutboxEntry, error) { return lockEntry(t, seq) }, t.putEntry, fn)
		return err
	})
	return e, err
}

// MarkSent records a delivered reply, its post and the conversation's new
// state, in one transaction.
func (s *Store) MarkSent(ctx context.Context, seq uint64, sent social.Sent, own social.Post, tri store.Triage, now time.Time) (store.OutboxEntry, social.Conversation, error) {
	return s.markSent(ctx, seq, "", sent, own, tri, now)
}

func (s *Store) markSent(ctx context.Context, seq uint64, owner string, sent social.Sent, own social.Post, tri store.Triage, now time.Time) (store.OutboxEntry, social.Conversation, error) {
	var e store.OutboxEntry
	var conv social.Conversation
	err := s.write(ctx, func(t *txn) error {
		conv = social.Conversation{}
		var err error
		if owner != "" {
			if e, err = lockOwned(t, seq, owner); err != nil {
				return err
			}
		} else if e, err = lockEntry(t, seq); err != nil {
			return fmt.Errorf("outbox %d: %w", seq, store.ErrNotFound)
		}
		conv, err = store.MarkSentTx(t, &e, t.putEntry, sent, own, tri, now)
		return err
	})
	return e, conv, err
}

// SentAs reports whether an entry other than seq was sent as remoteID
// (an index lookup).
func (s *Store) SentAs(ctx context.Context, remoteID string, seq uint64) (bool, error) {
	if remoteID == "" {
		return false, nil
	}
	ctx, cancel := s.op(ctx)
	defer cancel()
	var one int
	err := s.pool.QueryRow(ctx, "SELECT 1 FROM outbox WHERE sent_remote_id = $1 AND state = 'sent' AND seq <> $2 LIMIT 1",
		[]byte(remoteID), int64(seq)).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return err == nil, s.wrap(err)
}

// Contact reads a contact (ErrNotFound if unknown).
func (s *Store) Contact(ctx context.Context, n social.Network, handle string) (store.Contact, error) {
	ctx, cancel := s.op(ctx)
	defer cancel()
	var ct store.Contact
	var raw []byte
	err := s.pool.QueryRow(ctx, "SELECT doc FROM contacts WHERE key = $1", []byte(store.ContactKey(n, handle))).Scan(&raw)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return ct, s.wrap(err)
	}
	if raw != nil {
		_ = json.Unmarshal(raw, &ct)
	}
	if ct.Handle == "" || handle == "" {
		return store.Contact{}, fmt.Errorf("contact %s/%s: %w", n, handle, store.ErrNotFound)
	}
	return ct, nil
}

// UpdateContact edits a contact; a VIP change is copied onto its
// conversations in the same transaction.
func (s *Store) UpdateContact(ctx context.Context, n social.Network, handle string, fn func(*store.Contact)) (store.Contact, []string, error) {
	var ct store.Contact
	var changed []string
	err := s.write(ctx, func(t *txn) error {
		var err error
		ct, changed, err = store.UpdateContactTx(t, n, handle, fn)
		return err
	})
	return ct, changed, err
}

// SaveDraft keeps the composer's text ("" deletes it).
func (s *Store) SaveDraft(ctx context.Context, convID, text string) error {
	n, err := store.ParseID(convID)
	if err != nil {
		return err
	}
	ctx, cancel := s.op(ctx)
	defer cancel()
	if text == "" {
		_, err = s.pool.Exec(ctx, "DELETE FROM drafts WHERE conv_id = $1", int64(n))
	} else {
		_, err = s.pool.Exec(ctx, `INSERT INTO drafts (conv_id, text) VALUES ($1, $2)
			ON CONFLICT (conv_id) DO UPDATE SET text = EXCLUDED.text`, int64(n), []byte(text))
	}
	return s.wrap(err)
}

// Draft returns a conversation's saved draft.
func (s *Store) Draft(ctx context.Context, convID string) (string, error) {
	n, err := store.ParseID(convID)
	if err != nil {
		return "", err
	}
	ctx, cancel := s.op(ctx)
	defer cancel()
	var d []byte
	err = s.pool.QueryRow(ctx, "SELECT text FROM drafts WHERE conv_id = $1", int64(n)).Scan(&d)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return string(d), s.wrap(err)
}

// Drafts lists the conversations with a saved draft, in id order.
func (s *Store) Drafts(ctx context.Context) ([]string, error) {
	ctx, cancel := s.op(ctx)
	defer cancel()
	rows, err := s.pool.Query(ctx, "SELECT conv_id::text FROM drafts ORDER BY conv_id")
	if err != nil {
		return nil, s.wrap(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return ids, s.wrap(err)
}

// PutFeedStatus saves a feed's status.
func (s *Store) PutFeedStatus(ctx context.Context, st store.FeedStatus) error {
	raw, err := json.Marshal(st)
	if err != nil {
		return err
	}
	ctx, cancel := s.op(ctx)
	defer cancel()
	_, err = s.pool.Exec(ctx, `INSERT INTO feed_status (feed, doc) VALUES ($1, $2)
		ON CONFLICT (feed) DO UPDATE SET doc = EXCLUDED.doc`, []byte(st.Feed), raw)
	return s.wrap(err)
}

// FeedStatuses lists every feed's status, by feed id.
func (s *Store) FeedStatuses(ctx context.Context) ([]store.FeedStatus, error) {
	ctx, cancel := s.op(ctx)
	defer cancel()
	rows, err := s.pool.Query(ctx, "SELECT doc FROM feed_status ORDER BY feed")
	if err != nil {
		return nil, s.wrap(err)
	}
	defer rows.Close()
	var out []store.FeedStatus
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			return nil, s.wrap(err)
		}
		var st store.FeedStatus
		if json.Unmarshal(raw, &st) == nil {
			out = append(out, st)
		}
	}
	return out, s.wrap(rows.Err())
}
