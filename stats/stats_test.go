package stats

import (
	"bytes"
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
