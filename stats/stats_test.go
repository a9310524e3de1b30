package stats

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hark-tui/hark/social"
)

func TestReportMath(t *testing.T) {
	now := time.Date(2026, 11, 22, 18, 0, 0, 0, time.UTC)
	at := func(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, time.UTC) }
	convs := []social.Conversation{
		// answered in 5, 10, 20, 40 minutes; 40 missed a 30-minute deadline
		{Brand: "A", Network: social.Mastodon, CreatedAt: at(22, 9, 0), FirstResponseAt: at(22, 9, 5), FirstDueAt: at(22, 9, 30), State: social.StateResolved, ResolvedAt: at(22, 10, 0), Sentiment: -2},
		{Brand: "A", Network: social.Mastodon, CreatedAt: at(22, 9, 0), FirstResponseAt: at(22, 9, 10), FirstDueAt: at(22, 9, 30), State: social.StatePending},
		{Brand: "A", Network: social.Bluesky, CreatedAt: at(21, 14, 0), FirstResponseAt: at(21, 14, 20), FirstDueAt: at(21, 14, 30), State: social.StateResolved, ResolvedAt: at(21, 16, 0), Sentiment: 3},
		{Brand: "B", Network: social.X, CreatedAt: at(21, 14, 0), FirstResponseAt: at(21, 14, 40), FirstDueAt: at(21, 14, 30), State: social.StatePending},
		// unanswered and past due: a miss
		{Brand: "B", Network: social.X, CreatedAt: at(22, 17, 0), DueAt: at(22, 17, 30), State: social.StateNew, Sentiment: -1},
		// outside the window
		{Brand: "B", Network: social.X, CreatedAt: at(1, 9, 0), FirstResponseAt: at(1, 9, 1)},
	}
	b := NewBuilder(now, 2, time.UTC)
	for _, c := range convs {
		b.Add(c)
	}
	r := b.Report()
	if r.Total.Volume != 5 {
		t.Fatalf("volume %d, want 5", r.Total.Volume)
	}
	// first responses 5,10,20,40 min: nearest-rank median = 10m, p90 = 40m
	if r.Total.FirstReply.Median != 10*time.Minute || r.Total.FirstReply.P90 != 40*time.Minute || r.Total.FirstReply.N != 4 {
		t.Fatalf("first reply %+v", r.Total.FirstReply)
	}
	// resolutions 60m and 120m: median 60m
	if r.Total.Resolution.Median != time.Hour || r.Total.Resolution.N != 2 {
		t.Fatalf("resolution %+v", r.Total.Resolution)
	}
	if r.Total.SLAMet != 3 || r.Total.SLAMissed != 2 || r.Total.SLARate() != 0.6 {
		t.Fatalf("SLA %d/%d", r.Total.SLAMet, r.Total.SLAMissed)
	}
	if len(r.Brands) != 2 || r.Brands[0].Key != "A" || r.Brands[0].Volume != 3 || r.Brands[1].SLAMissed != 2 {
		t.Fatalf("brands %+v", r.Brands)
	}
	if len(r.Days) != 2 || r.Days[0].Key != "2026-11-21" || r.Days[0].Volume != 2 || r.Days[1].Volume != 3 {
		t.Fatalf("days %+v", r.Days)
	}
	if r.Networks["x"] != 2 || r.Networks["mastodon"] != 2 || r.Networks["bluesky"] != 1 {
		t.Fatalf("networks %v", r.Networks)
	}
	if r.Sentiment["negative"] != 2 || r.Sentiment["positive"] != 1 || r.Sentiment["neutral"] != 2 {
		t.Fatalf("sentiment %v", r.Sentiment)
	}
	if r.Hours[9] != 2 || r.Hours[14] != 2 || r.Hours[17] != 1 {
		t.Fatalf("hours %v", r.Hours)
	}
	txt := r.Text(80)
	for _, want := range []string{"5 conversations", "median 10m, p90 40m", "SLA met 60%", "By network", "Busiest hours"} {
		if !strings.Contains(txt, want) {
			t.Errorf("text lacks %q:\n%s", want, txt)
		}
	}
	var js, cs bytes.Buffer
	if err := r.JSON(&js); err != nil || !strings.Contains(js.String(), `"volume": 5`) {
		t.Fatalf("json %v %s", err, js.String())
	}
	if err := r.CSV(&cs); err != nil || strings.Count(cs.String(), "\n") != 1+1+2+2 {
		t.Fatalf("csv %v %q", err, cs.String())
	}
}

func TestSparklineAndBar(t *testing.T) {
	if got := Sparkline([]int{0, 1, 2, 4, 8}); got != " ▁▂▄█" {
		t.Fatalf("sparkline %q", got)
	}
	if Bar(5, 10, 10) != "█████" || Bar(1, 100, 10) != "█" || Bar(0, 10, 10) != "" {
		t.Fatal("bar")
	}
}

