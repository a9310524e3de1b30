package pg

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/hark-tui/hark/store"
	"github.com/jackc/pgx/v5"
)

// OutboxOpen lists the entries not sent or discarded, oldest first, from
// the partial index outbox_open (migration 3).
func (s *Store) OutboxOpen(ctx context.Context, keep func(store.OutboxEntry) bool) ([]store.OutboxEntry, error) {
	return s.outboxQuery(ctx, keep, "SELECT seq, doc FROM outbox WHERE state NOT IN ('sent', 'discarded') ORDER BY seq")
}

// OutboxStatuses lists the status entries, oldest first, from the partial
// index outbox_status (migration 10).
func (s *Store) OutboxStatuses(ctx context.Context) ([]store.OutboxEntry, error) {
	return s.outboxQuery(ctx, nil, "SELECT seq, doc FROM outbox WHERE status ORDER BY seq")
}

// backfillStatus (the migration to schema 10) marks the status entries
// already in the outbox, inside the migration's transaction.
func backfillStatus(ctx context.Context, tx pgx.Tx) error {
	rows, err := tx.Query(ctx, "SELECT seq, doc FROM outbox ORDER BY seq")
	if err != nil {
		return fmt.Errorf("marking the status entries: %w", err)
	}
	sts, err := outboxRows(rows, store.OutboxEntry.IsStatus)
	if err != nil {
		return fmt.Errorf("marking the status entries: %w", err)
	}
	seqs := make([]int64, len(sts))
	for i, e := range sts {
		seqs[i] = int64(e.Seq)
	}
	if _, err := tx.Exec(ctx, "UPDATE outbox SET status = true WHERE seq = ANY($1)", seqs); err != nil {
		return fmt.Errorf("marking the status entries: %w", err)
	}
	return nil
}

// OutboxLog lists up to n entries older than before (0: from the newest),
// newest first, that pass keep.
func (s *Store) OutboxLog(ctx context.Context, before uint64, n int, keep func(store.OutboxEntry) bool) ([]store.OutboxEntry, error) {
	if before == 0 {
		before = 1<<63 - 1
	}
	var out []store.OutboxEntry
	for len(out) < n {
		page, err := s.outboxQuery(ctx, nil, "SELECT seq, doc FROM outbox WHERE seq < $1 ORDER BY seq DESC LIMIT $2", int64(before), n)
		if err != nil {
			return nil, err
		}
		for _, e := range page {
			if keep == nil || keep(e) {
				out = append(out, e)
				if len(out) == n {
					break
				}
			}
		}
		if len(page) < n {
			break
		}
		before = page[len(page)-1].Seq
	}
	return out, nil
}

func (s *Store) outboxQuery(ctx context.Context, keep func(store.OutboxEntry) bool, sql string, args ...any) ([]store.OutboxEntry, error) {
	ctx, cancel := s.op(ctx)
	defer cancel()
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, s.wrap(err)
	}
	out, err := outboxRows(rows, keep)
	return out, s.wrap(err)
}

// outboxRows decodes rows of (seq, doc) into the outbox entries keep
// accepts (nil: all), and closes them.
func outboxRows(rows pgx.Rows, keep func(store.OutboxEntry) bool) ([]store.OutboxEntry, error) {
	defer rows.Close()
	var out []store.OutboxEntry
	for rows.Next() {
		var seq int64
		var raw []byte
		if err := rows.Scan(&seq, &raw); err != nil {
			return nil, err
		}
		var e store.OutboxEntry
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, fmt.Errorf("outbox entry %d: %w", seq, err)
		}
		if keep == nil || keep(e) {
			out = append(out, e)
		}
	}
	return out, rows.Err()
}

var (
	_ store.OutboxIndexer = (*Store)(nil)
	_ store.StatusIndexer = (*Store)(nil)
)
