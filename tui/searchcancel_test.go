package tui

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hark-tui/hark/store"
)

// A key pressed while a search is being read cancels it: the key acts on
// the list as it was (it does not wait for the search), the search's
// context is cancelled and its late result is dropped.
func TestKeyCancelsRunningSearch(t *testing.T) {
	m, _ := bigModel(t, 3000)
	m.view = store.ViewAll
	m.Update(m.loadRefs()())
	m.Update(down)
	m.Update(down)
	before, rows := m.cursor, len(m.refs)

	cmd := m.applySearch("rebooking")
	if cmd == nil || !m.refsLoading {
		t.Fatal("the search did not start a read")
	}
	m.Update(down) // the next key, while the search runs
	if m.refsLoading || m.search != nil {
		t.Fatalf("the key waited for the search (loading %v, search %v)", m.refsLoading, m.search)
	}
	if m.cursor != before+1 || len(m.refs) != rows {
		t.Fatalf("cursor %d of %d rows, want %d of %d: the key did not act on the old list", m.cursor, len(m.refs), before+1, rows)
	}
	if !strings.Contains(m.View().Content, "Search cancelled") {
		t.Error("no word that the search was cancelled")
	}
	msg := cmd() // the search's Cmd, finishing late
	if r, ok := msg.(refsMsg); !ok || !errors.Is(r.err, context.Canceled) {
		t.Fatalf("the search ran on: %#v", msg)
	}
	m.Update(msg)
	if len(m.refs) != rows || m.search != nil {
		t.Fatalf("the cancelled search's result was taken: %d rows", len(m.refs))
	}
}
