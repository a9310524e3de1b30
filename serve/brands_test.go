package serve_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/internal/testkit"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
)

// An operator with brands: sees and answers only those (issue 15): their
// queue, brand keys and stats view hold no other brand's customer, and the
// engine refuses their handle a reply or a change to another brand's
// conversation; an operator without brands: sees them all.
func TestOperatorBrandsAreEnforced(t *testing.T) {
	ms := newTeam(t, "JD", "AK")
	ms[0].op.Brands = []string{"Petal & Stem"}
	e := startTeam(t, ms, nil, nil)

	jd := openTerm(t, mustDial(t, e, "op", ms[0].key), 120, 40)
	ak := openTerm(t, mustDial(t, e, "op", ms[1].key), 120, 40)
	jd.waitText("priority")
	ak.waitText("priority")
	on := sessions(t, e, 2)

	// the screen: Petal & Stem's rows only (rows carry the brand's
	// initials: PS), where AK sees the other brands too
	s := jd.waitText("PS DE")
	for _, other := range []string{"SA DE", "NE DE", "Skylark", "Northwind"} {
		if strings.Contains(s, other) {
			t.Errorf("JD (Petal & Stem only) sees %q:\n%s", other, s)
		}
	}
	ak.waitText("SA DE")

	// the brand keys: one brand
	markNow(jd)
	jd.send("2")
	jd.waitText("There is no brand 2 (1 configured)")

	// the stats view: no other brand
	markNow(jd)
	jd.send("s")
	st := jd.waitText("Petal & Stem")
	for _, other := range []string{"Skylark", "Northwind"} {
		if strings.Contains(st, other) {
			t.Errorf("JD's stats show %s:\n%s", other, st)
		}
	}

	// search: another brand's customers are not found; AK finds them
	jd.send("s") // closes the stats view
	for _, tm := range []*term{jd, ak} {
		markNow(tm)
		tm.send("/")
		tm.waitText("a phrase")
		tm.send("brand:skylark\r")
	}
	jd.waitText("Nothing in inbox matches /brand:skylark")
	ak.waitText("SA DE")

	// bulk: select all in JD's view (the search for Petal & Stem) and
	// resolve them: only Petal & Stem's conversations are touched
	markNow(jd)
	jd.send("/")
	jd.waitText("a phrase")
	jd.send("\x15brand:petal\r") // ctrl+u clears the old query first
	jd.waitText("PS DE")
	jd.send("Ve")
	var resolved map[string]int
	if !testkit.Poll(wait, func() bool {
		resolved = map[string]int{}
		e.a.Store.ForEachConv(context.Background(), func(c social.Conversation) bool {
			if c.State == social.StateResolved {
				resolved[c.Brand]++
			}
			return true
		})
		return resolved["Petal & Stem"] > 1
	}) {
		t.Fatalf("JD's bulk resolve did nothing: %v\n%s", resolved, jd.screen())
	}
	if len(resolved) != 1 {
		t.Fatalf("JD's bulk resolve touched other brands: %v", resolved)
	}
	for _, other := range []string{"SA DE", "NE DE"} {
		if strings.Contains(jd.screen(), other) {
			t.Errorf("JD (Petal & Stem only) saw %q", other)
		}
	}

	// the engine: JD's handle refuses the other brands' conversations
	var skylark, petal string
	e.a.Store.ForEachConv(context.Background(), func(c social.Conversation) bool {
		switch {
		case c.Brand == "Skylark Air" && skylark == "":
			skylark = c.ID
		case c.Brand == "Petal & Stem" && petal == "":
			petal = c.ID
		}
		return true
	})
	op := on["JD"].Operator()
	var be *engine.BrandError
	if _, err := op.Reply(t.Context(), skylark, "hello from the wrong brand", engine.ReplyOptions{}); !errors.As(err, &be) || !strings.Contains(err.Error(), "Petal & Stem") {
		t.Fatalf("JD's reply to Skylark Air: %v, want a BrandError naming JD's brands", err)
	}
	if _, err := op.Resolve(t.Context(), skylark); !errors.As(err, &be) {
		t.Fatalf("JD resolves Skylark Air: %v", err)
	}
	if c, _ := e.a.Store.Conversation(context.Background(), skylark); c.State == social.StateResolved {
		t.Fatal("the refused resolve happened")
	}
	if _, err := op.SetState(t.Context(), petal, social.StateOpen); err != nil {
		t.Fatalf("JD reopens Petal & Stem: %v", err)
	}
	if _, err := on["AK"].Operator().Resolve(t.Context(), skylark); err != nil {
		t.Fatalf("AK (every brand) resolves Skylark Air: %v", err)
	}
	if out, _ := e.a.Store.Outbox(context.Background(), func(store.OutboxEntry) bool { return true }); len(out) != 0 {
		t.Fatalf("a refused reply reached the outbox: %+v", out)
	}
}

// markNow makes the next waits look only at what is written from now on.
func markNow(tm *term) {
	tm.mu.Lock()
	tm.mark = len(tm.out)
	tm.mu.Unlock()
}
