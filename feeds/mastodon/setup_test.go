package mastodon

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/hark-tui/hark/feeds/web"
	"github.com/hark-tui/hark/internal/fakenet"
	"github.com/hark-tui/hark/social"
)

const testToken = "tok-s3cret-value"

// fixed clock for every test.
var testNow = time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)

// fixture reads one of the shared Mastodon fixtures (internal/fakenet's
// testdata/mastodon).
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	return fakenet.Fixture("mastodon/" + name)
}

// newFake starts internal/fakenet's scripted Mastodon, accepting testToken.
func newFake(t *testing.T) *fakenet.MastodonScript {
	t.Helper()
	return fakenet.NewMastodonScript(t, testToken)
}

// options are the adapter's options against f.
func options(f *fakenet.MastodonScript) Options {
	return Options{Server: f.URL, Token: testToken, Account: "acme", Brand: "Acme Coffee",
		Client: web.NewClient(5 * time.Second), Now: func() time.Time { return testNow }}
}

// withMentions starts the fake with the fixture's mentions and returns it
// with a client on it.
func withMentions(t *testing.T) (*fakenet.MastodonScript, *Client) {
	t.Helper()
	f := newFake(t)
	f.LoadNotifications("notifications_mentions.json")
	return f, New(options(f))
}

// mustPoll polls c once from cursor; an error ends the test.
func mustPoll(t *testing.T, c *Client, cursor string) social.Batch {
	t.Helper()
	b, err := c.Poll(ctx, cursor)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func cloneMap(m map[string]any) map[string]any {
	b, _ := json.Marshal(m)
	var c map[string]any
	_ = json.Unmarshal(b, &c)
	return c
}
