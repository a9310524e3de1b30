package app

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/hark-tui/hark/config"
	"github.com/hark-tui/hark/internal/benchgen"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/stats"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/store/stores"
)

func benchSize() int {
	if n, err := strconv.Atoi(os.Getenv("HARK_BENCH_N")); err == nil && n > 0 {
		return n
	}
	return benchgen.Large
}

// benchStore is the generated store: a private bbolt copy, or, with
// HARK_BENCH_PG_DSN, the PostgreSQL database holding it (loaded by
// store/pg's benchmarks: HARK_BENCH_PG_DSN=… go test ./store/pg -bench
// SearchPG).
func benchStore(b *testing.B) store.Store {
	dsn := os.Getenv("HARK_BENCH_PG_DSN")
	if dsn == "" {
		return benchgen.Open(b, benchSize())
	}
	st, err := stores.Open(context.Background(), dsn, stores.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	n, err := st.Counts(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	if n[0]+n[1]+n[2]+n[3] != benchSize() {
		b.Fatalf("%s holds %v conversations, want %d (HARK_BENCH_N)", dsn, n, benchSize())
	}
	return st
}

// BenchmarkStats: the stats report (the stats view and hark stats) over 14
// and 365 days of the generated store: "totals" from the running totals,
// "before" by reading every conversation (the path before them), in one
// run. On bbolt, or on PostgreSQL with HARK_BENCH_PG_DSN.
func BenchmarkStats(b *testing.B) {
	st := benchStore(b)
	a := &App{Cfg: &config.Config{}, Store: st, now: benchgen.End}
	for _, days := range []int{14, 365} {
		for _, by := range []string{"", "operator"} {
			name := strconv.Itoa(days) + "d" + map[string]string{"": "", "operator": "_by_operator"}[by]
			var vol int
			b.Run(name+"/totals", func(b *testing.B) {
				for b.Loop() {
					r, err := a.statsOf(b.Context(), days, by, nil)
					if err != nil {
						b.Fatal(err)
					}
					vol = r.Total.Volume
				}
				b.ReportMetric(float64(vol), "convs")
			})
			b.Run(name+"/before", func(b *testing.B) {
				for b.Loop() {
					sb := stats.NewBuilder(a.now(), days, time.Local)
					if by == "operator" {
						sb.ByOperator(social.Actor{})
					}
					if err := st.ForEachConv(context.Background(), func(c social.Conversation) bool {
						sb.Add(c)
						return true
					}); err != nil {
						b.Fatal(err)
					}
					if r := sb.Report(); r.Total.Volume != vol {
						b.Fatalf("before counted %d, the totals %d", r.Total.Volume, vol)
					}
				}
				b.ReportMetric(float64(vol), "convs")
			})
		}
	}
}
