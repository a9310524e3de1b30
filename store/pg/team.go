package pg

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

var _ store.TeamBoard = (*Store)(nil)

// The team across processes (store.TeamBoard): sessions and claims in two
// UNLOGGED tables, alive on the database clock, every change numbered from
// the team_rev sequence and announced in its own transaction.

const claimCols = `conv, session, holder, since, last_at`

func ms(d time.Duration) int64 { return d.Milliseconds() }

// teamTx runs fn in a transaction and announces the changes it returns in
// the same transaction (PostgreSQL delivers them only if it commits).
func (s *Store) teamTx(ctx context.Context, what string, fn func(tx pgx.Tx) ([]store.TeamChange, error)) ([]store.TeamChange, error) {
	ctx, cancel := s.op(ctx)
	defer cancel()
	var out []store.TeamChange
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		ch, err := fn(tx)
		if err != nil {
			return err
		}
		out = ch
		return s.announceTeam(ctx, tx, ch)
	})
	if err != nil {
		if errors.Is(err, store.ErrTeamGone) {
			return nil, err
		}
		return nil, fmt.Errorf("team: %s: %w", what, s.wrap(err))
	}
	return out, nil
}

// announceTeam queues the changes' notices, as many as their size needs
// (each under PostgreSQL's payload limit; delivered in order).
func (s *Store) announceTeam(ctx context.Context, tx pgx.Tx, ch []store.TeamChange) error {
	for len(ch) > 0 {
		n := notice{Origin: s.originID(), Team: ch}
		raw, err := json.Marshal(n)
		if err != nil {
			return err
		}
		k := len(ch)
		for len(raw) > maxNotice && k > 1 {
			k /= 2
			n.Team = ch[:k]
			if raw, err = json.Marshal(n); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, "SELECT pg_notify($1, $2)", Channel, string(raw)); err != nil {
			return err
		}
		ch = ch[k:]
	}
	return nil
}

func actorJSON(a social.Actor) []byte {
	raw, _ := json.Marshal(a)
	return raw
}

func scanClaim(row pgx.Row, extra ...any) (store.TeamClaim, error) {
	var c store.TeamClaim
	var holder []byte
	err := row.Scan(append([]any{&c.Conv, &c.Session, &holder, &c.Since, &c.Last}, extra...)...)
	if err == nil {
		err = json.Unmarshal(holder, &c.Holder)
	}
	return c, err
}

func scanSession(row pgx.Row, extra ...any) (store.TeamSession, error) {
	var x store.TeamSession
	var actor []byte
	err := row.Scan(append([]any{&x.ID, &x.Process, &actor, &x.Brand, &x.Viewing, &x.Since}, extra...)...)
	if err == nil {
		err = json.Unmarshal(actor, &x.Actor)
	}
	return x, err
}

// sessionWithRev scans a session row followed by its rev.
func sessionWithRev(r pgx.CollectableRow) (store.TeamSession, error) {
	var rev int64
	x, err := scanSession(r, &rev)
	x.Rev = rev
	return x, err
}

// claimWithRev scans a claim row followed by its rev.
func claimWithRev(r pgx.CollectableRow) (store.TeamClaim, error) {
	var rev int64
	c, err := scanClaim(r, &rev)
	c.Rev = rev
	return c, err
}

const sessionCols = `id, process, actor, brand, viewing, since`

// TeamJoin registers a session.
func (s *Store) TeamJoin(ctx context.Context, in store.TeamSession) (store.TeamSession, []store.TeamChange, error) {
	var out store.TeamSession
	ch, err := s.teamTx(ctx, "joining", func(tx pgx.Tx) ([]store.TeamChange, error) {
		var at time.Time
		x, err := scanSession(tx.QueryRow(ctx, `INSERT INTO team_sessions (id, process, actor, brand, viewing, rev)
			VALUES (nextval('team_session_id'), $1, $2, $3, $4, nextval('team_rev'))
			RETURNING `+sessionCols+`, rev, now()`, in.Process, actorJSON(in.Actor), in.Brand, in.Viewing), &in.Rev, &at)
		if err != nil {
			return nil, err
		}
		x.Rev = in.Rev
		out = x
		return []store.TeamChange{{Kind: store.TeamPresence, Session: &x, Reason: "joined", Rev: x.Rev, At: at}}, nil
	})
	return out, ch, err
}

