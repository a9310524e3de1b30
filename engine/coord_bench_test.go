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
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/store/pg"
)

// BenchmarkOutboxThreeProcesses: three engines, each with its own
// connection pool (as three processes would have), deliver 3,000 queued
// replies through a fake sender that answers at once, on PostgreSQL with
// fsync on. It reports replies a second, duplicates and lost replies.
func BenchmarkOutboxThreeProcesses(b *testing.B) {
	const n = 3000
	for range b.N {
		dsn := durableDB(b)
		st, err := pg.Open(context.Background(), dsn, pg.Options{})
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		// one conversation per reply, as a real queue has
		var convs []string
		for k := 0; k < n; k += 100 {
			var batch []social.Post
			for i := k; i < k+100; i++ {
				batch = append(batch, social.Post{Network: social.Demo, Account: "acme", RemoteID: fmt.Sprint("m", i),
					Author: social.Author{Handle: fmt.Sprint("c", i)}, Text: "hi", CreatedAt: start, Kind: social.KindMention})
			}
			r, err := st.Ingest(ctx, "f", "c", batch, nil, start)
			if err != nil {
				b.Fatal(err)
			}
			convs = append(convs, r.Changed...)
		}
		now := time.Now()
		for i := range n {
			if _, err := st.Enqueue(ctx, social.Reply{ID: fmt.Sprint("r", i), Network: social.Demo, Account: "acme",
				ConvID: convs[i], Text: fmt.Sprint("answer ", i)}, false, now); err != nil {
				b.Fatal(err)
			}
		}
		srv := &replyServer{created: map[string]int{}, sends: map[string]int{}, hold: map[string]int{},
			held: map[string]chan struct{}{}, release: make(chan struct{})}
		b.ResetTimer()
		began := time.Now()
		var ps []*proc
		for _, name := range []string{"a", "b", "c"} {
			ps = append(ps, startSender(b, dsn, name, srv, 30*time.Second))
		}
		var done int
		if !testkit.Poll(90*time.Second, func() bool {
			srv.mu.Lock()
			done = len(srv.created)
			srv.mu.Unlock()
			if done != n {
				return false
			}
			sent, err := st.Outbox(ctx, func(e store.OutboxEntry) bool { return e.State == store.OutSent })
			if err != nil {
				b.Fatal(err)
			}
			return len(sent) == n
		}) {
			var states []string
			st.Outbox(ctx, func(e store.OutboxEntry) bool {
				if e.State != store.OutSent {
					states = append(states, fmt.Sprintf("%d:%s:%d:%v", e.Seq, e.State, e.Attempts, e.Uncertain))
				}
				return false
			})
			for _, p := range ps {
				l := p.logs.String()
				b.Logf("%s: %s", p.name, l[max(0, len(l)-3000):])
			}
			b.Fatalf("%d of %d delivered in time; undelivered %d: %v", done, n, len(states), states[:min(20, len(states))])
		}
		took := time.Since(began)
		b.StopTimer()
		dups, lost := 0, 0
		srv.mu.Lock()
		for i := range n {
			switch c := srv.created[fmt.Sprint("r", i)]; {
			case c == 0:
				lost++
			case c > 1:
				dups += c - 1
			}
		}
		b.ReportMetric(float64(n)/took.Seconds(), "replies/s")
		b.ReportMetric(float64(dups), "duplicates")
		b.ReportMetric(float64(lost), "lost")
		b.Logf("sends per process: %v", srv.sends)
		srv.mu.Unlock()
		close(srv.release)
		for _, p := range ps {
			p.cancel()
			<-p.done
			p.st.Close()
		}
		st.Close()
		b.StartTimer()
	}
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

// durableDB is a new database from the engine's template on the cluster
// with fsync on.
func durableDB(b *testing.B) string {
	b.Helper()
	c := pgtest.Durable(b)
	if err := c.Template("engine_tmpl", pgMigrate); err != nil {
		b.Fatal(err)
	}
	dsn, err := c.NewDB("engine_tmpl")
	if err != nil {
		b.Fatal(err)
	}
	return dsn
}
