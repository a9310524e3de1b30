package pg_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/store/pg"
)

var c0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

func mention(id string) social.Post {
	return social.Post{Network: social.Demo, Account: "acme", Brand: "Acme", RemoteID: id,
		Author: social.Author{Handle: "ann"}, Text: "hello " + id, CreatedAt: c0, Kind: social.KindMention}
}

// expire ends a lease on the database clock, as time passing would.
func expire(t *testing.T, s *pg.Store, name string) {
	t.Helper()
	if _, err := s.Pool().Exec(context.Background(),
		"UPDATE leases SET until_at = now() - interval '1 hour' WHERE name = $1", name); err != nil {
		t.Fatal(err)
	}
}

func TestLeaseTakeRenewExpire(t *testing.T) {
	ctx := context.Background()
	s := open(t, newDB(t))
	defer s.Close()
	a, ok, err := s.Lease(ctx, "feed:x", "A", time.Minute, 0)
	if err != nil || !ok || a.Epoch != 1 {
		t.Fatalf("A takes: %+v %v %v", a, ok, err)
	}
	if _, ok, err := s.Lease(ctx, "feed:x", "B", time.Minute, 0); err != nil || ok {
		t.Fatalf("B took a held lease: %v %v", ok, err)
	}
	a2, ok, err := s.Lease(ctx, "feed:x", "A", time.Minute, 0)
	if err != nil || !ok || a2.Epoch != 1 || a2.Until.Before(a.Until) {
		t.Fatalf("A renews: %+v %v %v", a2, ok, err)
	}
	expire(t, s, "feed:x")
	// expired, but only by less than B's grace: still not B's
	if _, ok, err := s.Lease(ctx, "feed:x", "B", time.Minute, 2*time.Hour); err != nil || ok {
		t.Fatalf("B took a lease inside its grace: %v %v", ok, err)
	}
	b, ok, err := s.Lease(ctx, "feed:x", "B", time.Minute, 0)
	if err != nil || !ok || b.Epoch != 2 {
		t.Fatalf("B takes the expired lease: %+v %v %v", b, ok, err)
	}
	if ls, err := s.Leases(ctx, "feed:"); err != nil || len(ls) != 1 || ls[0].Owner != "B" {
		t.Fatalf("leases: %+v %v", ls, err)
	}
	if err := s.ReleaseLease(ctx, "feed:x", "A"); err != nil { // not A's: no effect
		t.Fatal(err)
	}
	if _, ok, _ := s.Lease(ctx, "feed:x", "A", time.Minute, 0); ok {
		t.Fatal("A's release freed B's lease")
	}
	if err := s.ReleaseLease(ctx, "feed:x", "B"); err != nil {
		t.Fatal(err)
	}
	if a3, ok, err := s.Lease(ctx, "feed:x", "A", time.Minute, 0); err != nil || !ok || a3.Epoch != 3 {
		t.Fatalf("A after B's release: %+v %v %v", a3, ok, err)
	}
}

