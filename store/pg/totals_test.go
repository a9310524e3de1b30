package pg_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
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
		storetest.SameCells(t, stage+": cell", "bbolt", bc, "PostgreSQL", pc)
		storetest.SameCells(t, stage+": operator cell", "bbolt", bo, "PostgreSQL", po)
		storetest.SameContents(t, b, p) // the cells' bytes, in order
		sameReports(t, p)
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
	// the migrations after the totals run again: schemas 7 to 10 are
	// written to be rerunnable; a later one may not be
	if pg.SchemaVersion > pg.TotalsVersion+4 {
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
	sameReports(t, p)
	storetest.SameAsRecount(t, "backfilled", p)
}

// sameReports: the reports built from the sums (StatSums: days and
// brands summed) equal those built from the hourly cells, over a day, two
// weeks and a year, by operator or not, in zones on, off and half off the
// hour.
func sameReports(t *testing.T, p *pg.Store) {
	t.Helper()
	ctx := context.Background()
	for _, zone := range []string{"UTC", "Europe/Warsaw", "America/St_Johns", "Asia/Kolkata", "Pacific/Auckland"} {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		for _, days := range []int{1, 14, 365} {
			for _, byOp := range []bool{false, true} {
				now := benchgen.End().Add(-37 * time.Hour)
				hourly, sums := stats.NewBuilder(now, days, loc), stats.NewBuilder(now, days, loc)
				var opH, opS func(*stats.OpCell)
				if byOp {
					hourly.ByOperator(social.Actor{})
					sums.ByOperator(social.Actor{})
					opH, opS = hourly.AddOpCell, sums.AddOpCell
				}
				from, to := hourly.Range()
				if err := p.StatTotals(ctx, stats.HourOf(from), stats.HourOf(to), hourly.AddCell, opH); err != nil {
					t.Fatal(err)
				}
				if err := p.StatSums(ctx, stats.HourOf(from), stats.HourOf(to), sums.AddCellTotals, sums.AddCellDays, opS); err != nil {
					t.Fatal(err)
				}
				want, got := hourly.Report(), sums.Report()
				if want.Total.Volume == 0 && days > 14 {
					t.Fatalf("%s %d days: an empty report", zone, days)
				}
				if !reflect.DeepEqual(want, got) {
					wj, _ := json.Marshal(want)
					gj, _ := json.Marshal(got)
					t.Fatalf("%s, %d days, by operator %v: from the sums\n%s\nfrom the hours\n%s", zone, days, byOp, gj, wj)
				}
			}
		}
	}
}
