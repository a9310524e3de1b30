package tui_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hark-tui/hark/app"
	"github.com/hark-tui/hark/app/apptest"
	"github.com/hark-tui/hark/internal/pgtest"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/store/pg"
	"github.com/hark-tui/hark/team"
	"github.com/hark-tui/hark/tui"
)

var (
	jane = social.Actor{Name: "Jane Doe", Initials: "JD"}
	ade  = social.Actor{Name: "Ade Kim", Initials: "AK"}
)

// teamModel is an operator's session on a shared registry, at 120×40 with
// the list loaded (the same first conversation open in every session).
func teamModel(t *testing.T, d tui.Deps, s *team.Session) *tui.Model {
	t.Helper()
	d.Team, d.Agent, d.Initials, d.Mono = s, s.Actor().Name, s.Actor().Initials, true
	m, err := tui.New(d)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(); s.Close() })
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m.LoadNow()
	return m
}

// until applies the session's team events until its screen shows want.
func until(t *testing.T, m *tui.Model, want string) string {
	t.Helper()
	teamUntil(t, m, 10*time.Second, m.TeamEvent, func() bool { return strings.Contains(m.Screen(), want) },
		func() string { return fmt.Sprintf("the screen never showed %q", want) })
	return m.Screen()
}

// teamUntil applies m's team messages with next (m.TeamEvent or
// m.TeamNext) until done holds, waiting d at the most; else t fails with
// never() and the screen.
func teamUntil(t *testing.T, m *tui.Model, d time.Duration, next func(time.Duration) bool, done func() bool, never func() string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !done() {
		if time.Now().After(deadline) || !next(time.Until(deadline)) {
			t.Fatalf("%s:\n%s", never(), m.Screen())
		}
	}
}

// Two operators in one process: a claim shows in the other's queue row and
// conversation, a second reply is warned and can take over (the first is
// told), a send refused because of the claim asks first and is recorded as
// claimed-over, and esc releases.
func TestTeamClaimsInTheTUI(t *testing.T) {
	a, _ := demoApp(t)
	reg := team.New(a.Engine, team.Options{})
	d := a.TUIDeps("test", nil)
	jd := teamModel(t, d, reg.Join(t.Context(), jane, nil))
	ak := teamModel(t, d, reg.Join(t.Context(), ade, nil))

	until(t, ak, "2 online: JD·all AK·all")
	// who am I: each session's status line names its operator
	if l := lastLine(ak.Screen()); !strings.Contains(l, "you: AK · ? help") {
		t.Fatalf("AK's status line: %q", l)
	}
	if l := lastLine(jd.Screen()); !strings.Contains(l, "you: JD · ? help") {
		t.Fatalf("JD's status line: %q", l)
	}
	ak.Update(key("?"))
	for i := 0; i < 20 && !strings.Contains(ak.Screen(), "JD is replying: r, R, c or B asks"); i++ {
		ak.Update(key(" ")) // page down
	}
	if scr := ak.Screen(); !strings.Contains(scr, "JD is replying: r, R, c or B asks") {
		t.Fatalf("team help missing:\n%s", scr)
	}
	ak.Update(key("q"))
	jd.Update(key("r"))
	scr := until(t, ak, "JD is replying")
	if !strings.Contains(scr, "★✎JD @d.whitfield") {
		t.Fatalf("the queue row does not show JD's claim:\n%s", scr)
	}

	// AK starts a reply anyway: warned, and n leaves JD's claim alone
	ak.Update(key("r"))
	if scr := ak.Screen(); !strings.Contains(scr, "Someone is already replying") || !strings.Contains(scr, "JD on #9") {
		t.Fatalf("no warning for a second reply:\n%s", scr)
	}
	ak.Update(key("n"))
	if c, ok := reg.ClaimOf("9"); !ok || !c.Holder.Same(jane) {
		t.Fatalf("after n the claim is %+v (%v), want JD's", c, ok)
	}
	if scr := ak.Screen(); strings.Contains(scr, "public reply · ctrl+s") {
		t.Fatalf("n opened the composer anyway:\n%s", scr)
	}

	// y takes it over, and JD is told at once
	ak.Update(key("r"))
	ak.Update(key("y"))
	if c, ok := reg.ClaimOf("9"); !ok || !c.Holder.Same(ade) {
		t.Fatalf("after y the claim is %+v (%v), want AK's", c, ok)
	}
	until(t, jd, "AK took over #9")

	// JD sends anyway: refused, asked, sent on y, recorded as claimed-over
	for _, r := range "Sorry Dana" {
		jd.Update(key(string(r)))
	}
	_, send := jd.Update(key("ctrl+s"))
	jd.Update(run(t, send))
	if scr := jd.Screen(); !strings.Contains(scr, "AK holds #9") {
		t.Fatalf("a send on AK's claim was not refused with a question:\n%s", scr)
	}
	_, force := jd.Update(key("y"))
	jd.Update(run(t, force))
	entries, err := a.Store.Outbox(context.Background(), func(e store.OutboxEntry) bool { return e.Reply.ConvID == "9" })
	if err != nil || len(entries) != 1 || !entries[0].Reply.By.Same(jane) || !strings.HasPrefix(entries[0].Reply.Text, "Sorry Dana") {
		t.Fatalf("outbox for #9: %+v (%v), want JD's one reply", entries, err)
	}
	c := storedConv(t, a, "9")
	if last, ok := c.Last(social.ActClaimedOver); !ok || !last.By.Same(jane) || last.Note != "AK" {
		t.Fatalf("trail %+v has no claimed-over by JD over AK", c.Activity)
	}

	// esc releases AK's claim
	ak.Update(tea.KeyPressMsg{Code: tea.KeyEscape})
	if _, ok := reg.ClaimOf("9"); ok {
		t.Fatal("the claim outlived esc")
	}
}

