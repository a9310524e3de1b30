package tui_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/hark-tui/hark/app"
	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/internal/testkit"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/tui"
)

// openConv is the conversation open on m's screen (its "#ID" in the pane).
func openConv(t *testing.T, a *app.App, m *tui.Model) social.Conversation {
	t.Helper()
	top, err := a.Store.Top(context.Background(), store.ViewAll, 200, nil)
	if err != nil {
		t.Fatal(err)
	}
	scr := m.Screen()
	for _, c := range top {
		if c.Contact.Handle != "" && strings.Contains(scr, "#"+c.ID+" ·") {
			return c
		}
	}
	t.Fatalf("no open conversation on:\n%s", scr)
	return social.Conversation{}
}

// customerWrites stores a new post of c's customer, as a poll would.
func customerWrites(t *testing.T, a *app.App, c social.Conversation, id, text string, at time.Time) {
	t.Helper()
	ctx := context.Background()
	posts, err := a.Store.Posts(ctx, c.ID)
	if err != nil || len(posts) == 0 {
		t.Fatalf("posts of #%s: %v", c.ID, err)
	}
	root := posts[0]
	p := social.Post{Network: root.Network, Account: root.Account, Brand: root.Brand, RemoteID: id,
		Author: c.Contact, Text: text, CreatedAt: at, Kind: social.KindMention, ThreadRoot: root.RemoteID, ReplyTo: root.RemoteID,
		Direct: root.Direct}
	if _, err := a.Store.Ingest(ctx, "late", id, []social.Post{p}, nil, at); err != nil {
		t.Fatal(err)
	}
}

// convPane is the right-hand pane of a screen (the conversation and the
// composer), without the queue's previews.
func convPane(scr string) string {
	var b strings.Builder
	for _, l := range strings.Split(scr, "\n") {
		if i := strings.Index(l, "││"); i >= 0 {
			b.WriteString(l[i+len("││"):] + "\n")
		}
	}
	return b.String()
}

// storedConv is conversation conv as the store holds it now.
func storedConv(t *testing.T, a *app.App, conv string) social.Conversation {
	t.Helper()
	c, err := a.Store.Conversation(context.Background(), conv)
	if err != nil {
		t.Fatalf("conversation #%s: %v", conv, err)
	}
	return c
}

func repliesTo(t *testing.T, a *app.App, conv string) []store.OutboxEntry {
	t.Helper()
	all, err := a.Store.Outbox(context.Background(), func(e store.OutboxEntry) bool { return e.Reply.ConvID == conv })
	if err != nil {
		t.Fatal(err)
	}
	return all
}

// queuedLast checks that conv's replies are n, the last one starting
// with text, and returns the conversation as stored.
func queuedLast(t *testing.T, a *app.App, conv string, n int, text string) social.Conversation {
	t.Helper()
	got := repliesTo(t, a, conv)
	if len(got) != n || !strings.HasPrefix(got[n-1].Reply.Text, text) {
		t.Fatalf("want %d replies, the last %q…; queued %+v", n, text, got)
	}
	return storedConv(t, a, conv)
}

// writing is the demo at 80×24 (actions take effect at once) with the
// open conversation's composer holding text.
func writing(t *testing.T, text string) (*app.App, *testkit.Clock, *tui.Model, social.Conversation) {
	t.Helper()
	tui.Instant(t)
	a, clk := demoApp(t)
	m := startModel(t, a, 80, 24)
	c := openConv(t, a, m)
	m.Press(key("r"))
	m.Press(typed(text)...)
	return a, clk, m, c
}