// TestFencedIngest: a poller whose lease expired or was taken over, or
// whose cursor moved since it read it, commits nothing of its batch.
func TestFencedIngest(t *testing.T) {
	ctx := context.Background()
	s := open(t, newDB(t))
	defer s.Close()
	name := store.LeaseFeed("f")
	la, _, err := s.Lease(ctx, name, "A", time.Minute, 0)
	if err != nil {
		t.Fatal(err)
	}
	cur, v, err := s.FeedCursor(ctx, "f")
	if err != nil || cur != "" || v != 0 {
		t.Fatalf("cursor: %q %d %v", cur, v, err)
	}
	// a good fence commits and moves the version
	if _, err := s.FencedIngest(ctx, store.Fence{Feed: "f", Lease: la, CursorVersion: v}, "c1", []social.Post{mention("1")}, nil, c0); err != nil {
		t.Fatal(err)
	}
	cur, v, _ = s.FeedCursor(ctx, "f")
	if cur != "c1" || v != 1 {
		t.Fatalf("after a fenced batch: %q %d", cur, v)
	}

	// A stalls; its lease expires and B takes the feed, polls and commits
	expire(t, s, name)
	lb, ok, err := s.Lease(ctx, name, "B", time.Minute, 0)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	_, vb, _ := s.FeedCursor(ctx, "f")
	if _, err := s.FencedIngest(ctx, store.Fence{Feed: "f", Lease: lb, CursorVersion: vb}, "c2", []social.Post{mention("2")}, nil, c0); err != nil {
		t.Fatal(err)
	}
	// A comes back with its old batch: refused whole
	_, err = s.FencedIngest(ctx, store.Fence{Feed: "f", Lease: la, CursorVersion: v}, "stale", []social.Post{mention("3")}, nil, c0)
	if !errors.Is(err, store.ErrFenced) {
		t.Fatalf("stale batch: %v, want ErrFenced", err)
	}
	if _, err := s.Post(ctx, social.PostKey(social.Demo, "acme", "3")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the stale batch's post was stored: %v", err)
	}
	if cur, _, _ := s.FeedCursor(ctx, "f"); cur != "c2" {
		t.Fatalf("cursor moved by a stale batch: %q", cur)
	}

	// B holds the lease but read the cursor before an unfenced write
	// (hark poll --once of an older build) moved it: refused too
	_, vb, _ = s.FeedCursor(ctx, "f")
	if _, err := s.Ingest(ctx, "f", "c3", nil, nil, c0); err != nil {
		t.Fatal(err)
	}
	_, err = s.FencedIngest(ctx, store.Fence{Feed: "f", Lease: lb, CursorVersion: vb}, "c4", []social.Post{mention("4")}, nil, c0)
	if !errors.Is(err, store.ErrFenced) {
		t.Fatalf("moved cursor: %v, want ErrFenced", err)
	}

	// B's own lease expired with nobody taking it: still refused
	_, vb, _ = s.FeedCursor(ctx, "f")
	expire(t, s, name)
	_, err = s.FencedIngest(ctx, store.Fence{Feed: "f", Lease: lb, CursorVersion: vb}, "c5", []social.Post{mention("5")}, nil, c0)
	if !errors.Is(err, store.ErrFenced) {
		t.Fatalf("expired lease: %v, want ErrFenced", err)
	}
}

