package query

import (
	"testing"
	"time"

	"github.com/hark-tui/hark/internal/testkit"
	"github.com/hark-tui/hark/social"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    []Term
		wantErr string
	}{
		{"stranded", []Term{{"", "stranded", false, false}}, ""},
		{`brand:"Petal & Stem" is:open`, []Term{{"brand", "Petal & Stem", false, false}, {"is", "open", false, false}}, ""},
		{"net:Mastodon from:@Maria -is:vip", []Term{{"net", "mastodon", false, false}, {"from", "maria", false, false}, {"is", "vip", true, false}}, ""},
		{"sentiment:negative lang:ES", []Term{{"sentiment", "neg", false, false}, {"lang", "es", false, false}}, ""},
		{"after:2026-11-01 before:2026-11-20", []Term{{"after", "2026-11-01", false, false}, {"before", "2026-11-20", false, false}}, ""},
		{"is:sleepy", nil, "is:sleepy"},
		{"-is:Draft", []Term{{"is", "draft", true, false}}, ""},
		{"before:yesterday", nil, "YYYY-MM-DD"},
		{`brand:"open`, nil, "unclosed quote"},
		{"brand:", nil, "needs a value"},
		{"http://x.example/a:b", []Term{{"", "http://x.example/a:b", false, false}}, ""},
	}
	for _, tt := range tests {
		q, err := Parse(tt.in)
		if testkit.CheckErr(t, tt.in, err, tt.wantErr) {
			continue
		}
		if len(q.Terms) != len(tt.want) {
			t.Errorf("%q: terms %+v, want %+v", tt.in, q.Terms, tt.want)
			continue
		}
		for i := range tt.want {
			if q.Terms[i] != tt.want[i] {
				t.Errorf("%q: term %d = %+v, want %+v", tt.in, i, q.Terms[i], tt.want[i])
			}
		}
	}
}

func TestMatch(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	c := social.Conversation{
		ID: "7", Network: social.Mastodon, Brand: "Skylark Air", Contact: social.Author{Handle: "@maria@social.example", DisplayName: "María"},
		Preview: "Stranded at O'Hare", Lang: "en", Sentiment: -3, State: social.StateOpen, VIP: true,
		DueAt: now.Add(-time.Minute), LastCustomerAt: time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC),
	}
	tests := []struct {
		q    string
		want bool
	}{
		{"stranded", true},
		{"brand:skylark net:mastodon", true},
		{"brand:petal", false},
		{"from:@maria", true},
		{"from:mar", true}, // part of the handle
		{"from:social.example", true},
		{"from:marc", false},
		{"from:marí", true}, // part of the name
		{"is:breached is:vip", true},
		{"-is:vip", false},
		{"is:resolved", false},
		{"sentiment:neg lang:en", true},
		{"sentiment:pos", false},
		{"after:2026-11-20 before:2026-11-22", true},
		{"after:2026-11-21", false},
		{"#7", true},
	}
	for _, tt := range tests {
		q, err := Parse(tt.q)
		if err != nil {
			t.Fatal(err)
		}
		if got := q.Match(c, now); got != tt.want {
			t.Errorf("%q: %v, want %v", tt.q, got, tt.want)
		}
	}
	// is:draft: the conversation alone cannot say, so Match lets it pass
	// and MatchDrafts decides from the store's drafts (Search reads them)
	for _, tt := range []struct {
		q            string
		drafts, want bool
	}{{"is:draft", true, true}, {"is:draft", false, false}, {"-is:draft", true, false}, {"-is:draft", false, true}} {
		q, _ := Parse(tt.q)
		if !q.WantsDrafts() || !q.Match(c, now) || q.MatchDrafts("7", map[string]bool{"7": tt.drafts}) != tt.want {
			t.Errorf("%s with a draft %v: want %v", tt.q, tt.drafts, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"stranded", `brand:"Petal & Stem" is:open`, "-is:vip from:@a", "before:2026-01-01", `"`, "is:", "::", "-"} {
		f.Add(s)
	}
	now := time.Now()
	f.Fuzz(func(t *testing.T, s string) {
		q, err := Parse(s)
		if err != nil {
			if q != nil {
				t.Fatal("error with a query")
			}
			return
		}
		for _, term := range q.Terms {
			if term.Field != "" && !fields[term.Field] {
				t.Fatalf("unknown field %q accepted", term.Field)
			}
			if term.Field != "" && term.Value == "" {
				t.Fatalf("empty value for %s", term.Field)
			}
		}
		q.Match(social.Conversation{}, now) // must not panic
		q.NeedsConv()
	})
}
