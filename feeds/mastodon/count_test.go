package mastodon

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hark-tui/hark/internal/fakenet"
	"github.com/hark-tui/hark/internal/testkit"
	"github.com/hark-tui/hark/social"
)

func TestCountText(t *testing.T) {
	// at the default URL length, 23
	testkit.Table(t, "countText", func(s string) int { return countText(s, 23) }, []testkit.Case[string, int]{
		{"ascii", "hello", 5},
		{"empty", "", 0},
		{"URL counts 23", "https://example.com/a/very/long/path?with=query&and=more", 23},
		{"short URL counts 23 too", "http://x.io", 23},
		{"URL in a sentence, trailing dot not part of it", "see https://shop.acme.example/orders/4822?ref=masto.", 4 + 23 + 1},
		{"URL in parentheses", "(https://acme.example/faq)", 1 + 23 + 1},
		{"URL with balanced parens", "https://en.wikipedia.org/wiki/Coffee_(disambiguation)", 23},
		{"two URLs", "https://a.example/1 https://b.example/2", 23 + 1 + 23},
		{"scheme-less domain is text", "acme.example/faq", 16},
		{"remote mention counts as @user", "@maria@tooters.example hi", len("@maria hi")},
		{"local mention as is", "@kasia hi", 9},
		{"mention with subdomain", "@lena@social.tooters.example", len("@lena")},
		{"email is not a mention", "mail maria@tooters.example", 26},
		{"mention inside a URL is the URL", "https://mastodon.social/@user@x.example", 23},
		{"emoji with skin tone is one", "👍🏽", 1},
		{"ZWJ family is one", "👨‍👩‍👧", 1},
		{"flag is one", "🇪🇪", 1},
		{"combining acute is one", "e\u0301", 1},
		{"precomposed é", "café", 4},
		{"Hangul jamo syllable", "\u1100\u1161\u11a8", 1},
		{"Polish text", "Zamówiłam ekspres", 17},
		{"mixed", "@maria@tooters.example ¡Hola! 😞 https://acme.example/x", 39}, // "@maria ¡Hola! 😞 " is 16 graphemes,
	})
	// an instance's own URL length
	if got := countText("https://a.example/1", 25); got != 25 {
		t.Errorf("countText(%q, 25) = %d, want 25", "https://a.example/1", got)
	}
}

func TestCountDefaultsWithoutNetwork(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("Count made a request: %s", r.URL)
	}))
	defer srv.Close()
	c := New(Options{Server: srv.URL, Token: testToken})
	n, limit := c.Count(strings.Repeat("x", 10)+" https://example.com/"+strings.Repeat("p", 100), true)
	if n != 10+1+23 || limit != 500 {
		t.Fatalf("Count = %d/%d, want 34/500", n, limit)
	}
}

func TestLimitsFromInstance(t *testing.T) {
	tests := []struct {
		fixture string
		want    Limits
	}{
		{"instance_v2.json", Limits{500, 23, false}},
		{"gotosocial_instance_v2.json", Limits{5000, 25, true}},
	}
	for _, tt := range tests {
		f := newFake(t)
		f.Handle("GET /api/v2/instance", fakenet.JSONReply(200, fixture(t, tt.fixture)))
		c := New(options(f))
		for i := 0; i < 3; i++ {
			l, err := c.Limits(ctx)
			if err != nil || l != tt.want {
				t.Fatalf("%s: %+v %v", tt.fixture, l, err)
			}
		}
		if n := len(f.Find("GET", "/api/v2/instance")); n != 1 {
			t.Errorf("%s: fetched %d times, want once", tt.fixture, n)
		}
		if _, limit := c.Count("x", false); limit != tt.want.MaxCharacters {
			t.Errorf("%s: limit %d", tt.fixture, limit)
		}
	}

	// a failure leaves the defaults and is retried later
	f := newFake(t)
	f.FailNth("GET /api/v2/instance", 0, fakenet.Reply{Status: 502, Type: "text/html", Body: fixture(t, "error_502_proxy.html")})
	c := New(options(f))
	if l, err := c.Limits(ctx); err == nil || l != (Limits{500, 23, false}) {
		t.Fatalf("failed fetch: %+v %v", l, err)
	}
	f.Handle("GET /api/v2/instance", fakenet.JSONReply(200, fixture(t, "gotosocial_instance_v2.json")))
	if l, err := c.Limits(ctx); err != nil || l != (Limits{5000, 25, true}) {
		t.Fatalf("retry: %+v %v", l, err)
	}
}

func TestPollTriesLimitsOnce(t *testing.T) {
	f := newFake(t)
	f.Handle("GET /api/v2/instance", fakenet.JSONReply(404, fixture(t, "error_404.json"))) // an older server
	f.LoadNotifications("notifications_mentions.json")
	c := New(options(f))
	for i := 0; i < 3; i++ {
		if _, err := c.Poll(ctx, "58213407"); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(f.Find("GET", "/api/v2/instance")); n != 1 {
		t.Errorf("instance fetched %d times by 3 polls, want 1", n)
	}
	if n, limit := c.Count("hi", false); n != 2 || limit != DefaultMaxCharacters {
		t.Errorf("Count = %d/%d", n, limit)
	}
}

// The count of a reply is the count of what Send posts (the "@user " hark
// puts in front included), by the rule of the instance: Mastodon's
// graphemes with URLs at 23, GoToSocial's code points with everything in
// full (told apart by the instance's source_url).
func TestCountReplyAsTheServerCounts(t *testing.T) {
	to := social.Post{Author: social.Author{Handle: "@bob@localhost:8080"}, Meta: map[string]string{MetaAcct: "bob"}}
	url := "https://example.com/" + strings.Repeat("a", 60) // 80 code points, 23 on Mastodon
	family := "👨‍👩‍👧"                                       // 1 grapheme, 5 code points
	tests := []struct {
		fixture string
		text    string
		want    int
	}{
		// "@bob " (5) + 495 = 500 on Mastodon: the mention counts
		{"instance_v2.json", strings.Repeat("x", 495), 500},
		{"instance_v2.json", "see " + url, 5 + 4 + 23},
		{"instance_v2.json", family, 5 + 1},
		{"gotosocial_instance_v2.json", "see " + url, 5 + 4 + 80},
		{"gotosocial_instance_v2.json", family, 5 + 5},
		// the text mentions bob already: nothing is added
		{"instance_v2.json", "@bob thanks", 11},
	}
	for _, tt := range tests {
		f := newFake(t)
		f.Handle("GET /api/v2/instance", fakenet.JSONReply(200, fixture(t, tt.fixture)))
		c := New(options(f))
		if err := c.LoadLimits(ctx); err != nil {
			t.Fatal(err)
		}
		r := social.Reply{To: to, Text: tt.text}
		if n, _ := c.CountReply(r); n != tt.want {
			t.Errorf("%s: CountReply(%q) = %d, want %d (sent as %q)", tt.fixture, tt.text, n, tt.want, ReplyText(r))
		}
	}
}
