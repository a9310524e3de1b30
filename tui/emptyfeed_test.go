package tui_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/feeds/rss"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/tui"
)

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
