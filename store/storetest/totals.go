package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hark-tui/hark/internal/benchgen"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/stats"
	"github.com/hark-tui/hark/store"
)

// Recount computes the running totals from every conversation, the slow
// way, keyed like the store's cells.
func Recount(t testing.TB, s store.Store) (map[string]stats.Cell, map[string]stats.OpCell) {
	cells, ops := map[string]stats.Cell{}, map[string]stats.OpCell{}
	if err := s.ForEachConv(context.Background(), func(c social.Conversation) bool {
		cs, os := stats.Delta(nil, &c)
		mergeCells(cells, cs, cellKey)
		mergeCells(ops, os, opKey)
		return true
	}); err != nil {
		t.Fatal(err)
	}
	return cells, ops
}

// mergeCells adds the changes ds to the cells m, keyed by key: a cell not
// there yet is its first change (its key and its counts).
func mergeCells[C any, P interface {
	*C
	Merge(P)
}](m map[string]C, ds []P, key func(P) string) {
	for _, d := range ds {
		k := key(d)
		x, ok := m[k]
		if !ok {
			x = *d
		} else {
			P(&x).Merge(d)
		}
		m[k] = x
	}
}

func cellKey(c *stats.Cell) string { return fmt.Sprint(c.Hour, "/", c.Brand, "/", c.Network) }
func opKey(c *stats.OpCell) string { return fmt.Sprint(c.Hour, "/", c.Brand, "/", c.Key) }

// Totals reads every running total of a store.
func Totals(t testing.TB, s store.StatsReader) (map[string]stats.Cell, map[string]stats.OpCell) {
	cells, ops := map[string]stats.Cell{}, map[string]stats.OpCell{}
	if err := s.StatTotals(context.Background(), -1<<40, 1<<40, func(c *stats.Cell) {
		cells[cellKey(c)] = *c
	}, func(c *stats.OpCell) {
		ops[opKey(c)] = *c
	}); err != nil {
		t.Fatal(err)
	}
	return cells, ops
}

// totalsContract: the running totals equal a recount of every
// conversation after a history built through the engine (ingest, sent
// replies, resolves) and after later changes (a reopen, a resolve by
// another operator, a state flip and back).
func totalsContract(t *testing.T, s store.Store) {
	withHistory[store.StatsReader](t, s, "running totals", 400)
	ctx := context.Background()
	SameAsRecount(t, "built", s)
	for i, id := range []string{"1", "2", "3", "399"} {
		if _, err := s.UpdateConv(ctx, id, func(c *social.Conversation) error {
			switch i {
			case 0:
				c.State, c.ResolvedAt, c.ResolvedBy = social.StateOpen, time.Time{}, social.Actor{}
			case 1:
				c.ResolvedBy = social.Actor{Name: "Zoe Q", Initials: "ZQ"}
				c.Activity = append(c.Activity, social.Activity{Action: social.ActReplied, By: social.Actor{Initials: "ZQ"}})
			case 2:
				c.Sentiment = -5
			case 3:
				c.State, c.ResolvedAt = social.StateResolved, benchgen.End()
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	SameAsRecount(t, "changed", s)
}

// SameAsRecount fails the test unless the running totals s keeps equal a
// recount of every conversation of s: the same cells, each with the same
// counts (cells a recount leaves at zero are not kept).
func SameAsRecount(t testing.TB, stage string, s store.Store) {
	t.Helper()
	sr, ok := s.(store.StatsReader)
	if !ok {
		t.Fatalf("%s keeps no running totals", s.Backend())
	}
	wc, wo := Recount(t, s)
	gc, gop := Totals(t, sr)
	dropZero(wc)
	dropZero(wo)
	if len(wc) == 0 || len(wo) == 0 {
		t.Fatalf("%s: nothing counted", stage)
	}
	SameCells(t, stage+": cell", "kept", gc, "recounted", wc)
	SameCells(t, stage+": operator cell", "kept", gop, "recounted", wo)
}

// SameCells fails the test at the first cell that two sets of totals (a,
// named an, and b, named bn) do not hold alike, or that one of them lacks.
func SameCells[C comparable](t testing.TB, what, an string, a map[string]C, bn string, b map[string]C) {
	t.Helper()
	for k, x := range a {
		if y, ok := b[k]; !ok || x != y {
			t.Fatalf("%s %s: %s %+v, %s %+v", what, k, an, x, bn, y)
		}
	}
	for k, y := range b {
		if _, ok := a[k]; !ok {
			t.Fatalf("%s %s: %s has none, %s %+v", what, k, an, bn, y)
		}
	}
}

// dropZero removes the cells that count nothing.
func dropZero[C any, P interface {
	*C
	Zero() bool
}](m map[string]C) {
	for k, c := range m {
		if P(&c).Zero() {
			delete(m, k)
		}
	}
}
