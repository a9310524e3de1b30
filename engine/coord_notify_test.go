package engine

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/hark-tui/hark/internal/pgtest"
	"github.com/hark-tui/hark/internal/testkit"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store/pg"
)

// waitEvent waits for an event of kind that names conv ("" = any).
func waitEvent(t testing.TB, ch <-chan Event, kind EventKind, conv string, d time.Duration) {
	t.Helper()
	testkit.Await(t, ch, d, fmt.Sprintf("event %d for %q", kind, conv), func(ev Event) bool {
		return ev.Kind == kind && (conv == "" || slices.Contains(ev.ConvIDs, conv))
	})
}

func seedConv(t testing.TB, st *pg.Store) string {
	t.Helper()
	r, err := st.Ingest(context.Background(), "f", "c", []social.Post{{Network: social.Demo, Account: "acme", RemoteID: "1",
		Author: social.Author{Handle: "ann"}, Text: "hi", CreatedAt: start, Kind: social.KindMention}}, nil, start)
	if err != nil || len(r.Changed) != 1 {
		t.Fatal(r, err)
	}
	return r.Changed[0]
}

// untilHeard changes conv on from until to's subscriber hears of it (its
// listener connects in the background).
func untilHeard(t testing.TB, from *pg.Store, ev <-chan Event, conv string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for i := 0; ; i++ {
		if _, err := from.UpdateConv(context.Background(), conv, func(c *social.Conversation) error { c.Priority = -i; return nil }); err != nil {
			t.Fatal(err)
		}
		wait := time.After(200 * time.Millisecond)
		for {
			select {
			case x := <-ev:
				if x.Kind == EvConvChanged && slices.Contains(x.ConvIDs, conv) {
					return
				}
				continue
			case <-wait:
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the other process never heard a change")
		}
	}
}

// TestChangesReachOtherProcesses: a change committed by one process is an
// event in another; its own changes are not repeated to it; when the
// listening connections are cut (as by a database restart), every process
// reconnects and tells its subscribers to reload everything.
func TestChangesReachOtherProcesses(t *testing.T) {
	dsn := pgtest.DB(t, "engine_tmpl", pgMigrate)
	a := startProc(t, dsn, "a", &feedServer{total: map[string]int{}}, nil, time.Second, 2*time.Second)
	b := startProc(t, dsn, "b", &feedServer{total: map[string]int{}}, nil, time.Second, 2*time.Second)
	evB, stopB := b.e.Subscribe()
	defer stopB()
	evA, stopA := a.e.Subscribe()
	defer stopA()
	// both listen once their first connection is up: wait for a change
	// made by a to arrive at b
	conv := seedConv(t, a.st)
	untilHeard(t, a.st, evB, conv)
	if _, err := a.st.UpdateConv(context.Background(), conv, func(c *social.Conversation) error { c.Priority = 42; return nil }); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, evB, EvConvChanged, conv, 10*time.Second)
	// a reply queued by a wakes b's senders and reloads b's outbox
	// (there is no account, so whoever claims it fails it: a change too)
	if _, err := a.st.Enqueue(context.Background(), social.Reply{ID: "r1", Network: social.Demo, Account: "none", ConvID: conv, Text: "hi"}, false, time.Now()); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, evB, EvDelivery, "", 10*time.Second)
	// a's own notices are not repeated to a
	for drained := false; !drained; {
		select {
		case ev := <-evA:
			if ev.Kind == EvConvChanged && slices.Contains(ev.ConvIDs, conv) {
				t.Fatalf("a heard its own change: %+v", ev)
			}
		case <-time.After(300 * time.Millisecond):
			drained = true
		}
	}

	// cut every listening connection: both reconnect and resync
	if err := pgtest.Shared(t).Exec(context.Background(), "postgres",
		"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%'"); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, evA, EvResync, "", 30*time.Second)
	waitEvent(t, evB, EvResync, "", 30*time.Second)
	// and hear changes again
	if _, err := b.st.UpdateConv(context.Background(), conv, func(c *social.Conversation) error { c.Priority = 43; return nil }); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, evA, EvConvChanged, conv, 10*time.Second)
}

// BenchmarkCrossProcessChange: a change committed by one process (its own
// pool) until another process has the event and has re-read the
// conversation, as its TUI does (loadConvs), over 200 changes, on
// PostgreSQL with fsync on. It reports p50 and p99.
func BenchmarkCrossProcessChange(b *testing.B) {
	for range b.N {
		dsn := durableDB(b)
		pa := startProc(b, dsn, "a", &feedServer{total: map[string]int{}}, nil, time.Second, 5*time.Second)
		pb := startProc(b, dsn, "b", &feedServer{total: map[string]int{}}, nil, time.Second, 5*time.Second)
		ev, stop := pb.e.Subscribe()
		conv := seedConv(b, pa.st)
		untilHeard(b, pa.st, ev, conv)
		ctx := context.Background()
		var lat []time.Duration
		for i := range 200 {
			t0 := time.Now()
			if _, err := pa.st.UpdateConv(ctx, conv, func(c *social.Conversation) error { c.Priority = i; return nil }); err != nil {
				b.Fatal(err)
			}
			for got := false; !got; {
				select {
				case e := <-ev:
					if e.Kind == EvConvChanged && len(e.ConvIDs) == 1 && e.ConvIDs[0] == conv {
						cs, err := pb.st.Conversations(ctx, e.ConvIDs)
						if err != nil || len(cs) != 1 {
							b.Fatal(err)
						}
						got = cs[0].Priority == i
					}
				case <-time.After(5 * time.Second):
					b.Fatalf("change %d not seen by the other process within 5 s", i)
				}
			}
			lat = append(lat, time.Since(t0))
		}
		stop()
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
		pa.stop(false)
		pb.stop(false)
	}
}