// releaseRows turns deleted claim rows (with their new revision and the
// time) into changes.
func releaseRows(rows pgx.Rows, reason func(idle bool) string) ([]store.TeamChange, error) {
	defer rows.Close()
	var out []store.TeamChange
	for rows.Next() {
		var rev int64
		var at time.Time
		var idle bool
		c, err := scanClaim(rows, &rev, &at, &idle)
		if err != nil {
			return nil, err
		}
		c.Rev = rev
		out = append(out, store.TeamChange{Kind: store.TeamReleased, Claim: &c, Reason: reason(idle), Rev: rev, At: at})
	}
	return out, rows.Err()
}

func leftRows(rows pgx.Rows) ([]store.TeamChange, error) { return presenceRows(rows, "left", false) }

// presenceRows reads rows of a session, its rev and the time into
// presence changes for reason; with insertedOnly, one more column says
// whether the row was inserted, and only those are changes.
func presenceRows(rows pgx.Rows, reason string, insertedOnly bool) ([]store.TeamChange, error) {
	defer rows.Close()
	var out []store.TeamChange
	for rows.Next() {
		var rev int64
		var at time.Time
		inserted := true
		extra := []any{&rev, &at}
		if insertedOnly {
			extra = append(extra, &inserted)
		}
		x, err := scanSession(rows, extra...)
		if err != nil {
			return nil, err
		}
		if inserted {
			x.Rev = rev
			out = append(out, store.TeamChange{Kind: store.TeamPresence, Session: &x, Reason: reason, Rev: rev, At: at})
		}
	}
	return out, rows.Err()
}

// TeamLeave ends a session and its claims.
func (s *Store) TeamLeave(ctx context.Context, session int64) ([]store.TeamChange, error) {
	return s.teamTx(ctx, "leaving", func(tx pgx.Tx) ([]store.TeamChange, error) {
		rows, err := tx.Query(ctx, `DELETE FROM team_claims WHERE session = $1
			RETURNING `+claimCols+`, nextval('team_rev'), now(), false`, session)
		if err != nil {
			return nil, err
		}
		out, err := releaseRows(rows, func(bool) string { return "disconnect" })
		if err != nil {
			return nil, err
		}
		rows, err = tx.Query(ctx, `DELETE FROM team_sessions WHERE id = $1
			RETURNING `+sessionCols+`, nextval('team_rev'), now()`, session)
		if err != nil {
			return nil, err
		}
		left, err := leftRows(rows)
		return append(out, left...), err
	})
}

// TeamBeat refreshes the process's sessions (one upsert); the ones swept
// meanwhile are inserted again and announced as joined.
func (s *Store) TeamBeat(ctx context.Context, sessions []store.TeamSession) ([]store.TeamChange, error) {
	if len(sessions) == 0 {
		return nil, nil
	}
	var ids []int64
	var procs, brands, viewing []string
	var actors [][]byte
	var since []time.Time
	for _, x := range sessions {
		ids = append(ids, x.ID)
		procs = append(procs, x.Process)
		actors = append(actors, actorJSON(x.Actor))
		brands = append(brands, x.Brand)
		viewing = append(viewing, x.Viewing)
		since = append(since, x.Since)
	}
	return s.teamTx(ctx, "heartbeat", func(tx pgx.Tx) ([]store.TeamChange, error) {
		rows, err := tx.Query(ctx, `INSERT INTO team_sessions (id, process, actor, brand, viewing, since, rev)
			SELECT u.*, nextval('team_rev') FROM unnest($1::bigint[], $2::text[], $3::bytea[], $4::text[], $5::text[], $6::timestamptz[])
				AS u(id, process, actor, brand, viewing, since)
			ON CONFLICT (id) DO UPDATE SET seen_at = now()
			RETURNING `+sessionCols+`, rev, now(), xmax = 0`, ids, procs, actors, brands, viewing, since)
		if err != nil {
			return nil, err
		}
		return presenceRows(rows, "joined", true)
	})
}

