package bluesky

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hark-tui/hark/social"
)

// FuzzMapNotification feeds arbitrary bytes to the notification decoder and
// mapper (and the thread-node and post-view decoders): they must never
// panic, and whatever they accept must be consistent.
func FuzzMapNotification(f *testing.F) {
	for _, name := range []string{"listNotifications.json", "listNotifications_page2.json", "live_listNotifications-alice.json"} {
		var page struct{ Notifications []json.RawMessage }
		if err := json.Unmarshal(fixture(f, name), &page); err != nil {
			f.Fatal(err)
		}
		for _, n := range page.Notifications {
			f.Add([]byte(n))
		}
	}
	f.Add(fixture(f, "getPostThread.json"))
	f.Add([]byte(`{"uri":"at://did:plc:x/app.bsky.feed.post/3n2sr64uza225","reason":"mention","record":{"text":"é","facets":[{"index":{"byteStart":1,"byteEnd":2},"features":[{"$type":"app.bsky.richtext.facet#link","uri":"https://x.example"}]}]},"indexedAt":"2026-11-21T09:14:04.001Z"}`))
	f.Add([]byte(`{"uri":5,"record":[],"author":"x"}`))
	f.Add([]byte(`null`))
	f.Add([]byte(``))

	c := New(Options{Account: "acme"})
	f.Fuzz(func(t *testing.T, data []byte) {
		n, ok := decodeNotification(data)
		if ok {
			p, mapped := c.mapNotification(n, "did:plc:4u3kqlsvrwjd5m2bfbm7qexz")
			if mapped {
				if p.RemoteID != n.URI || p.Network != social.Bluesky || p.Account != "acme" {
					t.Fatalf("inconsistent post %+v from %+v", p, n)
				}
				if !utf8.ValidString(p.Text) {
					t.Fatalf("invalid UTF-8 text %q", p.Text)
				}
				if p.URL != "" && !strings.HasPrefix(p.URL, "https://bsky.app/profile/") {
					t.Fatalf("url %q", p.URL)
				}
			}
		}
		if node, ok := decodeThreadNode(data); ok && node.isPost() {
			if v, ok := decodePostView(node.post); ok {
				c.mapPostView(v, social.KindReply)
			}
		}
		decodeState(string(data))
	})
}

// FuzzDetectSpans checks that detected facets always cover whole runes in
// order and never overlap.
func FuzzDetectSpans(f *testing.F) {
	f.Add("✨ example mentioning @atproto.com to share the URL 👨‍❤️‍👨 https://en.wikipedia.org/wiki/CBOR.")
	f.Add("(www.x.example)) @a.b @c.d.")
	f.Fuzz(func(t *testing.T, text string) {
		text = validText(text) // what Send measures
		last := 0
		for _, s := range detectSpans(text) {
			if s.start < last || s.end <= s.start || s.end > len(text) {
				t.Fatalf("bad span %+v in %q", s, text)
			}
			if !utf8.RuneStart(text[s.start]) || (s.end < len(text) && !utf8.RuneStart(text[s.end])) {
				t.Fatalf("span %+v splits a rune in %q", s, text)
			}
			last = s.end
		}
	})
}
