package pg_test

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/hark-tui/hark/internal/benchgen"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/stats"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/store/pg"
	"github.com/hark-tui/hark/store/storetest"
)

// TestTotalsSameAsBolt builds one history (benchgen: multi-post
// conversations, sent replies, resolves by operators) on bbolt and on
// PostgreSQL and compares every running total, byte for byte, then again
// after changes; and both equal a recount of every conversation.
func TestTotalsSameAsBolt(t *testing.T) {
	ctx := context.Background()
	b, err := store.Open(filepath.Join(t.TempDir(), "hark.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	p := open(t, newDB(t))
	defer p.Close()
	g := benchgen.Gen{N: 600}
	for _, s := range []store.Store{b, p} {
		if err := benchgen.Build(ctx, s, g, nil); err != nil {
			t.Fatal(err)
		}
	}
	same := func(stage string) {
		t.Helper()
		bc, bo := storetest.Totals(t, b.(store.StatsReader))
		pc, po := storetest.Totals(t, p)
		if len(bc) == 0 || len(bo) == 0 {
			t.Fatalf("%s: bbolt counted nothing", stage)
		}
		if len(bc) != len(pc) || len(bo) != len(po) {
			t.Fatalf("%s: bbolt %d cells / %d operator cells, PostgreSQL %d / %d", stage, len(bc), len(bo), len(pc), len(po))
		}
		for k, x := range bc {
			if y := pc[k]; x != y {
				t.Fatalf("%s: cell %s: bbolt %+v, PostgreSQL %+v", stage, k, x, y)
			}
		}
		for k, x := range bo {
			if y := po[k]; x != y {
				t.Fatalf("%s: operator cell %s: bbolt %+v, PostgreSQL %+v", stage, k, x, y)
			}
		}
		storetest.SameContents(t, b, p) // the cells' bytes, in order
	}
	same("built")
	// a resolve, a reopen and a rescore on both
	for _, s := range []store.Store{b, p} {
		for i, id := range []string{"1", "2", "17", "599"} {
			if _, err := s.UpdateConv(ctx, id, func(c *social.Conversation) error {
				switch i {
				case 0:
					c.State, c.ResolvedAt, c.ResolvedBy = social.StateResolved, benchgen.End(), social.Actor{Name: "Zoe Q", Initials: "ZQ"}
				case 1:
					c.State, c.ResolvedAt, c.ResolvedBy = social.StateOpen, time.Time{}, social.Actor{}
				case 2:
					c.Sentiment = -3
					c.Activity = append(c.Activity, social.Activity{Action: social.ActReplied, By: social.Actor{Initials: "AK"}})
				case 3:
					c.FirstResponseAt, c.FirstReplyBy = benchgen.End(), social.Actor{Initials: "JD"}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	same("changed")
}

// TestTotalsBackfill: a database from before the running totals (schema
// 5, its conversations already there) gets them counted by the migration,
// equal to a recount of every conversation.
func TestTotalsBackfill(t *testing.T) {
	ctx := context.Background()
	dsn := newDB(t)
	p := open(t, dsn)
	if err := benchgen.Build(ctx, p, benchgen.Gen{N: 300}, nil); err != nil {
		t.Fatal(err)
	}
	want := storetest.TotalsText(t, p)
	// the migrations after the totals run again: schema 7 is written to be
	// rerunnable; a later one may not be
	if pg.SchemaVersion > pg.TotalsVersion+1 {
		t.Skipf("the totals are schema %d of %d: later migrations would run twice", pg.TotalsVersion, pg.SchemaVersion)
	}
	// back to the schema before, as an older hark left it
	if _, err := p.Pool().Exec(ctx, "DROP TABLE stat_totals"); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Pool().Exec(ctx, "UPDATE hark_meta SET value = $1 WHERE key = 'schema'", strconv.Itoa(pg.TotalsVersion-1)); err != nil {
		t.Fatal(err)
	}
	if err := p.StatTotals(ctx, 0, 1, func(*stats.Cell) {}, nil); err == nil {
		t.Fatal("totals read without their table")
	}
	p.Close()
	p = open(t, dsn) // migrates
	defer p.Close()
	if got := storetest.TotalsText(t, p); got != want {
		t.Fatalf("backfilled totals differ from those kept:\n%.300s\n%.300s", got, want)
	}
	rc, ro := storetest.Recount(t, p)
	gc, gop := storetest.Totals(t, p)
	n := 0
	for k, x := range rc {
		if x.Zero() {
			continue
		}
		n++
		if gc[k] != x {
			t.Fatalf("cell %s: backfilled %+v, recounted %+v", k, gc[k], x)
		}
	}
	if n != len(gc) || n == 0 {
		t.Fatalf("%d cells backfilled, %d recounted", len(gc), n)
	}
	for k, x := range ro {
		if !x.Zero() && gop[k] != x {
			t.Fatalf("operator cell %s: backfilled %+v, recounted %+v", k, gop[k], x)
		}
	}
}
