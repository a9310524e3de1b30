package stats

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/hark-tui/hark/social"
)

// A report from running totals (cells, plus the unsettled conversations
// judged at report time) counts exactly what a report from every
// conversation counts; medians and p90 agree to within a bucket.
func TestReportFromTotals(t *testing.T) {
	now := time.Date(2026, 11, 22, 18, 30, 0, 0, time.UTC)
	rnd := rand.New(rand.NewPCG(1, 2))
	ops := []social.Actor{{Name: "Ana", Initials: "AR"}, {Name: "Bob", Initials: "BT"}, {}}
	var convs []social.Conversation
	for i := range 3000 {
		c := social.Conversation{
			ID: "x", Brand: []string{"A", "B", "C"}[i%3], Network: []social.Network{social.Mastodon, social.X}[i%2],
			CreatedAt: now.Add(-time.Duration(rnd.IntN(20*24*3600)) * time.Second), Sentiment: rnd.IntN(3) - 1,
		}
		c.DueAt = c.CreatedAt.Add(time.Hour)
		switch rnd.IntN(4) {
		case 0: // answered
			c.FirstResponseAt = c.CreatedAt.Add(time.Duration(rnd.IntN(7200)) * time.Second)
			c.FirstDueAt, c.FirstReplyBy = c.DueAt, ops[rnd.IntN(3)]
			c.State = social.StateResolved
			c.ResolvedAt, c.ResolvedBy = c.FirstResponseAt.Add(time.Hour), ops[rnd.IntN(3)]
			c.Activity = []social.Activity{{Action: social.ActReplied, By: c.FirstReplyBy}}
		case 1: // resolved unanswered
			c.State, c.ResolvedAt = social.StateResolved, c.CreatedAt.Add(time.Duration(rnd.IntN(7200))*time.Second)
		case 2: // open, waiting (unsettled)
			c.State = social.StateOpen
		default: // open, no deadline
			c.State, c.DueAt = social.StateNew, time.Time{}
		}
		convs = append(convs, c)
	}
	slow := NewBuilder(now, 14, time.UTC).ByOperator(social.Actor{Name: "solo", Initials: "SO"})
	fast := NewBuilder(now, 14, time.UTC).ByOperator(social.Actor{Name: "solo", Initials: "SO"})
	cells := map[[2]any]*Cell{}
	opCells := map[[3]any]*OpCell{}
	for _, c := range convs {
		slow.Add(c)
		cs, os := Delta(nil, &c)
		for _, d := range cs {
			k := [2]any{d.Hour, d.Brand + "/" + d.Network}
			if cells[k] == nil {
				cells[k] = &Cell{Hour: d.Hour, Brand: d.Brand, Network: d.Network}
			}
			cells[k].Merge(d)
		}
		for _, d := range os {
			k := [3]any{d.Hour, d.Brand, d.Key}
			if opCells[k] == nil {
				opCells[k] = &OpCell{Hour: d.Hour, Brand: d.Brand, Key: d.Key}
			}
			opCells[k].Merge(d)
		}
		fast.AddUnsettled(c)
	}
	for _, c := range cells {
		fast.AddCell(c)
	}
	for _, c := range opCells {
		fast.AddOpCell(c)
	}
	a, b := slow.Report(), fast.Report()
	if a.Total.Volume < 1000 {
		t.Fatalf("only %d in the window", a.Total.Volume)
	}
	near := func(what string, x, y Durations) {
		t.Helper()
		if x.N != y.N {
			t.Errorf("%s: %d vs %d durations", what, x.N, y.N)
		}
		for _, p := range [][2]time.Duration{{x.Median, y.Median}, {x.P90, y.P90}} {
			if d := float64(p[1] - p[0]); d > 0.035*float64(p[0])+float64(time.Second) || -d > 0.035*float64(p[0])+float64(time.Second) {
				t.Errorf("%s: %s exact, %s from the histogram", what, p[0], p[1])
			}
		}
	}
	groups := func(x, y []Group, what string) {
		t.Helper()
		if len(x) != len(y) {
			t.Fatalf("%s: %d vs %d groups", what, len(x), len(y))
		}
		for i := range x {
			if x[i].Key != y[i].Key || x[i].Volume != y[i].Volume || x[i].SLAMet != y[i].SLAMet || x[i].SLAMissed != y[i].SLAMissed {
				t.Errorf("%s %s: %+v vs %+v", what, x[i].Key, x[i], y[i])
			}
			near(what+" "+x[i].Key+" first", x[i].FirstReply, y[i].FirstReply)
			near(what+" "+x[i].Key+" resolution", x[i].Resolution, y[i].Resolution)
		}
	}
	groups([]Group{a.Total}, []Group{b.Total}, "total")
	groups(a.Brands, b.Brands, "brand")
	groups(a.Days, b.Days, "day")
	if !reflect.DeepEqual(a.Networks, b.Networks) || !reflect.DeepEqual(a.Sentiment, b.Sentiment) || a.Hours != b.Hours {
		t.Errorf("networks/sentiment/hours differ: %v %v %v / %v %v %v", a.Networks, a.Sentiment, a.Hours, b.Networks, b.Sentiment, b.Hours)
	}
	if len(a.Operators) != len(b.Operators) {
		t.Fatalf("operators: %d vs %d", len(a.Operators), len(b.Operators))
	}
	for i := range a.Operators {
		x, y := a.Operators[i], b.Operators[i]
		if x.Key != y.Key || x.Replies != y.Replies || x.Resolved != y.Resolved {
			t.Errorf("operator %s: %+v vs %+v", x.Key, x, y)
		}
		near("operator "+x.Key+" first", x.FirstReply, y.FirstReply)
	}
}

// Cells round-trip through their binary form; a cut one is an error.
func TestCellBinary(t *testing.T) {
	c := Cell{Hour: -5, Brand: "Petal & Stem", Network: "x", Volume: 3, Neg: -1, Pos: 2, SLAMissed: 7}
	c.First.Add(90*time.Minute, 2)
	c.Reso.Add(50*24*time.Hour, -1)
	raw, _ := c.MarshalBinary()
	var d Cell
	if err := d.UnmarshalBinary(raw); err != nil || !reflect.DeepEqual(c, d) {
		t.Fatalf("%+v → %+v (%v)", c, d, err)
	}
	if err := d.UnmarshalBinary(raw[:len(raw)-1]); err == nil {
		t.Error("a cut cell decoded")
	}
	o := OpCell{Hour: 9, Brand: "B", Key: "AR", Name: "Ana Ruiz", Replies: 4, Resolved: 1}
	o.First.Add(time.Minute, 1)
	raw, _ = o.MarshalBinary()
	var p OpCell
	if err := p.UnmarshalBinary(raw); err != nil || !reflect.DeepEqual(o, p) {
		t.Fatalf("%+v → %+v (%v)", o, p, err)
	}
}