// Solo (no serve) nothing of the team shows.
func TestSoloShowsNoTeam(t *testing.T) {
	a, _ := demoApp(t)
	m := newModel(t, a)
	defer m.Close()
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	m.LoadNow()
	m.Update(key("r"))
	if scr := m.Screen(); strings.Contains(scr, "online") || strings.Contains(scr, "✎") {
		t.Fatalf("solo screen shows team state:\n%s", scr)
	}
}

// run runs a Cmd that must answer at once (a send, not a timer).
func run(t *testing.T, cmd tea.Cmd) tea.Msg {
	t.Helper()
	if cmd == nil {
		t.Fatal("no command")
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	select {
	case msg := <-done:
		return msg
	case <-time.After(5 * time.Second):
		t.Fatal("the command did not answer")
		return nil
	}
}

// sharedApp opens the demo on the PostgreSQL database (a process of its
// own: pool, engine, listener) and runs its engine and team registry.
func sharedApp(t *testing.T, dsn string, poll bool) (*app.App, *team.Registry) {
	t.Helper()
	a, _ := apptest.Demo(t, apptest.Options{Store: dsn, Now: func() time.Time { return apptest.Start }, Kind: "serve", Poll: poll})
	reg := team.New(a.Engine, team.Options{Beat: 100 * time.Millisecond, TTL: time.Second})
	apptest.RunShared(t, a, reg)
	return a, reg
}

// untilShared applies the session's team messages until its screen shows
// want.
func untilShared(t *testing.T, m *tui.Model, want string) string {
	t.Helper()
	teamUntil(t, m, 10*time.Second, m.TeamNext, func() bool { return strings.Contains(m.Screen(), want) },
		func() string { return fmt.Sprintf("the screen never showed %q", want) })
	return m.Screen()
}

// untilPresence applies the session's team messages until the status
// line's presence part says want (a "joined" message may stand over it on
// the screen: the test's frozen clock never lets it expire).
func untilPresence(t *testing.T, m *tui.Model, want string) {
	t.Helper()
	teamUntil(t, m, 10*time.Second, m.TeamNext, func() bool { return strings.Contains(m.Presence(), want) },
		func() string { return fmt.Sprintf("presence never said %q (it says %q)", want, m.Presence()) })
}

// Two operators on two processes sharing one database: the claim is a
// database write made off the UI loop (r opens the composer once it is
// answered), the other process's screen shows it by itself, a second reply
// is warned with the holder's name, and y takes it over (told to JD).
func TestSharedTeamInTheTUI(t *testing.T) {
	dsn := pgtest.DB(t, "hark_tmpl", func(dsn string) error { return pg.Migrate(context.Background(), dsn) })
	aa, ra := sharedApp(t, dsn, true)
	ab, rb := sharedApp(t, dsn, false)
	if !ra.Shared() || !rb.Shared() {
		t.Fatal("registries on PostgreSQL are not shared")
	}
	jd := teamModel(t, aa.TUIDeps("test", nil), ra.Join(t.Context(), jane, nil))
	ak := teamModel(t, ab.TUIDeps("test", nil), rb.Join(t.Context(), ade, nil))
	untilPresence(t, ak, "2 online: JD·all AK·all")
	untilPresence(t, jd, "2 online: JD·all AK·all")

	jd.Update(key("r"))
	if scr := jd.Screen(); strings.Contains(scr, "public reply · ctrl+s") {
		t.Fatalf("the composer opened before the claim was answered:\n%s", scr)
	}
	untilShared(t, jd, "public reply · ctrl+s")
	scr := untilShared(t, ak, "JD is replying")
	if !strings.Contains(scr, "✎JD") {
		t.Fatalf("AK's queue row does not show JD's claim:\n%s", scr)
	}

	ak.Update(key("r"))
	untilShared(t, ak, "Someone is already replying")
	if scr := ak.Screen(); !strings.Contains(scr, "JD on #9") {
		t.Fatalf("the warning does not name the holder:\n%s", scr)
	}
	ak.Update(key("y"))
	untilShared(t, ak, "public reply · ctrl+s")
	untilShared(t, jd, "AK took over #9")
	if c, ok := ra.ClaimOf("9"); !ok || !c.Holder.Same(ade) {
		t.Fatalf("JD's process sees the claim as %+v %v, want AK's", c, ok)
	}
	ak.Update(tea.KeyPressMsg{Code: tea.KeyEscape})
	teamUntil(t, jd, 10*time.Second, jd.TeamNext, func() bool { return !strings.Contains(jd.Screen(), "✎AK") },
		func() string { return "AK's esc never reached JD's screen" })
}
