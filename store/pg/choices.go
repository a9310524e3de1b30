package pg

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hark-tui/hark/store"
	"github.com/jackc/pgx/v5"
)

// RecordCannedChoice counts a choice of the answer id (the row locked, the
// rule shared with bbolt).
func (s *Store) RecordCannedChoice(ctx context.Context, id string, words []string, now time.Time) error {
	if id == "" {
		return fmt.Errorf("canned choice: no id")
	}
	return s.write(ctx, func(t *txn) error {
		var c store.CannedChoice
		var raw []byte
		err := t.tx.QueryRow(t.ctx, "SELECT doc FROM canned_choices WHERE id = $1 FOR UPDATE", []byte(id)).Scan(&raw)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if raw != nil {
			if err := json.Unmarshal(raw, &c); err != nil {
				return fmt.Errorf("canned choice %s: %w", id, err)
			}
		}
		store.AddCannedChoice(&c, id, words, now)
		doc, err := json.Marshal(c)
		if err != nil {
			return err
		}
		t.extra.Queue(`INSERT INTO canned_choices (id, doc) VALUES ($1, $2)
			ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc`, []byte(id), doc)
		return nil
	})
}

// CannedChoices returns every answer's choices by id.
func (s *Store) CannedChoices(ctx context.Context) (map[string]store.CannedChoice, error) {
	ctx, cancel := s.op(ctx)
	defer cancel()
	out := map[string]store.CannedChoice{}
	rows, err := s.pool.Query(ctx, "SELECT id, doc FROM canned_choices ORDER BY id")
	if err != nil {
		return out, s.wrap(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, raw []byte
		if err := rows.Scan(&id, &raw); err != nil {
			return out, s.wrap(err)
		}
		var c store.CannedChoice
		if err := json.Unmarshal(raw, &c); err != nil {
			return out, fmt.Errorf("canned choice %s: %w", id, err)
		}
		out[string(id)] = c
	}
	return out, s.wrap(rows.Err())
}