// A customer never answered and resolved without a reply: the SLA was
// missed when its deadline passed before the resolve, and not when the
// resolve came first (however late the report is made).
func TestUnansweredResolvedSLA(t *testing.T) {
	now := time.Date(2026, 11, 22, 18, 0, 0, 0, time.UTC)
	at := func(h, m int) time.Time { return time.Date(2026, 11, 22, h, m, 0, 0, time.UTC) }
	for _, tt := range []struct {
		name        string
		c           social.Conversation
		met, missed int
	}{
		{"resolved after the deadline", social.Conversation{CreatedAt: at(9, 0), WaitingSince: at(9, 0), DueAt: at(10, 0), State: social.StateResolved, ResolvedAt: at(11, 0)}, 0, 1},
		{"resolved before the deadline", social.Conversation{CreatedAt: at(9, 0), WaitingSince: at(9, 0), DueAt: at(10, 0), State: social.StateResolved, ResolvedAt: at(9, 30)}, 0, 0},
		{"open and past due", social.Conversation{CreatedAt: at(9, 0), WaitingSince: at(9, 0), DueAt: at(10, 0), State: social.StateOpen}, 0, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.c.Brand = "A"
			b := NewBuilder(now, 1, time.UTC)
			b.Add(tt.c)
			r := b.Report()
			if r.Total.SLAMet != tt.met || r.Total.SLAMissed != tt.missed {
				t.Fatalf("SLA met %d missed %d, want %d and %d", r.Total.SLAMet, r.Total.SLAMissed, tt.met, tt.missed)
			}
		})
	}
}

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

func TestByOperator(t *testing.T) {
	now := time.Date(2026, 11, 23, 18, 0, 0, 0, time.UTC)
	t0 := now.Add(-8 * time.Hour)
	jd := social.Actor{Name: "Jane Doe", Initials: "JD"}
	ak := social.Actor{Name: "Ade Kim", Initials: "AK"}
	solo := social.Actor{Name: "Solo Agent", Initials: "SA"}
	replied := func(by social.Actor) social.Activity { return social.Activity{Action: social.ActReplied, By: by} }
	convs := []social.Conversation{
		// JD answers in 10 m, AK follows up and resolves after 2 h
		{ID: "1", Brand: "B", CreatedAt: t0, FirstResponseAt: t0.Add(10 * time.Minute), FirstReplyBy: jd,
			State: social.StateResolved, ResolvedAt: t0.Add(2 * time.Hour), ResolvedBy: ak,
			Activity: []social.Activity{replied(jd), replied(ak), {Action: social.ActResolved, By: ak}}},
		// JD answers in 30 m
		{ID: "2", Brand: "B", CreatedAt: t0, FirstResponseAt: t0.Add(30 * time.Minute), FirstReplyBy: jd, State: social.StatePending,
			Activity: []social.Activity{replied(jd)}},
		// before team mode: nobody recorded, counts under the solo agent
		{ID: "3", Brand: "B", CreatedAt: t0, FirstResponseAt: t0.Add(time.Hour), State: social.StateResolved, ResolvedAt: t0.Add(3 * time.Hour)},
		// unanswered: nobody's
		{ID: "4", Brand: "B", CreatedAt: t0, State: social.StateNew},
	}
	b := NewBuilder(now, 7, time.UTC).ByOperator(solo)
	for _, c := range convs {
		b.Add(c)
	}
	r := b.Report()
	want := map[string]Operator{
		"AK": {Key: "AK", Name: "Ade Kim", Replies: 1, Resolved: 1, Resolution: Durations{N: 1, Median: 2 * time.Hour, P90: 2 * time.Hour}},
		"JD": {Key: "JD", Name: "Jane Doe", Replies: 2, FirstReply: Durations{N: 2, Median: 10 * time.Minute, P90: 30 * time.Minute}},
		"SA": {Key: "SA", Name: "Solo Agent", Replies: 1, Resolved: 1, FirstReply: Durations{N: 1, Median: time.Hour, P90: time.Hour},
			Resolution: Durations{N: 1, Median: 3 * time.Hour, P90: 3 * time.Hour}},
	}
	if len(r.Operators) != len(want) {
		t.Fatalf("operators %+v", r.Operators)
	}
	for i, k := range []string{"AK", "JD", "SA"} { // sorted
		if got := r.Operators[i]; got != want[k] {
			t.Errorf("operator %s = %+v, want %+v", k, got, want[k])
		}
	}

	text := r.Text(100)
	for _, s := range []string{"By operator", "JD Jane Doe", "AK Ade Kim", "SA Solo Agent"} {
		if !strings.Contains(text, s) {
			t.Errorf("text lacks %q:\n%s", s, text)
		}
	}
	var buf bytes.Buffer
	if err := r.JSON(&buf); err != nil {
		t.Fatal(err)
	}
	var j struct {
		Operators []Operator `json:"operators"`
	}
	if err := json.Unmarshal(buf.Bytes(), &j); err != nil || len(j.Operators) != 3 || j.Operators[1].Replies != 2 {
		t.Fatalf("json operators %+v, %v", j.Operators, err)
	}
	buf.Reset()
	if err := r.CSV(&buf); err != nil {
		t.Fatal(err)
	}
	csv := buf.String()
	for _, s := range []string{"replies,resolved\n", "operator,JD,2,600,1800,0,,,2,0\n", "operator,AK,0,0,0,7200,,,1,1\n"} {
		if !strings.Contains(csv, s) {
			t.Errorf("csv lacks %q:\n%s", s, csv)
		}
	}

	// Without ByOperator the report is as before: no operators anywhere.
	plain := NewBuilder(now, 7, time.UTC)
	for _, c := range convs {
		plain.Add(c)
	}
	pr := plain.Report()
	buf.Reset()
	pr.CSV(&buf)
	if pr.Operators != nil || strings.Contains(pr.Text(100), "By operator") || strings.Contains(buf.String(), "replies") {
		t.Fatal("operators in a plain report")
	}
}
