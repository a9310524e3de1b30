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

// EnqueueScheduled writes a reply that goes out at `at`, like Enqueue (the
// same reply id is one entry), in state scheduled.
func (s *Store) EnqueueScheduled(ctx context.Context, r social.Reply, resolve bool, at time.Time, anyway bool, now time.Time) (store.OutboxEntry, error) {
	if r.ID == "" {
		return store.OutboxEntry{}, fmt.Errorf("outbox: reply has no id")
	}
	if at.IsZero() {
		return store.OutboxEntry{}, fmt.Errorf("outbox: scheduled reply has no time")
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
		var seq int64
		if err := t.tx.QueryRow(t.ctx, "UPDATE counters SET n = n + 1 WHERE name = 'outbox' RETURNING n").Scan(&seq); err != nil {
			return err
		}
		e = store.NewScheduledEntry(uint64(seq), r, resolve, at, anyway, now)
		state, sent, doc, err := outboxCols(e)
		if err != nil {
			return err
		}
		t.extra.Queue("INSERT INTO outbox (seq, reply_id, state, sent_remote_id, doc) VALUES ($1, $2, $3, $4, $5)",
			seq, []byte(r.ID), state, sent, doc)
		if n, err := store.ParseID(r.ConvID); err == nil {
			t.extra.Queue("DELETE FROM drafts WHERE conv_id = $1", int64(n))
		}
		return nil
	})
	return e, err
}

// ReleaseScheduled decides the fate of a due scheduled entry in one
// transaction that holds the entry's row lock: of several processes on
// one database, one releases it (the others find it no longer scheduled).
func (s *Store) ReleaseScheduled(ctx context.Context, seq uint64, now time.Time, decide store.Decide) (store.OutboxEntry, bool, error) {
	var e store.OutboxEntry
	var released bool
	err := s.write(ctx, func(t *txn) error {
		var err error
		if e, err = lockEntry(t, seq); err != nil {
			return err
		}
		released = false
		c, cerr := t.Conv(e.Reply.ConvID)
		rel, changed := store.Release(&e, c, cerr == nil, now, decide)
		if !changed {
			return nil
		}
		released = rel
		e.Seq = seq
		return putEntry(t, e)
	})
	return e, released, err
}
