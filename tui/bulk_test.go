package tui_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hark-tui/hark/store"
)

// A bulk reply shows every customer's text as it goes out before it is
// sent (no template), and an answer that asks for a value (the outage's
// restoration time) is not sent with the config's stale value: the
// operator types it, for a bulk reply and a single one alike.
func TestBulkPreviewAndAskedFields(t *testing.T) {
	a, m, _ := promptModel(t)
	m.Press(key("3"), key("*"), key("B"))
	m.Press(typed("out")...)
	m.Press(key("enter"))
	if s := m.Screen(); !strings.Contains(s, "Fill in before sending") || !strings.Contains(s, "restoration_estimate ›") || !strings.Contains(s, "usual value, not used unless typed: by 18:00 today") {
		t.Fatalf("not asked for the restoration time:\n%s", s)
	}
	m.Press(key("enter")) // nothing typed: refused, asked again
	if s := m.Screen(); !strings.Contains(s, "restoration_estimate is needed") || !strings.Contains(s, "restoration_estimate ›") {
		t.Fatalf("an empty value was taken:\n%s", s)
	}
	m.Press(typed("by 22:30 tonight")...)
	m.Press(key("enter"))
	if s := m.Screen(); !strings.Contains(s, "for @szpital.miejski: Hi Szpital") {
		t.Fatalf("the bulk composer does not show a customer's text:\n%s", s)
	}
	m.Press(key("ctrl+s"))
	s := m.Screen()
	if strings.Contains(s, "{{") || strings.Contains(s, "18:00") || !strings.Contains(s, "1/5  #") || !strings.Contains(s, "each text as sent") {
		t.Fatalf("the review is not each customer's text:\n%s", s)
	}
	// every text reachable by scrolling, each with its customer's name
	seen := map[string]bool{}
	for i := 0; i < 10; i++ {
		for _, l := range strings.Split(m.Screen(), "\n") {
			if j := strings.Index(l, "/5  #"); j > 0 {
				seen[l[j-1:j+8]] = true
			}
		}
		m.Press(key(" "))
	}
	if len(seen) != 5 {
		t.Fatalf("the review shows %d of 5 texts: %v", len(seen), seen)
	}
	m.Press(key("y"))
	ob, _ := a.Store.Outbox(context.Background(), nil)
	if len(ob) != 5 {
		t.Fatalf("%d replies queued", len(ob))
	}
	for _, e := range ob {
		if !strings.Contains(e.Reply.Text, "by 22:30 tonight") || strings.Contains(e.Reply.Text, "18:00") || e.State != store.OutQueued {
			t.Fatalf("sent %q", e.Reply.Text)
		}
	}
	// a single reply: asked too, the value in the composer
	m.Press(key("#"))
	m.Press(typed(strings.TrimPrefix(ob[0].Reply.ConvID, "#"))...)
	m.Press(key("enter"), key("c"))
	m.Press(typed("out")...)
	m.Press(key("enter"))
	m.Press(typed("within the hour")...)
	m.Press(key("enter"))
	if text := m.ComposerText(); !strings.Contains(text, "restoring supply: within the hour.") {
		t.Fatalf("composer: %q", text)
	}
}
