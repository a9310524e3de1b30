package mastodon

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/hark-tui/hark/feeds/web"
	"github.com/hark-tui/hark/internal/fakenet"
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

func cloneMap(m map[string]any) map[string]any {
	b, _ := json.Marshal(m)
	var c map[string]any
	_ = json.Unmarshal(b, &c)
	return c
}