// TeamSweep ends idle claims, claims of dead sessions and dead sessions.
func (s *Store) TeamSweep(ctx context.Context, ttl, idle time.Duration) ([]store.TeamChange, error) {
	// most sweeps find nothing: look before taking any lock
	var due bool
	qctx, cancel := s.op(ctx)
	err := s.pool.QueryRow(qctx, `SELECT EXISTS (SELECT 1 FROM team_sessions WHERE seen_at < now() - $1 * interval '1 millisecond')
		OR EXISTS (SELECT 1 FROM team_claims c WHERE c.last_at < now() - $2 * interval '1 millisecond'
			OR NOT EXISTS (SELECT 1 FROM team_sessions s WHERE s.id = c.session))`, ms(ttl), ms(idle)).Scan(&due)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("team: sweeping: %w", s.wrap(err))
	}
	if !due {
		return nil, nil
	}
	return s.teamTx(ctx, "sweeping", func(tx pgx.Tx) ([]store.TeamChange, error) {
		rows, err := tx.Query(ctx, `DELETE FROM team_claims c
			WHERE c.last_at < now() - $2 * interval '1 millisecond'
			   OR NOT EXISTS (SELECT 1 FROM team_sessions s WHERE s.id = c.session AND s.seen_at >= now() - $1 * interval '1 millisecond')
			RETURNING `+claimCols+`, nextval('team_rev'), now(), c.last_at < now() - $2 * interval '1 millisecond'`, ms(ttl), ms(idle))
		if err != nil {
			return nil, err
		}
		out, err := releaseRows(rows, func(idle bool) string {
			if idle {
				return "idle"
			}
			return "disconnect"
		})
		if err != nil {
			return nil, err
		}
		rows, err = tx.Query(ctx, `DELETE FROM team_sessions WHERE seen_at < now() - $1 * interval '1 millisecond'
			RETURNING `+sessionCols+`, nextval('team_rev'), now()`, ms(ttl))
		if err != nil {
			return nil, err
		}
		left, err := leftRows(rows)
		return append(out, left...), err
	})
}

// TeamClaim claims a conversation atomically: an insert that wins when
// nobody holds it, else the holder's row locked and judged.
func (s *Store) TeamClaim(ctx context.Context, session int64, conv string, take bool, ttl, idle time.Duration) (store.TeamClaim, bool, []store.TeamChange, error) {
	var got store.TeamClaim
	var ok bool
	ch, err := s.teamTx(ctx, "claiming", func(tx pgx.Tx) ([]store.TeamChange, error) {
		ok = false
		var actor []byte
		err := tx.QueryRow(ctx, `SELECT actor FROM team_sessions WHERE id = $1
			AND seen_at >= now() - $2 * interval '1 millisecond' FOR SHARE`, session, ms(ttl)).Scan(&actor)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, store.ErrTeamGone
		}
		if err != nil {
			return nil, err
		}
		var me social.Actor
		if err := json.Unmarshal(actor, &me); err != nil {
			return nil, err
		}
		for range 5 {
			var rev int64
			var at time.Time
			c, err := scanClaim(tx.QueryRow(ctx, `INSERT INTO team_claims (conv, session, holder, rev)
				VALUES ($1, $2, $3, nextval('team_rev')) ON CONFLICT (conv) DO NOTHING
				RETURNING `+claimCols+`, rev, now()`, conv, session, actor), &rev, &at)
			if err == nil {
				c.Rev, got, ok = rev, c, true
				return []store.TeamChange{{Kind: store.TeamClaimed, Claim: &c, Rev: rev, At: at}}, nil
			}
			if !errors.Is(err, pgx.ErrNoRows) {
				return nil, err
			}
			var expired, dead bool
			old, err := scanClaim(tx.QueryRow(ctx, `SELECT `+claimCols+`, rev,
					last_at < now() - $2 * interval '1 millisecond',
					NOT EXISTS (SELECT 1 FROM team_sessions s WHERE s.id = c.session AND s.seen_at >= now() - $3 * interval '1 millisecond')
				FROM team_claims c WHERE conv = $1 FOR UPDATE`, conv, ms(idle), ms(ttl)), &rev, &expired, &dead)
			if errors.Is(err, pgx.ErrNoRows) {
				continue // released meanwhile: insert again
			}
			if err != nil {
				return nil, err
			}
			old.Rev = rev
			switch {
			case !expired && !dead && old.Session == session:
				err := tx.QueryRow(ctx, `UPDATE team_claims SET last_at = now() WHERE conv = $1 RETURNING last_at`, conv).Scan(&old.Last)
				got, ok = old, true
				return nil, err
			case !expired && !dead && !old.Holder.Same(me) && !take:
				got = old
				return nil, nil
			}
			var out []store.TeamChange
			var prev *store.TeamClaim
			reason := ""
			if expired || dead {
				var rrev int64
				var rat time.Time
				if err := tx.QueryRow(ctx, `SELECT nextval('team_rev'), now()`).Scan(&rrev, &rat); err != nil {
					return nil, err
				}
				why := "idle"
				if dead {
					why = "disconnect"
				}
				gone := old
				gone.Rev = rrev
				out = append(out, store.TeamChange{Kind: store.TeamReleased, Claim: &gone, Reason: why, Rev: rrev, At: rat})
			} else {
				p := old
				prev = &p
				if !old.Holder.Same(me) {
					reason = "taken"
				}
			}
			c, err = scanClaim(tx.QueryRow(ctx, `UPDATE team_claims SET session = $2, holder = $3, since = now(), last_at = now(),
				rev = nextval('team_rev') WHERE conv = $1 RETURNING `+claimCols+`, rev, now()`, conv, session, actor), &rev, &at)
			if err != nil {
				return nil, err
			}
			c.Rev, got, ok = rev, c, true
			return append(out, store.TeamChange{Kind: store.TeamClaimed, Claim: &c, Prev: prev, Reason: reason, Rev: rev, At: at}), nil
		}
		return nil, fmt.Errorf("claim on %s kept changing hands", conv)
	})
	return got, ok, ch, err
}

