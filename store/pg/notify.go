package pg

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hark-tui/hark/store"
)

// Channel is the NOTIFY channel every committed change is announced on.
const Channel = "hark_events"

// maxNotice keeps a notice under PostgreSQL's 8,000-byte payload limit; a
// change too big for it is announced as a resync.
const maxNotice = 7000

// notice is a change notice's payload.
type notice struct {
	Origin string   `json:"o,omitempty"`
	Convs  []string `json:"c,omitempty"`
	Outbox []int64  `json:"s,omitempty"`
	Resync bool     `json:"r,omitempty"`
	// team changes (team.go)
	Team []store.TeamChange `json:"t,omitempty"`
}

// SetOrigin names this process in the notices of its changes, so its own
// can be told apart.
func (s *Store) SetOrigin(id string) { s.origin.Store(&id) }

func (s *Store) originID() string {
	if p := s.origin.Load(); p != nil {
		return *p
	}
	return ""
}

// announce queues, with the transaction's writes, a NOTIFY naming the
// conversations and outbox entries it changed: PostgreSQL delivers it only
// if the transaction commits.
func (s *Store) announce(t *txn) {
	n := notice{Origin: s.originID(), Outbox: t.outbox}
	for id, e := range t.convs {
		if e.dirty {
			n.Convs = append(n.Convs, strconv.FormatUint(id, 10))
		}
	}
	if len(n.Convs) == 0 && len(n.Outbox) == 0 {
		return
	}
	slices.Sort(n.Convs)
	raw, err := json.Marshal(n)
	if err != nil || len(raw) > maxNotice {
		raw, _ = json.Marshal(notice{Origin: n.Origin, Resync: true})
	}
	t.extra.Queue("SELECT pg_notify($1, $2)", Channel, string(raw))
}

// Listen holds one connection (outside the pool) listening for change
// notices until ctx ends, and calls fn for each. When the connection drops
// (a restart, a network fault) it calls up(false), reconnects with backoff,
// listens again and only then calls up(true): the caller reloads
// everything, since notices sent meanwhile are lost (NOTIFY is at most
// once). The first connection also calls up(true).
func (s *Store) Listen(ctx context.Context, fn func(store.Change), up func(bool)) error {
	cfg := s.pool.Config().ConnConfig.Copy()
	wait := 100 * time.Millisecond
	for ctx.Err() == nil {
		conn, err := s.listenConn(ctx, cfg)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
			case <-t.C:
			}
			wait = min(2*wait, 5*time.Second)
			continue
		}
		wait = 100 * time.Millisecond
		up(true)
		for {
			n, err := conn.WaitForNotification(ctx)
			if err != nil {
				break
			}
			var x notice
			if json.Unmarshal([]byte(n.Payload), &x) != nil {
				x.Resync = true
			}
			fn(store.Change{Origin: x.Origin, Convs: x.Convs, Outbox: x.Outbox, Resync: x.Resync, Team: x.Team})
		}
		cctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn.Close(cctx)
		cancel()
		if ctx.Err() == nil {
			up(false)
		}
	}
	return nil
}

func (s *Store) listenConn(ctx context.Context, cfg *pgx.ConnConfig) (*pgx.Conn, error) {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(cctx, cfg)
	if err != nil {
		return nil, s.wrap(err)
	}
	if _, err := conn.Exec(cctx, "LISTEN "+pgx.Identifier{Channel}.Sanitize()); err != nil {
		conn.Close(cctx)
		return nil, fmt.Errorf("listening: %w", s.wrap(err))
	}
	return conn, nil
}
