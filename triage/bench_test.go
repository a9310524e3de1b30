package triage

import (
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hark-tui/hark/social"
)

func BenchmarkScore(b *testing.B) {
	tr := newTriager(b, Rules{VIPs: []string{"maria@social.example"}})
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	posts := loadDemo(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := posts[i%len(posts)]
		tr.Score(Input{Text: p.Text, Lang: p.Lang, Kind: social.KindMention,
			Author: social.Author{Handle: p.Author, Followers: 500},
			Since:  now.Add(-time.Hour), Due: now.Add(10 * time.Minute), Now: now})
	}
}

// FuzzScore checks that no text makes scoring panic or leave its range.
// Run with: go test -fuzz=FuzzScore -fuzztime=10s ./triage
func FuzzScore(f *testing.F) {
	for _, s := range []string{
		"Stranded at O'Hare, flight cancelled", "no estoy contento", "#PowerOutage 😡😡",
		"l'avion n'est pas là", "prąd ... wysiadł", "\x1b[2J@x", "ü\u0308\u0308", "':)'", "#", "@",
		"not not not happy!!!!!!!!", "\xff\xfe invalid utf8",
	} {
		f.Add(s, "")
	}
	tr := newTriager(f, Rules{Urgent: map[string][]string{"*": {"boiler ... out"}}})
	f.Fuzz(func(t *testing.T, text, lang string) {
		r := tr.Score(Input{Text: text, Lang: lang})
		if r.Score < 0 || r.Score > 100 {
			t.Fatalf("Score(%q) = %d", text, r.Score)
		}
		if (r.Sentiment < 0) != (r.Label == Negative) || (r.Sentiment > 0) != (r.Label == Positive) {
			t.Fatalf("Score(%q): Sentiment %d labelled %s", text, r.Sentiment, r.Label)
		}
		for _, u := range r.Urgent {
			if !utf8.ValidString(u) && utf8.ValidString(text) {
				t.Fatalf("Score(%q): invalid urgency %q", text, u)
			}
		}
		_ = DetectLang(text)
	})
}
