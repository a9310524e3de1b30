package tui_test

import (
	"context"
	"github.com/hark-tui/hark/internal/pgtest"
	"os"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/hark-tui/hark/app"
	"github.com/hark-tui/hark/app/apptest"
	"github.com/hark-tui/hark/internal/testkit"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/tui"
)

// start is a Monday morning, so every demo brand is within business hours.
var start = time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)

func TestMain(m *testing.M) {
	time.Local = time.UTC
	code := m.Run()
	pgtest.StopShared()
	os.Exit(code)
}

func demoApp(t *testing.T) (*app.App, *testkit.Clock) {
	t.Helper()
	clk := testkit.NewClock(start)
	a, _ := apptest.Demo(t, apptest.Options{Now: clk.Now, Poll: true})
	return a, clk
}

func newModel(t *testing.T, a *app.App) *tui.Model {
	t.Helper()
	return newModelSet(t, a, nil)
}

// newModelSet is newModel with its deps changed by set first.
func newModelSet(t *testing.T, a *app.App, set func(*tui.Deps)) *tui.Model {
	t.Helper()
	d := a.TUIDeps("test", nil)
	d.Mono = true
	d.Bell = false
	d.UndoSend = 0 // the test clock stands still: a held reply would never go
	if set != nil {
		set(&d)
	}
	m, err := tui.New(d)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// startModel is newModel driven without a program (Press, Screen) at a
// w×h screen, closed when the test ends.
func startModel(t *testing.T, a *app.App, w, h int) *tui.Model {
	t.Helper()
	m := newModel(t, a)
	t.Cleanup(m.Close)
	m.Start(w, h)
	return m
}

// runModel runs newModel in a test program at a w×h terminal and waits
// for its first screen to show want.
func runModel(t *testing.T, a *app.App, w, h int, want ...string) *teatest.TestModel {
	t.Helper()
	tm := teatest.NewTestModel(t, newModel(t, a), teatest.WithInitialTermSize(w, h))
	waitScreen(t, tm, want...)
	return tm
}

func screen(m tea.Model) string {
	if w, ok := m.(*watched); ok {
		m = w.Model
	}
	return ansi.Strip(m.(*tui.Model).View().Content)
}

func waitScreen(t *testing.T, tm *teatest.TestModel, want ...string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		s := ansi.Strip(string(b))
		for _, w := range want {
			if !strings.Contains(s, w) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(15*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

func TestFirstScreen(t *testing.T) {
	for _, size := range []struct {
		name string
		w, h int
	}{{"120x40", 120, 40}, {"80x24", 80, 24}} {
		t.Run(size.name, func(t *testing.T) {
			a, _ := demoApp(t)
			tm := runModel(t, a, size.w, size.h, "priority")
			tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
			fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second))
			out := screen(fm)
			lines := strings.Split(out, "\n")
			if len(lines) != size.h {
				t.Fatalf("screen has %d lines, want %d", len(lines), size.h)
			}
			for i, l := range lines {
				if w := ansi.StringWidth(l); w > size.w {
					t.Fatalf("line %d is %d cells wide (> %d): %q", i, w, size.w, l)
				}
			}
			teatest.RequireEqualOutput(t, []byte(out))
		})
	}
}

func TestResize(t *testing.T) {
	a, _ := demoApp(t)
	tm := runModel(t, a, 120, 40, "priority")
	tm.Send(tea.WindowSizeMsg{Width: 80, Height: 24})
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second))
	lines := strings.Split(screen(fm), "\n")
	if len(lines) != 24 {
		t.Fatalf("after resize: %d lines", len(lines))
	}
	for _, l := range lines {
		if ansi.StringWidth(l) > 80 {
			t.Fatalf("line wider than 80 after resize: %q", l)
		}
	}
}