// TeamTouch records activity on the session's own live claim.
func (s *Store) TeamTouch(ctx context.Context, session int64, conv string, idle time.Duration) (bool, error) {
	ctx, cancel := s.op(ctx)
	defer cancel()
	tag, err := s.pool.Exec(ctx, `UPDATE team_claims SET last_at = now()
		WHERE conv = $1 AND session = $2 AND last_at >= now() - $3 * interval '1 millisecond'`, conv, session, ms(idle))
	if err != nil {
		return false, fmt.Errorf("team: touching a claim: %w", s.wrap(err))
	}
	return tag.RowsAffected() == 1, nil
}

// TeamRelease ends the session's claims on convs (all when empty).
func (s *Store) TeamRelease(ctx context.Context, session int64, convs []string, reason string) ([]store.TeamChange, error) {
	if convs == nil {
		convs = []string{}
	}
	return s.teamTx(ctx, "releasing", func(tx pgx.Tx) ([]store.TeamChange, error) {
		rows, err := tx.Query(ctx, `DELETE FROM team_claims WHERE session = $1 AND (cardinality($2::text[]) = 0 OR conv = ANY($2))
			RETURNING `+claimCols+`, nextval('team_rev'), now(), false`, session, convs)
		if err != nil {
			return nil, err
		}
		return releaseRows(rows, func(bool) string { return reason })
	})
}

// TeamPresence records what the session looks at.
func (s *Store) TeamPresence(ctx context.Context, session int64, brand, viewing string) ([]store.TeamChange, error) {
	return s.teamTx(ctx, "presence", func(tx pgx.Tx) ([]store.TeamChange, error) {
		var oldBrand string
		var rev int64
		var at time.Time
		x, err := scanSession(tx.QueryRow(ctx, `UPDATE team_sessions t SET brand = $2, viewing = $3, rev = nextval('team_rev')
			FROM (SELECT id, brand FROM team_sessions WHERE id = $1 FOR UPDATE) old
			WHERE t.id = old.id AND (t.brand <> $2 OR t.viewing <> $3)
			RETURNING t.id, t.process, t.actor, t.brand, t.viewing, t.since, old.brand, t.rev, now()`, session, brand, viewing),
			&oldBrand, &rev, &at)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		x.Rev = rev
		why := "viewing"
		if oldBrand != brand {
			why = "brand"
		}
		return []store.TeamChange{{Kind: store.TeamPresence, Session: &x, Reason: why, Rev: rev, At: at}}, nil
	})
}

// TeamState reads the live sessions and claims.
func (s *Store) TeamState(ctx context.Context, ttl, idle time.Duration) ([]store.TeamSession, []store.TeamClaim, int64, error) {
	ctx, cancel := s.op(ctx)
	defer cancel()
	var sessions []store.TeamSession
	var claims []store.TeamClaim
	var top int64
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+sessionCols+`, rev FROM team_sessions
			WHERE seen_at >= now() - $1 * interval '1 millisecond' ORDER BY id`, ms(ttl))
		if err != nil {
			return err
		}
		sessions, err = pgx.CollectRows(rows, sessionWithRev)
		if err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT c.conv, c.session, c.holder, c.since, c.last_at, c.rev FROM team_claims c
			JOIN team_sessions s ON s.id = c.session AND s.seen_at >= now() - $1 * interval '1 millisecond'
			WHERE c.last_at >= now() - $2 * interval '1 millisecond' ORDER BY c.conv`, ms(ttl), ms(idle))
		if err != nil {
			return err
		}
		claims, err = pgx.CollectRows(rows, claimWithRev)
		if err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT coalesce(max(rev), 0) FROM (SELECT rev FROM team_sessions UNION ALL SELECT rev FROM team_claims) r`).Scan(&top)
	})
	if err != nil {
		return nil, nil, 0, fmt.Errorf("team: reading sessions and claims: %w", s.wrap(err))
	}
	return sessions, claims, top, nil
}
