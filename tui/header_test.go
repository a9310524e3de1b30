package tui_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hark-tui/hark/social"
)

// The header counts follow the brand filter; W goes back to the previous
// view, brand and search; a reply says the conversation moves to pending.
func TestHeaderBackAndReplyFlash(t *testing.T) {
	a, m, _ := promptModel(t)
	// the second brand's own counts
	brand := a.Cfg.Brands[1].Name
	var want [4]int
	if err := a.Store.ForEachConv(context.Background(), func(c social.Conversation) bool {
		if c.Brand == brand {
			switch c.State {
			case social.StateNew, social.StateOpen:
				want[0]++
			case social.StatePending:
				want[1]++
			case social.StateSnoozed:
				want[2]++
			case social.StateResolved:
				want[3]++
			}
		}
		return true
	}); err != nil {
		t.Fatal(err)
	}
	all, _ := a.Store.Counts(context.Background())
	if all == want {
		t.Fatal("the brand has every conversation: no test")
	}
	m.Press(key("2"))
	h := header(m.Screen())
	if w := fmt.Sprintf("inbox %d  pending %d  snoozed %d  resolved %d", want[0], want[1], want[2], want[3]); !strings.Contains(h, w) {
		t.Fatalf("header %q, want %q", h, w)
	}
	// view, search, then back twice
	m.Press(key("w"))
	m.Press(key("/"))
	m.Press(typed("stranded")...)
	m.Press(key("enter"))
	for _, want := range []string{"hark · pending · " + brand + " ", "hark · inbox · " + brand + " ", "hark · inbox · all brands "} {
		m.Press(key("W"))
		if h := header(m.Screen()); !strings.Contains(h+" ", want) || strings.Contains(h, "/stranded") {
			t.Fatalf("back: %q, want %q", h, want)
		}
	}
	// a reply (sent at once: no undo window here)
	m.Press(key("r"))
	m.Press(typed("On it")...)
	m.Press(key("ctrl+s"))
	if s := m.Screen(); !strings.Contains(s, "moves to pending") {
		t.Fatalf("the reply does not say where the conversation goes:\n%s", s)
	}
}
