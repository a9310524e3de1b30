package rss

import (
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hark-tui/hark/htmltext"
	"github.com/hark-tui/hark/internal/fakenet"
)

// FuzzParse feeds arbitrary bytes through parse and mapFeed: they may fail,
// never panic, and every post they produce is well-formed.
func FuzzParse(f *testing.F) {
	fakenet.SeedFixtures(f, "rss/*.*")
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1","content_html":"<p>x"}]}`))
	f.Add([]byte("<rss><channel><item><description>&lt;p&gt;\xff&lt;/p</description></item></channel></rss>"))
	f.Add([]byte("<feed><entry><content type=\"html\">&lt;span class=invisible&gt;</content></entry></feed>"))
	now := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		feed, err := parse(data, "")
		if err != nil {
			return
		}
		for _, p := range mapFeed(feed, "https://feeds.example/x", now) {
			if p.RemoteID == "" || p.ReadOnly == "" || p.CreatedAt.IsZero() {
				t.Fatalf("bad post %+v", p)
			}
			if !utf8.ValidString(p.Text) && utf8.Valid(data) {
				t.Fatalf("invalid UTF-8 text from valid input: %q", p.Text)
			}
		}
		_ = htmltext.Text(string(data), htmltext.Feed)
	})
}
