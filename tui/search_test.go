package tui_test

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/hark-tui/hark/tui"
)

func header(s string) string { return strings.SplitN(s, "\n", 2)[0] }

// search types q on a new search line and applies it.
func search(m *tui.Model, q string) {
	m.Press(key("/"))
	m.Press(typed(q)...)
	m.Press(key("enter"))
}

// Search: a new / starts empty (↑ brings the old query back), esc in the
// queue clears the filter, an empty result shows no conversation but "no
// match", and from: takes part of a handle.
func TestSearchFlow(t *testing.T) {
	_, m, top := promptModel(t)
	name := top.Contact.Name()

	search(m, "stranded")
	if h := header(m.Screen()); !strings.Contains(h, "/stranded") {
		t.Fatalf("search not applied: %s", h)
	}
	// the query stands apart from the counts, where the full counts would
	// leave one space ("/is:vip inbox 19" at 80 columns)
	search(m, "is:vip")
	for w := 70; w <= 120; w++ {
		m.Update(tea.WindowSizeMsg{Width: w, Height: 40})
		if h := header(m.Screen()); !strings.Contains(h, "/is:vip  ") {
			t.Fatalf("at %d columns the query runs into the counts: %q", w, h)
		}
	}
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	// a second search replaces the first
	search(m, "from:whitf")
	s := m.Screen()
	if h := header(s); !strings.Contains(h, "/from:whitf") || strings.Contains(h, "stranded") {
		t.Fatalf("the new query was glued to the old one: %s", h)
	}
	if !strings.Contains(s, "@d.whitfield@mastodon.social") {
		t.Fatalf("from: with part of the handle found nothing:\n%s", s)
	}
	// ↑ brings the search in force back, to edit it
	m.Press(key("/"), tea.KeyPressMsg{Code: tea.KeyUp})
	m.Press(typed(" -is:vip")...)
	m.Press(key("enter"))
	if h := header(m.Screen()); !strings.Contains(h, "/from:whitf -is:vip") {
		t.Fatalf("recall did not edit the query: %s", h)
	}
	// nothing matches: no conversation, "no match"
	search(m, "zzqxj")
	s = m.Screen()
	if strings.Contains(s, name) || !strings.Contains(s, "No match for /zzqxj") {
		t.Fatalf("an empty result still shows a conversation:\n%s", s)
	}
	// esc in the queue clears it
	m.Press(escKey)
	s = m.Screen()
	if h := header(s); strings.Contains(h, "/zzqxj") || !strings.Contains(h, "inbox") {
		t.Fatalf("esc did not clear the search: %s", h)
	}
	if !strings.Contains(s, name) {
		t.Fatalf("the inbox is not back:\n%s", s)
	}
}

// Leaving a search or going back lands where the operator was: clearing a
// search puts the cursor back on the conversation selected before the
// search began (the search moved it), W goes back to the view and the
// conversation selected there, and a new view starts at its top.
func TestSearchAndBackKeepThePlace(t *testing.T) {
	_, m, top := promptModel(t)
	m.Press(key("j"), key("j"), key("j"))
	was := m.SelectedID()
	if was == "" || was == top.ID {
		t.Fatalf("j did not move the cursor: %q (top %s)", was, top.ID)
	}
	search(m, "from:whitf")
	found := m.SelectedID()
	if found == "" || found == was {
		t.Fatalf("the search did not select its first result: %q", found)
	}
	m.Press(escKey) // clears the search
	if got := m.SelectedID(); got != was {
		t.Fatalf("after clearing the search the cursor is on #%s, want #%s (where it was before)", got, was)
	}
	// another view starts at its top; W comes back to the conversation
	m.Press(key("w"))
	if h := header(m.Screen()); !strings.Contains(h, "pending") {
		t.Fatalf("w did not switch to the pending view: %s", h)
	}
	m.Press(key("W"))
	if got := m.SelectedID(); got != was {
		t.Fatalf("after W the cursor is on #%s, want #%s", got, was)
	}
}
