package tui_test

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/hark-tui/hark/store"
)

// P writes a status post for the brand in view (signed), S lists it with
// its link once sent, e resolves it with a follow-up threaded under it.
func TestStatusPostFromTheTUI(t *testing.T) {
	a, _ := demoApp(t)
	tm := runModel(t, a, 120, 40, "priority")
	tm.Send(key("3")) // Northwind
	tm.Send(key("P"))
	waitScreen(t, tm, "Status post · Northwind Energy", "[x] demo/northwind")
	tm.Type("We know about the outage in Millbrook; ")
	tm.Send(tea.PasteMsg{Content: "crews are on it."}) // pasted text lands in the status post
	tm.Send(key("ctrl+s"))
	waitScreen(t, tm, "queued on 1 account")
	sts, err := store.Statuses(context.Background(), a.Store, "Northwind Energy", 0)
	if err != nil || len(sts) != 1 || !strings.HasPrefix(sts[0].Text, "We know about the outage in Millbrook; crews are on it.") || !strings.HasSuffix(sts[0].Text, "^DO") || sts[0].Items[0].State != store.OutQueued {
		t.Fatalf("statuses %+v %v", sts, err)
	}
	tm.Send(key("S"))
	waitScreen(t, tm, "Status posts · Northwind Energy", "queued")
	a.Engine.Deliver(context.Background()) // the open list follows the delivery
	waitScreen(t, tm, "demo-status-1")
	tm.Send(key("e"))
	waitScreen(t, tm, "Resolve status "+sts[0].ID)
	tm.Type("Power is back in Millbrook.")
	tm.Send(key("ctrl+s"))
	waitScreen(t, tm, "resolved: follow-up queued")
	sts, _ = store.Statuses(context.Background(), a.Store, "Northwind Energy", 0)
	if !sts[0].Resolved || sts[0].Items[0].Follow == 0 {
		t.Fatalf("not resolved: %+v", sts[0])
	}
	e, _ := a.Store.OutboxEntry(context.Background(), sts[0].Items[0].Follow)
	if e.Reply.To.RemoteID != sts[0].Items[0].RemoteID {
		t.Fatalf("follow-up answers %q, want the status %q", e.Reply.To.RemoteID, sts[0].Items[0].RemoteID)
	}
	tm.Send(key("ctrl+c"))
	tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second))
}
