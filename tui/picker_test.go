package tui_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hark-tui/hark/social"
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
