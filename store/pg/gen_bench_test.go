package pg_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/hark-tui/hark/internal/benchgen"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/store/pg"
)

// genStore is PostgreSQL holding the generated store of n conversations
// (benchgen's cached bbolt file, copied and indexed by store.Copy, then
// VACUUM ANALYZE). With HARK_BENCH_PG_DSN set it uses that database
// instead of a fresh one, and copies into it only when it is empty: a
// store of 200k conversations / 1M posts takes minutes to load, so a kept
// database lets runs compare code, not loads. The store is closed with tb.
func genStore(tb testing.TB, n int) *pg.Store {
	tb.Helper()
	ctx := context.Background()
	dsn := os.Getenv("HARK_BENCH_PG_DSN")
	if dsn == "" {
		dsn = newDB(tb)
	}
	p := open(tb, dsn)
	tb.Cleanup(func() { p.Close() })
	var have int
	if err := p.Pool().QueryRow(ctx, "SELECT count(*) FROM conversations").Scan(&have); err != nil {
		tb.Fatal(err)
	}
	if have > 0 {
		if have != n {
			tb.Fatalf("HARK_BENCH_PG_DSN holds %d conversations, want %d (HARK_BENCH_N)", have, n)
		}
		// a database from an older hark: migrated on open, its index
		// built here (hark store reindex)
		if st, err := p.IndexStatus(ctx); err != nil {
			tb.Fatal(err)
		} else if !st.Complete {
			t0 := time.Now()
			if err := p.Reindex(ctx, false, nil); err != nil {
				tb.Fatal(err)
			}
			if _, err := p.Pool().Exec(ctx, "VACUUM ANALYZE"); err != nil {
				tb.Fatal(err)
			}
			tb.Logf("reindexed %d conversations in %s", n, time.Since(t0).Round(time.Second))
		}
		return p
	}
	src := benchgen.Open(tb, n)
	t0 := time.Now()
	if err := store.Copy(ctx, src, p, nil); err != nil {
		tb.Fatal(err)
	}
	if _, err := p.Pool().Exec(ctx, "VACUUM ANALYZE"); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("copied and indexed %d conversations in %s", n, time.Since(t0).Round(time.Second))
	return p
}