// A post arrives while the operator writes: ctrl+s does not queue the
// reply but shows the new post (over the refreshed conversation) and
// asks; n goes back to the composer with the text intact; after another
// post, y queues it and the trail records who sent over what.
func TestSendOverANewPostAsksFirst(t *testing.T) {
	a, clk, m, c := writing(t, "Checking now")
	customerWrites(t, a, c, "late-1", "Hello?? My flight leaves in 2 hours", clk.Now().Add(time.Minute))
	m.Press(key("ctrl+s"))
	scr := m.Screen()
	if !strings.Contains(scr, "moved on while you wrote") || !strings.Contains(scr, "My flight leaves in 2 hours") {
		t.Fatalf("no question with the new post:\n%s", scr)
	}
	if n := len(repliesTo(t, a, c.ID)); n != 0 {
		t.Fatalf("%d replies queued over an unseen post", n)
	}
	teatest.RequireEqualOutput(t, []byte(scr)) // 80×24

	// n: back to the text, the new post in the conversation pane
	m.Press(key("n"))
	scr = m.Screen()
	if strings.Contains(scr, "moved on while you wrote") || !strings.Contains(scr, "Checking now") || !strings.Contains(scr, "ctrl+s send") {
		t.Fatalf("n did not return to the composer with the text:\n%s", scr)
	}
	if !strings.Contains(convPane(scr), "My flight leaves") {
		t.Fatalf("the conversation pane was not refreshed:\n%s", scr)
	}
	if n := len(repliesTo(t, a, c.ID)); n != 0 {
		t.Fatalf("n queued %d replies", n)
	}

	// another post; the first is seen now, so only the second is news
	customerWrites(t, a, c, "late-2", "Anyone there", clk.Now().Add(2*time.Minute))
	m.Press(key("ctrl+s"))
	scr = m.Screen()
	if !strings.Contains(scr, "Anyone there") {
		t.Fatalf("the second question:\n%s", scr)
	}
	if strings.Count(scr, "New post by") != 1 {
		t.Fatalf("the post already shown is news again:\n%s", scr)
	}
	m.Press(key("y"))
	after := queuedLast(t, a, c.ID, 1, "Checking now")
	if last, ok := after.Last(social.ActSentOverNews); !ok || last.Note != "1 new post" {
		t.Fatalf("trail %+v: no sent-over-news", after.Activity)
	}
	if strings.Contains(m.Screen(), "Checking now") {
		t.Fatalf("the composer kept the sent text:\n%s", m.Screen())
	}
}

// Another operator's reply queued while JD writes: JD's send shows it (who,
// what) and asks; esc goes back with the text; y then queues JD's reply
// over it, recorded in the trail. Nothing new: a send goes straight out.
func TestSendOverAnotherOperatorsReplyAsksFirst(t *testing.T) {
	a, _, m, c := writing(t, "Let me look")
	ak, err := a.Engine.As(ade).Reply(t.Context(), c.ID, "Rebooked you on the 14:05", engine.ReplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m.PumpEvents()
	m.Press(key("ctrl+s"))
	scr := m.Screen()
	if !strings.Contains(scr, "AK queued a reply") || !strings.Contains(scr, "Rebooked you on the 14:05") {
		t.Fatalf("AK's reply not shown:\n%s", scr)
	}
	m.Press(key("esc"))
	if scr := m.Screen(); !strings.Contains(scr, "Let me look") || strings.Contains(scr, "moved on") {
		t.Fatalf("esc did not return to the text:\n%s", scr)
	}
	if n := len(repliesTo(t, a, c.ID)); n != 1 {
		t.Fatalf("%d entries, want AK's alone", n)
	}
	// seen now: ctrl+s queues without asking
	m.Press(key("ctrl+s"))
	after := queuedLast(t, a, c.ID, 2, "Let me look")
	if _, ok := after.Last(social.ActSentOverNews); ok {
		t.Fatalf("a reply over news already seen was recorded as sent over news: %+v", after.Activity)
	}

	// again, but confirmed: y
	m.Press(key("r"))
	m.Press(typed("One more thing")...)
	ak2, err := a.Engine.As(ade).Reply(t.Context(), c.ID, "Seat 12A", engine.ReplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m.Press(key("ctrl+s"))
	if scr := m.Screen(); !strings.Contains(scr, "Seat 12A") || strings.Contains(scr, "Rebooked you") {
		t.Fatalf("the second question:\n%s", scr)
	}
	m.Press(key("y"))
	after = queuedLast(t, a, c.ID, 4, "One more thing")
	last, ok := after.Last(social.ActSentOverNews)
	if !ok || last.Note != fmt.Sprintf("reply #%d by AK (queued)", ak2.Seq) {
		t.Fatalf("trail %+v (AK's first reply was #%d)", after.Activity, ak.Seq)
	}
}
