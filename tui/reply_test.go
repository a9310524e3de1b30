package tui_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// The picker: only the conversation's brand's answers and generic ones;
// enter adds the answer to the reply a space apart; the choice is kept
// in the store, and the next similar post gets it first, saying why.
func TestPickerSpacingBrandAndHistory(t *testing.T) {
	a, m, top := promptModel(t)
	m.Press(key("r"))
	m.Press(typed("So sorry.")...)
	m.Press(escKey) // the draft stays
	m.Press(key("c"))
	ids, brands, _ := m.PickerOffers()
	if len(ids) == 0 {
		t.Fatal("no answer offered")
	}
	for i, b := range brands {
		if b != "" && b != top.Brand {
			t.Fatalf("%s's answer %s is offered for %s", b, ids[i], top.Brand)
		}
	}
	m.Press(key("enter"))
	text := m.ComposerText()
	if !strings.HasPrefix(text, "So sorry. ") || strings.HasPrefix(text, "So sorry.  ") {
		t.Fatalf("the answer is not a space apart from the draft: %q", text)
	}
	cs, err := a.Store.CannedChoices(context.Background())
	if err != nil || len(cs) != 1 {
		t.Fatalf("choices %v %v", cs, err)
	}
	var id string
	for k, c := range cs {
		id = k
		if c.Count != 1 || c.Words["cancellation"] != 1 {
			t.Fatalf("choice %s: %+v", k, c)
		}
	}
	// the next conversation about a cancellation: that answer first, why
	var next string
	_ = a.Store.ForEachConv(context.Background(), func(c social.Conversation) bool {
		if c.ID != top.ID && c.Brand == top.Brand && strings.Contains(strings.ToLower(c.Preview+strings.Join(c.Reasons, " ")), "cancel") {
			next = c.ID
		}
		return next == ""
	})
	if next == "" {
		t.Fatal("no other cancellation in the demo")
	}
	m.Press(escKey, escKey, key("#"))
	m.Press(typed(next)...)
	m.Press(key("enter"), key("c"))
	ids, _, whys := m.PickerOffers()
	for i := range ids {
		if ids[i] == id && i < 3 && strings.HasPrefix(whys[i], "used for 1 post about cancel") {
			return
		}
	}
	t.Fatalf("the answer chosen before (%s) is not among the first, with why: %v %v", id, ids[:3], whys[:3])
}

// A bulk reply shows every customer's text as it goes out before it is
// sent (no template), and an answer that asks for a value (the outage's
// restoration time) is not sent with the config's stale value: the
// operator types it, for a bulk reply and a single one alike.
func TestBulkPreviewAndAskedFields(t *testing.T) {
	a, m, _ := promptModel(t)
	m.Press(key("3"), key("*"), key("B"))
	if s := m.Screen(); !strings.Contains(s, "bulk: 5 selected, each in its own language") {
		t.Fatalf("the picker does not say it answers the selection:\n%s", s)
	}
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
