package tui_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/feeds/rss"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/tui"
)

func lastLine(s string) string {
	lines := strings.Split(s, "\n")
	return lines[len(lines)-1]
}

// The status line keeps "? help" whatever it shows; an error stays until
// a key is pressed after it could be read, and M opens the log with every
// message in full (the issue: "New urgent post" hid the hint, a failed
// send's reason was cut at the width and replaced within a second).
func TestStatusLineAndMessageLog(t *testing.T) {
	tui.Instant(t)
	a, clk := demoApp(t)
	m := startModel(t, a, 80, 24)
	if l := lastLine(m.Screen()); !strings.Contains(l, "? help") {
		t.Fatalf("no hint: %q", l)
	}
	// f without a follow-up to offer: an error longer than the line
	m.Press(key("f"))
	l := lastLine(m.Screen())
	if !strings.Contains(l, "No public follow-up") || !strings.HasSuffix(strings.TrimSpace(l), "? help") || !strings.Contains(l, "M messages") {
		t.Fatalf("error line: %q", l)
	}
	// an info right after it (a key pressed at once: not read yet) does
	// not hide it
	m.Press(key("ctrl+r"))
	if l := lastLine(m.Screen()); !strings.Contains(l, "No public follow-up") {
		t.Fatalf("an info hid the error: %q", l)
	}
	// a minute later, with no key pressed, it is still there
	clk.Advance(time.Minute)
	if l := lastLine(m.Screen()); !strings.Contains(l, "No public follow-up") {
		t.Fatalf("the error went unseen: %q", l)
	}
	// M: the log has both, the error in full
	m.Press(key("M"))
	s := m.Screen()
	for _, want := range []string{"Messages", "Polling every feed now", "No public follow-up", "resolved)"} {
		if !strings.Contains(s, want) {
			t.Errorf("log lacks %q:\n%s", want, s)
		}
	}
	m.Press(escKey)
	// seen: the summary is back, the hint too
	if l := lastLine(m.Screen()); strings.Contains(l, "No public follow-up") || !strings.Contains(l, "feeds 1 ok") || !strings.Contains(l, "? help") {
		t.Fatalf("after the log: %q", l)
	}
	// an error seen by a key pressed later (not at once: typing on)
	m.Press(key("f"))
	m.Press(key("j"))
	if l := lastLine(m.Screen()); !strings.Contains(l, "No public follow-up") {
		t.Fatalf("a key pressed at once hid the error: %q", l)
	}
	clk.Advance(3 * time.Second)
	m.Press(key("k"))
	if l := lastLine(m.Screen()); strings.Contains(l, "No public follow-up") {
		t.Fatalf("the error stayed after it was seen: %q", l)
	}
}

// An empty inbox with a failing feed says so, with the feed's error, and
// not "Inbox zero" (the issue: a broken feed looked like a quiet day).
func TestEmptyQueueShowsBrokenFeed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "feed moved", http.StatusGone)
	}))
	defer srv.Close()
	st, err := store.Open(t.TempDir()+"/e.db", store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	f := rss.New(rss.Options{Name: "alerts", URL: srv.URL, Brand: "Northwind"})
	eng := engine.New(engine.Options{Store: st, Feeds: []engine.Feed{{Source: f, Network: "rss", Account: "alerts", Brand: "Northwind"}}})
	if r := eng.PollOnce(context.Background()); r[0].Err == nil {
		t.Fatal("the feed did not fail")
	}
	m, err := tui.New(tui.Deps{Engine: eng, Mono: true})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	m.Start(100, 30)
	s := m.Screen()
	if strings.Contains(s, "Inbox zero") || !strings.Contains(s, "new posts may not arrive") || !strings.Contains(s, "HTTP 410") {
		t.Fatalf("empty queue with a broken feed:\n%s", s)
	}
}
