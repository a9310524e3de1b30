package bluesky

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/hark-tui/hark/feeds/web"
	"github.com/hark-tui/hark/internal/fakenet"
)

// The tests run against internal/fakenet's scripted Bluesky (an entryway
// and the PDS named in the session's DID document), which answers with the
// shared fixture files (internal/fakenet/testdata/bluesky).

const (
	fixturePDS    = "https://shiitake.us-east.host.bsky.network"
	brandDID      = fakenet.BlueskyDID
	brandHandle   = fakenet.BlueskyHandle
	appPassword   = "abcd-efgh-ijkl-mnop"
	mariaDID      = "did:plc:7qgtmhxwqgkz2yvw3c5ebnpz"
	tomasDID      = "did:plc:m3hzkrmbi2dxxqxu7dnceyz5"
	kasiaDID      = "did:plc:x2n6hy5dlo3ekhaz4c7fqjvr"
	cursorPage2   = fakenet.BlueskyCursorPage2
	cursorPageEnd = fakenet.BlueskyCursorPageEnd
)

var testNow = time.Date(2026, 11, 22, 8, 10, 0, 0, time.UTC)

// fixture reads one of the shared Bluesky fixtures (internal/fakenet's
// testdata/bluesky).
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	return fakenet.Fixture("bluesky/" + name)
}

// jsonField reads one string member of a fixture.
func jsonField(t testing.TB, name, field string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(fixture(t, name), &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	s, _ := m[field].(string)
	return s
}

// newFake starts the scripted Bluesky for the test account.
func newFake(t *testing.T) *fakenet.BlueskyScript {
	t.Helper()
	return fakenet.NewBlueskyScript(t, appPassword)
}

// newClient returns a client on f; mod may change its options.
func newClient(f *fakenet.BlueskyScript, mod ...func(*Options)) *Client {
	o := Options{
		Service:  f.EntryURL,
		Handle:   brandHandle,
		Password: appPassword,
		Account:  "acme",
		Brand:    "Acme Coffee",
		Client:   web.NewClient(5 * time.Second),
		Now:      func() time.Time { return testNow },
	}
	for _, m := range mod {
		m(&o)
	}
	return New(o)
}

// wantCalls ends the test unless f saw n calls of nsid.
func wantCalls(t *testing.T, f *fakenet.BlueskyScript, nsid string, n int) {
	t.Helper()
	if got := len(f.Calls(nsid)); got != n {
		t.Fatalf("%s calls = %d, want %d", nsid, got, n)
	}
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// withNewest is the JSON page raw with item put first in its list key (a
// newer entry on top of a fixture page).
func withNewest(t *testing.T, raw []byte, key string, item any) string {
	t.Helper()
	var page map[string]any
	if err := json.Unmarshal(raw, &page); err != nil {
		t.Fatal(err)
	}
	list, ok := page[key].([]any)
	if !ok {
		t.Fatalf("the page has no list %q", key)
	}
	page[key] = append([]any{item}, list...)
	b, err := json.Marshal(page)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// mkNotif builds a notification in the wire shape.
func mkNotif(uri, did, handle, reason, text, indexedAt string) map[string]any {
	return map[string]any{
		"uri":    uri,
		"cid":    "bafyreibcgwc34gqebxmtrlg3r5xov3n4xhcfoelx2ruicldutah43cp6uq",
		"author": map[string]any{"did": did, "handle": handle, "labels": []any{}},
		"reason": reason,
		"record": map[string]any{
			"$type": "app.bsky.feed.post", "text": text, "createdAt": indexedAt, "langs": []string{"en"},
		},
		"isRead": false, "indexedAt": indexedAt, "labels": []any{},
	}
}

// pageJSON builds a listNotifications page.
func pageJSON(t testing.TB, cursor string, notifs ...map[string]any) string {
	t.Helper()
	m := map[string]any{"notifications": notifs, "priority": false}
	if notifs == nil {
		m["notifications"] = []any{}
	}
	if cursor != "" {
		m["cursor"] = cursor
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
