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

var _ store.Coordinator = (*Store)(nil)

// Lease takes or renews a lease on the database clock, River's leader
// pattern: one upsert that wins only over an expired lease or our own.
func (s *Store) Lease(ctx context.Context, name, owner string, ttl, grace time.Duration) (store.Lease, bool, error) {
	ctx, cancel := s.op(ctx)
	defer cancel()
	l := store.Lease{Name: name, Owner: owner}
	err := s.pool.QueryRow(ctx, `INSERT INTO leases (name, owner, epoch, until_at)
		VALUES ($1, $2, 1, now() + $3 * interval '1 millisecond')
		ON CONFLICT (name) DO UPDATE SET owner = EXCLUDED.owner, until_at = EXCLUDED.until_at,
			epoch = CASE WHEN leases.owner = EXCLUDED.owner THEN leases.epoch ELSE leases.epoch + 1 END
		WHERE leases.owner = EXCLUDED.owner OR leases.until_at < now() - $4 * interval '1 millisecond'
		RETURNING epoch, until_at`, name, owner, ttl.Milliseconds(), grace.Milliseconds()).Scan(&l.Epoch, &l.Until)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Lease{}, false, nil
	}
	if err != nil {
		return store.Lease{}, false, fmt.Errorf("taking lease %s: %w", name, s.wrap(err))
	}
	return l, true, nil
}

// ReleaseLease lets the lease expire now, keeping its epoch (the next
// owner's is higher).
func (s *Store) ReleaseLease(ctx context.Context, name, owner string) error {
	ctx, cancel := s.op(ctx)
	defer cancel()
	_, err := s.pool.Exec(ctx, `UPDATE leases SET until_at = now() - interval '1 millisecond'
		WHERE name = $1 AND owner = $2`, name, owner)
	if err != nil {
		return fmt.Errorf("releasing lease %s: %w", name, s.wrap(err))
	}
	return nil
}

// Leases lists the unexpired leases whose name starts with prefix.
func (s *Store) Leases(ctx context.Context, prefix string) ([]store.Lease, error) {
	ctx, cancel := s.op(ctx)
	defer cancel()
	rows, err := s.pool.Query(ctx, `SELECT name, owner, epoch, until_at FROM leases
		WHERE starts_with(name, $1) AND until_at > now() ORDER BY name`, prefix)
	if err != nil {
		return nil, s.wrap(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Lease, error) {
		var l store.Lease
		err := r.Scan(&l.Name, &l.Owner, &l.Epoch, &l.Until)
		return l, err
	})
	return out, s.wrap(err)
}

// FeedCursor returns the cursor and its version; the row is created so a
// fence always has a row to lock.
func (s *Store) FeedCursor(ctx context.Context, feedID string) (string, int64, error) {
	ctx, cancel := s.op(ctx)
	defer cancel()
	var cur []byte
	var v int64
	err := s.pool.QueryRow(ctx, `WITH ins AS (INSERT INTO cursors (feed, cursor) VALUES ($1, '')
			ON CONFLICT (feed) DO NOTHING RETURNING cursor, version)
		SELECT cursor, version FROM ins UNION ALL SELECT cursor, version FROM cursors WHERE feed = $1`,
		[]byte(feedID)).Scan(&cur, &v)
	if err != nil {
		return "", 0, fmt.Errorf("reading cursor of %s: %w", feedID, s.wrap(err))
	}
	return string(cur), v, nil
}

// FencedIngest is Ingest behind a fence checked in its own transaction.
func (s *Store) FencedIngest(ctx context.Context, f store.Fence, cursor string, posts []social.Post, tri store.Triage, now time.Time) (store.IngestResult, error) {
	return s.ingest(ctx, &f, f.Feed, cursor, posts, tri, now)
}

// fence locks the cursor row (no other batch of the feed can commit
// before this one ends) and the lease row for share (nobody can take the
// lease over before this one ends), and refuses the transaction unless
// both still say the poller may write.
func (t *txn) fence(f store.Fence) error {
	var version *int64
	var held bool
	err := t.tx.QueryRow(t.ctx, `SELECT
		(SELECT version FROM cursors WHERE feed = $1 FOR UPDATE),
		EXISTS (SELECT 1 FROM leases WHERE name = $2 AND owner = $3 AND epoch = $4 AND until_at > now() FOR SHARE)`,
		[]byte(f.Feed), f.Lease.Name, f.Lease.Owner, f.Lease.Epoch).Scan(&version, &held)
	if err != nil {
		return err
	}
	have := int64(0)
	if version != nil {
		have = *version
	}
	switch {
	case !held:
		return fmt.Errorf("feed %s: lease %s (epoch %d) no longer held: %w", f.Feed, f.Lease.Name, f.Lease.Epoch, store.ErrFenced)
	case have != f.CursorVersion:
		return fmt.Errorf("feed %s: cursor at version %d, batch read %d: %w", f.Feed, have, f.CursorVersion, store.ErrFenced)
	}
	return nil
}

