package pg_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/hark-tui/hark/internal/benchgen"
	"github.com/hark-tui/hark/query"
	"github.com/hark-tui/hark/store"
)

// BenchmarkSearchPG runs the documented searches on PostgreSQL holding the
// generated store (copied from the cached bbolt file and indexed by the
// copy), every conversation (view "all"), answered from the tsvector and
// attribute indexes (query.BenchmarkSearch has the path before them).
func BenchmarkSearchPG(b *testing.B) {
	n := benchgen.Large
	if v, err := strconv.Atoi(os.Getenv("HARK_BENCH_N")); err == nil && v > 0 {
		n = v
	}
	p := genStore(b, n)
	now := benchgen.End()
	for _, tc := range []struct{ name, q string }{
		{"free", benchgen.RareWord},
		{"from", "from:maria"},
		{"breached", "is:breached"},
		{"lang_es_-brand", "lang:es -brand:skylark"},
		{"tag", "tag:press"},
		{"phrase", `"no power"`},
	} {
		q, err := query.Parse(tc.q)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(tc.name+"/index", func(b *testing.B) {
			var hits int
			for b.Loop() {
				refs, scanned, err := query.Search(context.Background(), p, q, store.ViewAll, nil, now, time.UTC)
				if err != nil || scanned {
					b.Fatal(err, scanned)
				}
				hits = len(refs)
			}
			b.ReportMetric(float64(hits), "hits")
		})
	}
}