// TestFencedIngestRace: many pollers with the same lease and version race
// one batch each; exactly one commits.
func TestFencedIngestRace(t *testing.T) {
	ctx := context.Background()
	s := open(t, newDB(t))
	defer s.Close()
	l, _, err := s.Lease(ctx, store.LeaseFeed("f"), "A", time.Minute, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, v, _ := s.FeedCursor(ctx, "f")
	var wg sync.WaitGroup
	var mu sync.Mutex
	won, fenced := 0, 0
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.FencedIngest(ctx, store.Fence{Feed: "f", Lease: l, CursorVersion: v}, fmt.Sprint("c", i), []social.Post{mention(fmt.Sprint(i))}, nil, c0)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case errors.Is(err, store.ErrFenced):
				fenced++
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if won != 1 || fenced != 5 {
		t.Fatalf("won %d, fenced %d; want 1 and 5", won, fenced)
	}
	n := 0
	s.ForEachPost(ctx, func(store.StoredPost) bool { n++; return true })
	if n != 1 {
		t.Fatalf("%d posts stored, want 1", n)
	}
}

func TestHeartbeatAndLeave(t *testing.T) {
	ctx := context.Background()
	s := open(t, newDB(t))
	defer s.Close()
	for _, id := range []string{"b", "a"} {
		if _, err := s.Heartbeat(ctx, store.Process{ID: id, Host: "h", PID: 1, Kind: "engine"}, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	ps, err := s.Heartbeat(ctx, store.Process{ID: "a", Host: "h", PID: 1, Kind: "engine"}, time.Minute)
	if err != nil || len(ps) != 2 || ps[0].ID != "a" || ps[1].ID != "b" {
		t.Fatalf("%+v %v", ps, err)
	}
	if _, ok, _ := s.Lease(ctx, "clock", "b", time.Minute, 0); !ok {
		t.Fatal("b could not take the clock")
	}
	if err := s.Leave(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if ps, _ := s.Heartbeat(ctx, store.Process{ID: "a"}, time.Minute); len(ps) != 1 {
		t.Fatalf("b still listed: %+v", ps)
	}
	if _, ok, _ := s.Lease(ctx, "clock", "a", time.Minute, 0); !ok {
		t.Fatal("b's lease outlived its leaving")
	}
	// a process whose heartbeat is older than the ttl is not listed
	if _, err := s.Pool().Exec(ctx, "UPDATE processes SET heartbeat_at = now() - interval '1 hour'"); err != nil {
		t.Fatal(err)
	}
	if ps, _ := s.Heartbeat(ctx, store.Process{ID: "c"}, time.Minute); len(ps) != 1 || ps[0].ID != "c" {
		t.Fatalf("stale processes listed: %+v", ps)
	}
}

func expireClaims(t *testing.T, s *pg.Store) {
	t.Helper()
	if _, err := s.Pool().Exec(context.Background(),
		"UPDATE outbox SET lease_until = now() - interval '1 hour' WHERE state = 'sending'"); err != nil {
		t.Fatal(err)
	}
}

// TestClaimOutboxOnce: eight senders on eight connections claim fifty
// entries; each is claimed by exactly one.
func TestClaimOutboxOnce(t *testing.T) {
	ctx := context.Background()
	s := open(t, newDB(t))
	defer s.Close()
	r, err := s.Ingest(ctx, "f", "c", []social.Post{mention("1")}, nil, c0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		if _, err := s.Enqueue(ctx, social.Reply{ID: fmt.Sprint("r", i), ConvID: r.Changed[0], Text: "t"}, false, c0); err != nil {
			t.Fatal(err)
		}
	}
	// not due yet: never claimed
	if _, err := s.Enqueue(ctx, social.Reply{ID: "later", ConvID: r.Changed[0], Text: "t"}, false, c0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	got := map[uint64]int{}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				e, ok, err := s.ClaimOutbox(ctx, fmt.Sprint("w", w), time.Minute, c0)
				if err != nil {
					t.Error(err)
					return
				}
				if !ok {
					return
				}
				if e.State != store.OutSending || e.Attempts != 1 || e.Uncertain {
					t.Errorf("claimed %+v", e)
				}
				mu.Lock()
				got[e.Seq]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(got) != 50 {
		t.Fatalf("%d entries claimed, want 50", len(got))
	}
	for seq, n := range got {
		if n != 1 {
			t.Fatalf("entry %d claimed %d times", seq, n)
		}
	}
	if next, err := s.NextOutboxDue(ctx); err != nil || !next.Equal(c0.Add(time.Hour)) {
		t.Fatalf("next due %v %v", next, err)
	}
}

// TestClaimTakeover: a sender whose claim expired (it died or was cut off
// mid-send) records nothing; the entry is taken over as uncertain.
func TestClaimTakeover(t *testing.T) {
	ctx := context.Background()
	s := open(t, newDB(t))
	defer s.Close()
	r, _ := s.Ingest(ctx, "f", "c", []social.Post{mention("1")}, nil, c0)
	e, err := s.Enqueue(ctx, social.Reply{ID: "r", ConvID: r.Changed[0], Text: "on it"}, false, c0)
	if err != nil {
		t.Fatal(err)
	}
	a, ok, err := s.ClaimOutbox(ctx, "A", time.Minute, c0)
	if err != nil || !ok || a.Seq != e.Seq {
		t.Fatal(a, ok, err)
	}
	if _, ok, _ := s.ClaimOutbox(ctx, "B", time.Minute, c0); ok {
		t.Fatal("B claimed an entry A holds")
	}
	expireClaims(t, s)
	b, ok, err := s.ClaimOutbox(ctx, "B", time.Minute, c0)
	if err != nil || !ok || b.Seq != e.Seq || !b.Uncertain || b.Attempts != 2 {
		t.Fatalf("takeover: %+v %v %v", b, ok, err)
	}
	own := social.Post{Network: social.Demo, Account: "acme", RemoteID: "o1", Kind: social.KindOwn, Text: "on it", CreatedAt: c0}
	if _, _, err := s.MarkSentOwned(ctx, e.Seq, "A", social.Sent{RemoteID: "o1"}, own, nil, c0); !errors.Is(err, store.ErrFenced) {
		t.Fatalf("A's late result: %v, want ErrFenced", err)
	}
	if _, err := s.UpdateOutboxOwned(ctx, e.Seq, "A", func(x *store.OutboxEntry) error { x.State = store.OutFailed; return nil }); !errors.Is(err, store.ErrFenced) {
		t.Fatalf("A's late failure: %v, want ErrFenced", err)
	}
	if x, _ := s.OutboxEntry(ctx, e.Seq); x.State != store.OutSending || x.Sent.RemoteID != "" {
		t.Fatalf("A's late result was recorded: %+v", x)
	}
	if _, err := s.Post(ctx, social.PostKey(social.Demo, "acme", "o1")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("A's own post stored: %v", err)
	}
	x, _, err := s.MarkSentOwned(ctx, e.Seq, "B", social.Sent{RemoteID: "o1"}, own, nil, c0)
	if err != nil || x.State != store.OutSent {
		t.Fatalf("B records: %+v %v", x, err)
	}
	// sent: nobody claims it again, even with its claim expired
	expireClaims(t, s)
	if _, ok, _ := s.ClaimOutbox(ctx, "C", time.Minute, c0.Add(time.Hour)); ok {
		t.Fatal("a sent entry was claimed")
	}
	// a transient failure puts it back in the queue, unclaimed
	e2, _ := s.Enqueue(ctx, social.Reply{ID: "r2", ConvID: r.Changed[0], Text: "more"}, false, c0)
	if _, ok, _ := s.ClaimOutbox(ctx, "A", time.Minute, c0); !ok {
		t.Fatal("no claim")
	}
	if _, err := s.UpdateOutboxOwned(ctx, e2.Seq, "A", func(x *store.OutboxEntry) error {
		x.State, x.NextAttempt = store.OutQueued, c0.Add(time.Minute)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.ClaimOutbox(ctx, "B", time.Minute, c0); ok {
		t.Fatal("claimed before its next attempt")
	}
	if y, ok, _ := s.ClaimOutbox(ctx, "B", time.Minute, c0.Add(time.Minute)); !ok || y.Seq != e2.Seq || y.Uncertain {
		t.Fatalf("retry claim: %+v %v", y, ok)
	}
}

// TestDoctorShowsTheTeam: doctor lists the live processes and what each
// holds.
func TestDoctorShowsTheTeam(t *testing.T) {
	ctx := context.Background()
	s := open(t, newDB(t))
	defer s.Close()
	team := func() string {
		fs, err := s.Doctor(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			if f.Name == "team" {
				return f.Detail
			}
		}
		t.Fatal("no team finding")
		return ""
	}
	if got := team(); got != "no hark process running on this database" {
		t.Fatalf("empty: %q", got)
	}
	s.Heartbeat(ctx, store.Process{ID: "a", Host: "box-a", PID: 7, Kind: "engine"}, time.Minute)
	s.Heartbeat(ctx, store.Process{ID: "b", Host: "box-b", PID: 9, Kind: "serve"}, time.Minute)
	s.Lease(ctx, "feed:mastodon:acme", "a", time.Minute, 0)
	s.Lease(ctx, "clock", "a", time.Minute, 0)
	if got, want := team(), "2 processes: box-a/7 engine (clock, feed:mastodon:acme); box-b/9 serve"; got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}
