package stats

import (
	"cmp"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/hark-tui/hark/social"
)

// deltaRef is Delta as it was before it summed on the stack: each side
// into cells keyed by strings.
func deltaRef(old, c *social.Conversation) ([]*Cell, []*OpCell) {
	itoa := func(n int64) string { return time.Unix(n, 0).UTC().Format(time.RFC3339) }
	cells := map[[3]string]*Cell{}
	ops := map[[3]string]*OpCell{}
	add := func(x *social.Conversation, n int) {
		var cell Cell
		om := map[string]*OpCell{}
		Contribution(*x, n, &cell, om)
		k := [3]string{itoa(cell.Hour), cell.Brand, cell.Network}
		if cells[k] == nil {
			cells[k] = &Cell{Hour: cell.Hour, Brand: cell.Brand, Network: cell.Network}
		}
		cells[k].Merge(&cell)
		for _, o := range om {
			ok := [3]string{itoa(o.Hour), o.Brand, o.Key}
			if ops[ok] == nil {
				ops[ok] = &OpCell{Hour: o.Hour, Brand: o.Brand, Key: o.Key}
			}
			ops[ok].Merge(o)
		}
	}
	if old != nil {
		add(old, -1)
	}
	add(c, 1)
	var cs []*Cell
	for _, x := range cells {
		if !x.Zero() {
			cs = append(cs, x)
		}
	}
	var os []*OpCell
	for _, x := range ops {
		if !x.Zero() {
			os = append(os, x)
		}
	}
	return cs, os
}

// TestDeltaSameAsRef: Delta gives deltaRef's cells for random changes
// of random conversations (new ones, the same hour, another hour or
// brand, names changed).
func TestDeltaSameAsRef(t *testing.T) {
	now := time.Date(2026, 11, 22, 18, 30, 0, 0, time.UTC)
	rnd := rand.New(rand.NewPCG(3, 4))
	ops := []social.Actor{{Name: "Ana", Initials: "AR"}, {Name: "Ana R", Initials: "AR"}, {Name: "Bob", Initials: "BT"}, {}}
	conv := func() social.Conversation {
		c := social.Conversation{Brand: []string{"A", "B"}[rnd.IntN(2)], Network: social.Mastodon,
			CreatedAt: now.Add(-time.Duration(rnd.IntN(3*3600)) * time.Second), Sentiment: rnd.IntN(3) - 1}
		if rnd.IntN(8) == 0 {
			c.CreatedAt = time.Time{}
		}
		c.DueAt = c.CreatedAt.Add(time.Hour)
		if rnd.IntN(2) == 0 {
			c.FirstResponseAt = c.CreatedAt.Add(time.Duration(rnd.IntN(7200)) * time.Second)
			c.FirstDueAt, c.FirstReplyBy = c.DueAt, ops[rnd.IntN(4)]
			c.Activity = []social.Activity{{Action: social.ActReplied, By: ops[rnd.IntN(4)]}}
		}
		if rnd.IntN(2) == 0 {
			c.State, c.ResolvedAt, c.ResolvedBy = social.StateResolved, c.CreatedAt.Add(2*time.Hour), ops[rnd.IntN(4)]
		}
		return c
	}
	sortCells := func(cs []*Cell) {
		slices.SortFunc(cs, func(a, b *Cell) int {
			return cmp.Or(cmp.Compare(a.Hour, b.Hour), cmp.Compare(a.Brand, b.Brand), cmp.Compare(a.Network, b.Network))
		})
	}
	sortOps := func(os []*OpCell) {
		slices.SortFunc(os, func(a, b *OpCell) int {
			return cmp.Or(cmp.Compare(a.Hour, b.Hour), cmp.Compare(a.Brand, b.Brand), cmp.Compare(a.Key, b.Key))
		})
	}
	for i := range 5000 {
		c := conv()
		var old *social.Conversation
		if i%4 != 0 {
			o := conv()
			if i%2 == 0 { // the same conversation, a little changed
				o = c
				o.Sentiment = rnd.IntN(3) - 1
				o.Activity = nil
			}
			old = &o
		}
		cs, os := Delta(old, &c)
		rc, ro := deltaRef(old, &c)
		sortCells(cs)
		sortCells(rc)
		sortOps(os)
		sortOps(ro)
		if !reflect.DeepEqual(cs, rc) || !reflect.DeepEqual(os, ro) {
			t.Fatalf("change %d: Delta\n%+v %+v\nbefore\n%+v %+v", i, cs, os, rc, ro)
		}
	}
}
