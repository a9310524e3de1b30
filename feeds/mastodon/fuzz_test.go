package mastodon

import (
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/hark-tui/hark/htmltext"
	"github.com/hark-tui/hark/internal/fakenet"
	"github.com/hark-tui/hark/social"
)

// FuzzMapStatus feeds arbitrary bytes to every decoder and mapper a server
// response reaches: notifications pages, status lists, a single status,
// thread context, search results, instance and error bodies, and the text
// functions applied to what they yield. None may panic.
func FuzzMapStatus(f *testing.F) {
	fakenet.SeedFixtures(f, "mastodon/*.json", "mastodon/gotosocial/*.json")
	f.Add([]byte(`[{"id":1,"type":"mention","status":{"id":2.5,"account":"x","content":7,"created_at":"yesterday"}}]`))
	f.Add([]byte(`{"ancestors":{"a":1},"descendants":[null,1,"x",{"id":"3","account":{"followers_count":"1e99"}}]}`))
	f.Add([]byte(`{"id":"1","content":"<p><a href=\"x\"><span class=\"invisible\">` + "\xff" + `</span></a>","spoiler_text":"cw"}`))

	a := newAPI(Options{Server: "https://social.example", Account: "acme"})
	check := func(t *testing.T, p social.Post) {
		_ = htmltext.Text(p.Text, htmltext.Status)
		_ = countText(p.Text, 23)
		_ = ReplyText(social.Reply{To: p, Text: p.Text})
		_ = matchKey(p.Text)
		if p.RemoteID == "" {
			t.Fatalf("post without id: %+v", p)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if pg, err := a.decodeNotifications(b); err == nil {
			for _, p := range pg.posts {
				check(t, p)
			}
			if len(pg.posts) > pg.n {
				t.Fatalf("%d posts from %d notifications", len(pg.posts), pg.n)
			}
		}
		if ps, err := a.decodeStatuses(b, social.KindSearch); err == nil {
			for _, p := range ps {
				check(t, p)
			}
		}
		var st status
		if json.Unmarshal(b, &st) == nil {
			if p, ok := a.post(st, social.KindMention, testNow); ok {
				check(t, p)
			}
		}
		var tc threadContext
		if json.Unmarshal(b, &tc) == nil {
			for _, s := range append(tc.Ancestors, tc.Descendants...) {
				if p, ok := a.post(s, social.KindReply, testNow); ok {
					check(t, p)
				}
			}
		}
		var sr searchResults
		_ = json.Unmarshal(b, &sr)
		var in instance
		_ = json.Unmarshal(b, &in)
		var e apiError
		_ = json.Unmarshal(b, &e)
		s := string(b)
		out := htmltext.Text(s, htmltext.Status)
		if utf8.ValidString(s) && !utf8.ValidString(out) {
			t.Fatalf("htmltext.Text made invalid UTF-8 from valid input %q: %q", s, out)
		}
		_ = countText(s, 23)
		_ = matchKey(s)
	})
}
