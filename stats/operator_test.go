package stats

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hark-tui/hark/social"
)

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
