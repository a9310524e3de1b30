package pg_test

import (
	"context"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hark-tui/hark/internal/pgtest"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/store/pg"
	"github.com/hark-tui/hark/store/storetest"
)

// The backends side by side, on one machine in one run: bbolt with fsync,
// PostgreSQL on a cluster with fsync on (pgtest.Durable), over loopback.

const benchN = 200_000

// backends opens a fresh store of each kind.
func backends(b *testing.B) []struct {
	name string
	open func(b *testing.B) store.Store
} {
	return []struct {
		name string
		open func(b *testing.B) store.Store
	}{
		{"bbolt", func(b *testing.B) store.Store {
			s, err := store.Open(filepath.Join(b.TempDir(), "bench.db"), store.Options{})
			if err != nil {
				b.Fatal(err)
			}
			return s
		}},
		{"pg", func(b *testing.B) store.Store {
			c := pgtest.Durable(b)
			if err := c.Template(template, migrate); err != nil {
				b.Fatal(err)
			}
			dsn, err := c.NewDB(template)
			if err != nil {
				b.Fatal(err)
			}
			s, err := pg.Open(context.Background(), dsn, pg.Options{})
			if err != nil {
				b.Fatal(err)
			}
			return s
		}},
	}
}

// BenchmarkIngestBatch stores poll batches of 100 new posts, each batch
// and its cursor one transaction (fsync on both sides).
func BenchmarkIngestBatch(b *testing.B) {
	for _, be := range backends(b) {
		b.Run(be.name, func(b *testing.B) {
			s := be.open(b)
			defer s.Close()
			n := 0
			for b.Loop() {
				posts := storetest.MentionBatch(&n, 100)
				storetest.IngestBatch(b, s, n, posts)
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "posts/s")
		})
	}
}

// BenchmarkIngestRatio interleaves the two backends batch by batch (the
// same 100 new posts to each, fsync on both), so a shared machine's load
// falls on both alike, and reports each one's posts/s and pg/bbolt.
func BenchmarkIngestRatio(b *testing.B) {
	bes := backends(b)
	stores := []store.Store{bes[0].open(b), bes[1].open(b)}
	defer stores[0].Close()
	defer stores[1].Close()
	var spent [2]time.Duration
	n := 0
	for b.Loop() {
		posts := storetest.MentionBatch(&n, 100)
		for i, s := range stores {
			t := time.Now()
			storetest.IngestBatch(b, s, n, posts)
			spent[i] += time.Since(t)
		}
	}
	reportPostsPerSecond(b, n, spent[:])
}

var (
	bigMu sync.Mutex
	big   = map[string]store.Store{}
)

// bigStore is a store of 200k conversations (500 in the inbox), built once
// per backend and process.
func bigStore(b *testing.B, name string, open func(b *testing.B) store.Store) store.Store {
	bigMu.Lock()
	defer bigMu.Unlock()
	if s := big[name]; s != nil {
		return s
	}
	if name == "bbolt" {
		big[name] = storetest.Big(b, benchN)
		return big[name]
	}
	s := open(b)
	storetest.Fill(b, s, benchN)
	if _, err := s.(*pg.Store).Pool().Exec(context.Background(), "VACUUM ANALYZE"); err != nil {
		b.Fatal(err)
	}
	big[name] = s // closed with the cluster
	return s
}

// latencies runs fn b.N times and reports p50 and p99.
func latencies(b *testing.B, fn func()) {
	var d []time.Duration
	for b.Loop() {
		t := time.Now()
		fn()
		d = append(d, time.Since(t))
	}
	slices.Sort(d)
	if len(d) > 0 {
		b.ReportMetric(float64(d[len(d)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(d[len(d)*99/100].Microseconds())/1000, "p99-ms")
	}
}

// BenchmarkTopOfQueue reads the top 40 of the inbox at 200k conversations
// (decoded).
func BenchmarkTopOfQueue(b *testing.B) {
	for _, be := range backends(b) {
		b.Run(be.name, func(b *testing.B) {
			s := bigStore(b, be.name, be.open)
			latencies(b, func() {
				if cs, err := s.Top(context.Background(), store.ViewActionable, 40, nil); err != nil || len(cs) != 40 {
					b.Fatal(len(cs), err)
				}
			})
		})
	}
}

// BenchmarkViewSwitch is what the TUI reads on a view switch (every ref of
// the view and the counts) at 200k conversations: the inbox (500) and the
// resolved view (199.5k).
func BenchmarkViewSwitch(b *testing.B) {
	for _, v := range []store.View{store.ViewActionable, store.ViewResolved} {
		for _, be := range backends(b) {
			b.Run(v.String()+"/"+be.name, func(b *testing.B) {
				s := bigStore(b, be.name, be.open)
				ctx := context.Background()
				latencies(b, func() {
					refs, err := s.QueueRefs(ctx, v, nil)
					if err != nil || len(refs) < 500 {
						b.Fatal(len(refs), err)
					}
					if _, err := s.Counts(ctx); err != nil {
						b.Fatal(err)
					}
				})
			})
		}
	}
}

// reportPostsPerSecond reports n posts over each backend's time spent
// (bbolt first, PostgreSQL second) and their ratio.
func reportPostsPerSecond(b *testing.B, n int, spent []time.Duration) {
	bolt, pgs := float64(n)/spent[0].Seconds(), float64(n)/spent[1].Seconds()
	b.ReportMetric(bolt, "bbolt-posts/s")
	b.ReportMetric(pgs, "pg-posts/s")
	b.ReportMetric(pgs/bolt, "pg/bbolt")
}
