package e2e

import (
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/hark-tui/hark/internal/fakenet"
	"github.com/hark-tui/hark/social"
)

// `hark poll --once` three times against the four fakes: the first run
// stores what each network shows (the newest mentions are withheld), the
// second catches up with each network's cursor (Mastodon min_id, X
// since_id + next_token, Bluesky's indexedAt watermark, RSS conditional
// GET), the third finds nothing new. The store then holds every mention
// exactly once.
func TestPollOnceAllNetworks(t *testing.T) {
	w := newWorld(t)
	n := w.nets
	n.Mastodon.Withhold(2)
	n.Bluesky.Withhold(1)
	n.X.Withhold(1)

	runs := []struct {
		name    string
		before  func()
		want    map[string]int
		wantOut []string // lines the output must hold
	}{
		{"first", nil,
			map[string]int{feedMastodon: 1, feedBluesky: 2, feedX: 2, feedRSS: 2},
			[]string{"@maria@tooters.example", "@kasia.bsky.social", "@maria_lopez_es", "@jonas@social.example"}},
		{"catch-up", func() { n.Mastodon.Release(); n.Bluesky.Release(); n.X.Release() },
			map[string]int{feedMastodon: 2, feedBluesky: 1, feedX: 1, feedRSS: 0},
			[]string{"@tomas@mstdn.example", "@tomas.kask.example", "@tomaskask"}},
		{"nothing new", nil,
			map[string]int{feedMastodon: 0, feedBluesky: 0, feedX: 0, feedRSS: 0}, nil},
	}
	for _, r := range runs {
		if r.before != nil {
			r.before()
		}
		out, stderr, err := w.hark(t, "poll", "--once")
		if err != nil {
			t.Fatalf("%s run: %v\nstdout:\n%s\nstderr:\n%s", r.name, err, out, stderr)
		}
		if got := pollCounts(t, out); !maps.Equal(got, r.want) {
			t.Fatalf("%s run: new posts per feed = %v, want %v\n%s", r.name, got, r.want, out)
		}
		for _, s := range r.wantOut {
			if !regexp.MustCompile(`(?m)^  \S+  ` + regexp.QuoteMeta(s) + `  `).MatchString(out) {
				t.Errorf("%s run: output lists no post by %s:\n%s", r.name, s, out)
			}
		}
	}

	// What went over the wire: each network's own incremental cursor.
	mastodonPolls := n.Mastodon.Find("GET", "/api/v1/notifications")
	var minIDs []string
	for _, r := range mastodonPolls {
		minIDs = append(minIDs, r.Query.Get("min_id"))
		if got := r.Query["types[]"]; !slices.Equal(got, []string{"mention"}) {
			t.Errorf("mastodon notifications asked for types[]=%v", got)
		}
	}
	// first page; catch-up from the oldest mention, then the empty page
	// after the newest; the third run asks once more from the newest.
	if want := []string{"", "58213371", "58213407", "58213407"}; !slices.Equal(minIDs, want) {
		t.Errorf("mastodon min_id per request = %q, want %q", minIDs, want)
	}
	var xSince, xTokens []string
	for _, r := range n.X.Find("GET", "/2/users/"+fakenet.XUserID+"/mentions") {
		xSince = append(xSince, r.Query.Get("since_id"))
		xTokens = append(xTokens, r.Query.Get("pagination_token"))
	}
	if want := []string{"", "2124096176783007751", "2124096176783007751", "2124212497415839751"}; !slices.Equal(xSince, want) {
		t.Errorf("x since_id per request = %q, want %q", xSince, want)
	}
	if xTokens[2] == "" {
		t.Errorf("x catch-up did not follow next_token: %q", xTokens)
	}
	var bskyCursors []string
	for _, r := range n.Bluesky.Find("app.bsky.notification.listNotifications") {
		bskyCursors = append(bskyCursors, r.Query.Get("cursor"))
	}
	// Pages hold two notifications. The first run walks to the end; the
	// catch-up pages down until it meets the watermark (the reply at
	// 11:02:47 is seen, the mention below it is older); the third run
	// meets it on the first page.
	if want := []string{"", "2026-11-21T09:14:04.001Z", "", "2026-11-21T11:02:47.702Z", ""}; !slices.Equal(bskyCursors, want) {
		t.Errorf("bluesky cursors per request = %q, want %q", bskyCursors, want)
	}
	var rssStatus []int
	for _, r := range n.RSS.Requests() {
		rssStatus = append(rssStatus, r.Status)
	}
	if want := []int{200, 304, 304}; !slices.Equal(rssStatus, want) {
		t.Errorf("rss answers = %v, want %v (conditional GET after the first)", rssStatus, want)
	}

	// The store holds every mention exactly once.
	posts := storedPosts(t, filepath.Join(w.dir, "hark.db"))
	want := map[social.Network][]string{
		social.Mastodon: n.Mastodon.MentionIDs(),
		social.Bluesky:  n.Bluesky.NotificationURIs(),
		social.X:        n.X.MentionIDs(),
		social.RSS:      {"https://social.example/@kasia/117654091669176322", "https://social.example/@jonas/117655181721600004"},
	}
	for net, ids := range want {
		count := map[string]int{}
		for _, p := range posts[net] {
			count[p.RemoteID]++
			if p.Account == "" || p.Brand != fakenet.Brand {
				t.Errorf("%s post %s: account %q brand %q", net, p.RemoteID, p.Account, p.Brand)
			}
		}
		for _, id := range ids {
			if count[id] != 1 {
				t.Errorf("%s mention %s stored %d times, want once", net, id, count[id])
			}
		}
		if len(count) != len(ids) {
			t.Errorf("%s: store holds %d posts %v, want %d", net, len(count), slices.Collect(maps.Keys(count)), len(ids))
		}
	}
	if len(posts) != 4 {
		t.Errorf("store holds posts of %d networks, want 4: %v", len(posts), slices.Collect(maps.Keys(posts)))
	}
}