// A whole answer with the keyboard alone: open the top conversation, pick a
// canned answer, send; the reply shows in the thread and the outbox says sent.
func TestScriptedReply(t *testing.T) {
	a, _ := demoApp(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	top, err := a.Store.Top(context.Background(), store.ViewActionable, 1, nil)
	if err != nil || len(top) == 0 {
		t.Fatal("empty queue")
	}
	conv := top[0]
	// no SLA notifications: on a slow run (over slaScanEvery) one took the
	// status line that the final screen is checked for
	m := watch(newModelSet(t, a, func(d *tui.Deps) { d.Notify = "off" }))
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))
	waitScreen(t, tm, "priority")
	go a.Engine.Run(ctx) // delivery worker
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	// keys are handled in order, so no waiting between them
	tm.Send(tea.KeyPressMsg{Code: 'c', Text: "c"})
	tm.Type("stranded")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	tm.Send(tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl})
	// the renderer writes only what changed, so wait on the outbox, not the bytes
	var ob []store.OutboxEntry
	if !testkit.Poll(10*time.Second, func() bool {
		ob, _ = a.Store.Outbox(context.Background(), nil)
		return len(ob) == 1 && ob[0].State == store.OutSent
	}) {
		t.Fatalf("reply not delivered: %+v", ob)
	}
	// the delivery event reaches the model: its status line confirms it
	m.waitText(t, "Reply sent to "+conv.Contact.Handle)
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second))
	out := screen(fm)

	posts, _ := a.Store.Posts(context.Background(), conv.ID)
	last := posts[len(posts)-1]
	if last.Kind != social.KindOwn {
		t.Fatalf("last post of the conversation is not our reply: %+v", last)
	}
	name := conv.Contact.Name()
	if !strings.Contains(last.Text, strings.Fields(name)[0]) {
		t.Fatalf("canned answer does not address %q: %q", name, last.Text)
	}
	if !strings.HasSuffix(last.Text, "^DO") {
		t.Fatalf("signature missing: %q", last.Text)
	}
	ob, _ = a.Store.Outbox(context.Background(), nil)
	if len(ob) != 1 || ob[0].State != store.OutSent {
		t.Fatalf("outbox %+v", ob)
	}
	// the answered conversation left the inbox: the next one is open and
	// the status line confirms the delivery
	if !strings.Contains(out, "Reply sent to "+conv.Contact.Handle) {
		t.Fatalf("no delivery confirmation:\n%s", out)
	}
	if strings.Contains(out, "#"+conv.ID+" ·") {
		t.Fatalf("the answered conversation is still open instead of the next one:\n%s", out)
	}
}

func TestHostilePostIsInert(t *testing.T) {
	a, _ := demoApp(t)
	evil := social.Post{
		Network: social.Demo, Account: "skylark", Brand: "Skylark Air", RemoteID: "evil-1", Kind: social.KindMention,
		Author:    social.Author{Handle: "@evil\u202e\u200bgnp.exe", DisplayName: "\x1b]0;pwned\x07Evil\u202eAdmin"},
		Text:      "stranded!! \x1b[2J\x1b]52;c;SGVsbG8=\x07 \u009b31m \x1b]8;;https://evil.example\x07click\x1b]8;;\x07 \x90qDCS\x1b\\ \x1b[31mred",
		CreatedAt: start.Add(time.Minute),
	}
	if _, err := a.Store.Ingest(context.Background(), "", "", []social.Post{evil}, nil, start); err != nil {
		t.Fatal(err)
	}
	c, err := a.Store.ConvByRoot(context.Background(), evil.Key())
	if err != nil {
		t.Fatal(err)
	}
	// make it the top so it is open on the first screen
	if _, err := a.Store.UpdateConv(context.Background(), c.ID, func(c *social.Conversation) error { c.Priority = 100; return nil }); err != nil {
		t.Fatal(err)
	}
	tm := runModel(t, a, 120, 40, "stranded!!")
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second))
	v := fm.(*tui.Model).View()
	raw := v.Content
	for _, bad := range []string{"\x1b]", "\x1b[2J", "\x1bP", "\u009b", "\u0090", "\u202e", "\u200b", "\a"} {
		if strings.Contains(raw, bad) || strings.Contains(v.WindowTitle, bad) {
			t.Errorf("hostile %q reached the screen", bad)
		}
	}
	// our own styling is the only SGR left: the post's "\x1b[31m" must be gone
	if strings.Contains(raw, "\x1b[31m") {
		t.Error("the post's SGR reached the screen")
	}
	if !strings.Contains(ansi.Strip(raw), "stranded!!") {
		t.Error("the post's text is missing")
	}
	// the handle is shown with its tricks made visible, not dropped
	if !strings.Contains(ansi.Strip(raw), "@evil⟨RLO⟩") {
		t.Errorf("handle not shown with its bidi override marked:\n%s", ansi.Strip(raw))
	}
}

// A draft is saved a second after the last keystroke, so quitting (or a
// crash) loses nothing; a new hark shows it again.
func TestDraftSurvivesRestart(t *testing.T) {
	a, _ := demoApp(t)
	top, _ := a.Store.Top(context.Background(), store.ViewActionable, 1, nil)
	id := top[0].ID
	tm := runModel(t, a, 120, 40, "priority")
	tm.Send(tea.KeyPressMsg{Code: 'r', Text: "r"})
	tm.Type("Half a reply")
	if !testkit.Poll(5*time.Second, func() bool {
		d, _ := a.Store.Draft(context.Background(), id)
		return d == "Half a reply"
	}) {
		t.Fatal("draft not saved within the debounce")
	}
	tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}) // quit without esc
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))

	m2 := newModel(t, a)
	tm2 := teatest.NewTestModel(t, m2, teatest.WithInitialTermSize(120, 40))
	waitScreen(t, tm2, "draft: Half a reply")
	tm2.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	tm2.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}