// Heartbeat registers or refreshes the process and returns the live ones.
func (s *Store) Heartbeat(ctx context.Context, p store.Process, ttl time.Duration) ([]store.Process, error) {
	ctx, cancel := s.op(ctx)
	defer cancel()
	var b pgx.Batch
	b.Queue(`INSERT INTO processes (id, host, pid, kind) VALUES ($1, $2, $3, $4)
		ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()`, p.ID, p.Host, p.PID, p.Kind)
	// processes gone for long (killed) are swept by whoever notices
	b.Queue(`DELETE FROM processes WHERE heartbeat_at < now() - $1 * interval '1 millisecond'`, 4*ttl.Milliseconds())
	b.Queue(`SELECT id, host, pid, kind FROM processes
		WHERE heartbeat_at > now() - $1 * interval '1 millisecond' ORDER BY id`, ttl.Milliseconds())
	br := s.pool.SendBatch(ctx, &b)
	defer br.Close()
	for range 2 {
		if _, err := br.Exec(); err != nil {
			return nil, fmt.Errorf("heartbeat: %w", s.wrap(err))
		}
	}
	rows, err := br.Query()
	if err != nil {
		return nil, fmt.Errorf("heartbeat: %w", s.wrap(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Process, error) {
		var x store.Process
		err := r.Scan(&x.ID, &x.Host, &x.PID, &x.Kind)
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("heartbeat: %w", s.wrap(err))
	}
	return out, nil
}

// Leave removes the process and lets its leases expire now.
func (s *Store) Leave(ctx context.Context, id string) error {
	ctx, cancel := s.op(ctx)
	defer cancel()
	var b pgx.Batch
	b.Queue(`DELETE FROM processes WHERE id = $1`, id)
	b.Queue(`UPDATE leases SET until_at = now() - interval '1 millisecond' WHERE owner = $1`, id)
	if err := s.pool.SendBatch(ctx, &b).Close(); err != nil {
		return fmt.Errorf("leaving: %w", s.wrap(err))
	}
	return nil
}

// ClaimOutbox claims the first due entry nobody else holds.
func (s *Store) ClaimOutbox(ctx context.Context, owner string, lease time.Duration, now time.Time) (store.OutboxEntry, bool, error) {
	var e store.OutboxEntry
	var ok bool
	err := s.write(ctx, func(t *txn) error {
		ok = false
		var seq int64
		var state string
		var raw []byte
		err := t.tx.QueryRow(t.ctx, `SELECT seq, state, doc FROM outbox
			WHERE state IN ('queued', 'sending')
			  AND ((state = 'queued' AND next_attempt <= $1)
			    OR (state = 'sending' AND (lease_until IS NULL OR lease_until < now())))
			ORDER BY next_attempt, seq FOR UPDATE SKIP LOCKED LIMIT 1`, now).Scan(&seq, &state, &raw)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		e = store.OutboxEntry{}
		if err := json.Unmarshal(raw, &e); err != nil {
			return fmt.Errorf("outbox entry %d: %w", seq, err)
		}
		e.Seq = uint64(seq)
		// a sender died (or was cut off) mid-send: the post may be out
		e.Uncertain = e.Uncertain || state == string(store.OutSending)
		e.State = store.OutSending
		e.Attempts++
		_, _, doc, err := outboxCols(e)
		if err != nil {
			return err
		}
		t.outbox = append(t.outbox, seq)
		t.extra.Queue(`UPDATE outbox SET state = 'sending', doc = $2, lease_owner = $3,
			lease_until = now() + $4 * interval '1 millisecond' WHERE seq = $1`, seq, doc, owner, lease.Milliseconds())
		ok = true
		return nil
	})
	if err != nil {
		return store.OutboxEntry{}, false, fmt.Errorf("claiming an outbox entry: %w", err)
	}
	return e, ok, nil
}

// lockOwned locks an entry only while owner holds its claim.
func lockOwned(t *txn, seq uint64, owner string) (store.OutboxEntry, error) {
	var e store.OutboxEntry
	var raw []byte
	err := t.tx.QueryRow(t.ctx, `SELECT doc FROM outbox WHERE seq = $1 AND state = 'sending' AND lease_owner = $2
		FOR UPDATE`, int64(seq), owner).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return e, fmt.Errorf("outbox %d: no longer claimed by this process: %w", seq, store.ErrFenced)
	}
	if err != nil {
		return e, err
	}
	return e, json.Unmarshal(raw, &e)
}

// UpdateOutboxOwned changes an entry while owner holds its claim.
func (s *Store) UpdateOutboxOwned(ctx context.Context, seq uint64, owner string, fn func(*store.OutboxEntry) error) (store.OutboxEntry, error) {
	var e store.OutboxEntry
	err := s.write(ctx, func(t *txn) (err error) {
		e, err = store.ChangeOutboxTx(seq, func(seq uint64) (store.OutboxEntry, error) { return lockOwned(t, seq, owner) },
			t.putEntry, fn)
		return err
	})
	return e, err
}

// MarkSentOwned records a delivered reply while owner holds its claim.
func (s *Store) MarkSentOwned(ctx context.Context, seq uint64, owner string, sent social.Sent, own social.Post, tri store.Triage, now time.Time) (store.OutboxEntry, social.Conversation, error) {
	return s.markSent(ctx, seq, owner, sent, own, tri, now)
}

// NextOutboxDue is the earliest next attempt of a queued entry.
func (s *Store) NextOutboxDue(ctx context.Context) (time.Time, error) {
	ctx, cancel := s.op(ctx)
	defer cancel()
	var t *time.Time
	err := s.pool.QueryRow(ctx, `SELECT min(next_attempt) FROM outbox WHERE state = 'queued'`).Scan(&t)
	if err != nil || t == nil {
		return time.Time{}, s.wrap(err)
	}
	return *t, nil
}
