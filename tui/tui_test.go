package tui_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/hark-tui/hark/app"
	"github.com/hark-tui/hark/app/apptest"
	"github.com/hark-tui/hark/internal/pgtest"
	"github.com/hark-tui/hark/internal/testkit"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/tui"
)

func TestMain(m *testing.M) { apptest.Main(m, pgtest.StopShared) }

// finalWait is how long a test program's end is awaited: a deadline, not
// a figure (under -race beside other packages on two cores, five seconds
// was within reach).
var finalWait = teatest.WithFinalTimeout(30 * time.Second)

func demoApp(t *testing.T) (*app.App, *testkit.Clock) {
	t.Helper()
	clk := testkit.NewClock(apptest.Start)
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
	return newModelWith(t, d)
}

func newModelWith(t *testing.T, d tui.Deps) *tui.Model {
	t.Helper()
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

func key(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "ctrl+s":
		return tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "ctrl+r":
		return tea.KeyPressMsg{Code: 'r', Mod: tea.ModCtrl}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}

// typed turns text into the key presses a terminal sends for it.
func typed(s string) []tea.KeyPressMsg {
	var out []tea.KeyPressMsg
	for _, r := range s {
		if r == ' ' {
			out = append(out, tea.KeyPressMsg{Code: tea.KeySpace, Text: " "})
			continue
		}
		out = append(out, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	return out
}

var escKey = tea.KeyPressMsg{Code: tea.KeyEscape}

// convStates is every conversation's state, snooze and note, by id.
func convStates(t *testing.T, st store.Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	if err := st.ForEachConv(context.Background(), func(c social.Conversation) bool {
		out[c.ID] = fmt.Sprintf("%s until=%s note=%q", c.State, c.SnoozedUntil.Format(time.RFC3339), c.SnoozeNote)
		return true
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// promptModel is a model at 120×40 with the top conversation open.
func promptModel(t *testing.T) (*app.App, *tui.Model, social.Conversation) {
	a, m, top, _ := clockModel(t)
	return a, m, top
}

func clockModel(t *testing.T) (*app.App, *tui.Model, social.Conversation, *testkit.Clock) {
	t.Helper()
	tui.Instant(t)
	a, clk := demoApp(t)
	m := startModel(t, a, 120, 40)
	top, err := a.Store.Top(context.Background(), store.ViewActionable, 1, nil)
	if err != nil || len(top) == 0 {
		t.Fatal("empty queue")
	}
	return a, m, top[0], clk
}

// watched wraps the model a teatest program runs so a test can wait for
// what the model shows: after every message the program hands it, the
// wrapper renders the screen and keeps it. Waiting on it is waiting for an
// event (a message handled), not for bytes on the terminal, which the
// renderer writes only where cells changed.
type watched struct {
	*tui.Model
	mu   sync.Mutex
	shot string
}

func watch(m *tui.Model) *watched { return &watched{Model: m} }

func (w *watched) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	m, cmd := w.Model.Update(msg)
	w.Model = m.(*tui.Model)
	s := ansi.Strip(w.Model.View().Content)
	w.mu.Lock()
	w.shot = s
	w.mu.Unlock()
	return w, cmd
}

// screen is the screen the model showed after the last message it handled.
func (w *watched) screen() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.shot
}

// waitFor waits until the model's screen passes ok.
func (w *watched) waitFor(t *testing.T, what string, ok func(screen string) bool) {
	t.Helper()
	if !testkit.Poll(15*time.Second, func() bool { return ok(w.screen()) }) {
		t.Fatalf("timed out after 15s waiting for %s; the screen:\n%s", what, w.screen())
	}
}

// waitText waits until the model's screen holds every want.
func (w *watched) waitText(t *testing.T, want ...string) {
	t.Helper()
	w.waitFor(t, "the screen to show "+strings.Join(want, ", "), func(s string) bool {
		for _, x := range want {
			if !strings.Contains(s, x) {
				return false
			}
		}
		return true
	})
}

// waitGolden waits until the model's screen is this test's golden screen:
// what loads asynchronously (search results, previews) has landed. If it
// never is, it returns at the deadline and the golden comparison that
// follows fails with the diff. With -update there is no golden to wait
// for yet: it waits for the screen to hold every want instead.
func (w *watched) waitGolden(t *testing.T, want ...string) {
	t.Helper()
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		w.waitText(t, want...)
		return
	}
	b, err := os.ReadFile(filepath.Join("testdata", t.Name()+".golden"))
	if err != nil {
		t.Fatal(err)
	}
	golden := string(b)
	testkit.Poll(15*time.Second, func() bool { return w.screen() == golden })
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
			fm := tm.FinalModel(t, finalWait)
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
	fm := tm.FinalModel(t, finalWait)
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
	// the delivery event reaches the model: its status line confirms it,
	// and the list reloaded after it (a Cmd of its own, which may land
	// after the confirmation) opens the next conversation
	m.waitFor(t, "the confirmation and the next conversation open", func(s string) bool {
		return strings.Contains(s, "Reply sent to "+conv.Contact.Handle) && !strings.Contains(s, "#"+conv.ID+" ·")
	})
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	fm := tm.FinalModel(t, finalWait)
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
		CreatedAt: apptest.Start.Add(time.Minute),
	}
	if _, err := a.Store.Ingest(context.Background(), "", "", []social.Post{evil}, nil, apptest.Start); err != nil {
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
	fm := tm.FinalModel(t, finalWait)
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

// A canned answer to a customer whose display name carries an OSC title,
// a bidi override and a zero-width space: the reply queued greets "EvilAdmin"
// (before, the title's body "]0;pwned" went out in the reply, only its ESC
// and BEL dropped), and nothing hostile reaches the screen on the way.
func TestHostileNameInACannedReply(t *testing.T) {
	tui.Instant(t)
	a, _ := demoApp(t)
	ctx := context.Background()
	evil := social.Post{
		Network: social.Demo, Account: "skylark", Brand: "Skylark Air", RemoteID: "evil-1", Kind: social.KindMention,
		Author:    social.Author{Handle: "evil", DisplayName: "Ev\x1b]0;pwned\x07il\u202eAdmin\u200b"},
		Text:      "stranded!!",
		CreatedAt: apptest.Start.Add(time.Minute),
	}
	if _, err := a.Store.Ingest(ctx, "", "", []social.Post{evil}, nil, apptest.Start); err != nil {
		t.Fatal(err)
	}
	c, err := a.Store.ConvByRoot(ctx, evil.Key())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Store.UpdateConv(ctx, c.ID, func(c *social.Conversation) error { c.Priority = 100; return nil }); err != nil {
		t.Fatal(err)
	}
	m := startModel(t, a, 120, 40)
	m.Press(key("c"), key("enter"))
	if raw := m.View().Content; strings.ContainsAny(raw, "\a\u202e\u200b") || strings.Contains(raw, "\x1b]") {
		t.Errorf("hostile bytes reached the screen:\n%q", raw)
	}
	m.Press(key("ctrl+s"))
	queuedLast(t, a, c.ID, 1, "Hi EvilAdmin, we're sorry you're stuck.")
}

// A handle is shown as written on its network, as the CLI prints it
// (app.Handle): Bluesky's and X's, stored without "@", with it; an RSS
// author (a site, not an account) as it is (it was shown "@www.reddit.com").
func TestHandlesAsWrittenOnTheirNetwork(t *testing.T) {
	a, _ := demoApp(t)
	ctx := context.Background()
	for i, p := range []social.Post{
		{Network: social.RSS, Account: "reddit", Author: social.Author{Handle: "www.reddit.com"}, Text: "skylark lost my bag says a thread"},
		{Network: social.Bluesky, Account: "skylark.bsky.social", Author: social.Author{Handle: "jonas.bsky.social"}, Text: "skylark where is my bag"},
	} {
		p.Brand, p.RemoteID, p.Kind, p.CreatedAt = "Skylark Air", fmt.Sprintf("h-%d", i), social.KindSearch, apptest.Start.Add(time.Minute)
		if _, err := a.Store.Ingest(ctx, "", "", []social.Post{p}, nil, apptest.Start); err != nil {
			t.Fatal(err)
		}
		c, err := a.Store.ConvByRoot(ctx, p.Key())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Store.UpdateConv(ctx, c.ID, func(c *social.Conversation) error { c.Priority = 100 - i; return nil }); err != nil {
			t.Fatal(err)
		}
		if got, want := app.Handle(p.Network, p.Author.Handle), map[int]string{0: "www.reddit.com", 1: "@jonas.bsky.social"}[i]; got != want {
			t.Errorf("app.Handle(%s) = %q, want %q", p.Network, got, want)
		}
	}
	m := startModel(t, a, 120, 40)
	scr := m.Screen()
	if !strings.Contains(scr, "@jonas.bsky.social") || !strings.Contains(scr, "www.reddit.com") {
		t.Fatalf("handles missing:\n%s", scr)
	}
	if strings.Contains(scr, "@www.reddit.com") {
		t.Errorf("an RSS author shown as an account:\n%s", scr)
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
	tm.WaitFinished(t, finalWait)

	m2 := newModel(t, a)
	tm2 := teatest.NewTestModel(t, m2, teatest.WithInitialTermSize(120, 40))
	waitScreen(t, tm2, "draft: Half a reply")
	tm2.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	tm2.WaitFinished(t, finalWait)
}

// Golden screens of the picker, the search line, the bulk confirmation and
// the stats view, at both sizes. Each script ends with ctrl+c, which quits
// from anywhere, so the overlay is on the final screen.
func TestOverlayScreens(t *testing.T) {
	scripts := []struct {
		name string
		keys []string
		text string // typed after the keys
		wait string // screen text to wait for before quitting
	}{
		{name: "picker", keys: []string{"c"}, text: "stra"},
		{name: "search", keys: []string{"/"}, text: "brand:sky is:vip"},
		{name: "search_results", keys: []string{"/"}, text: "sentiment:neg lang:es", wait: "Nov 23 08:43"}, // (the first result's post loaded)
		{name: "bulk", keys: []string{"3", "*", "B"}, text: "out", wait: "individual replies"},
		{name: "stats", keys: []string{"s"}, wait: "By brand"},
		{name: "help", keys: []string{"?"}},
	}
	for _, size := range []struct {
		name string
		w, h int
	}{{"120x40", 120, 40}, {"80x24", 80, 24}} {
		for _, sc := range scripts {
			t.Run(sc.name+"_"+size.name, func(t *testing.T) {
				a, _ := demoApp(t)
				// the test's clock stands still: a real-time tick (every
				// 5 s) on a slow run only adds an ambient SLA warning that
				// is not part of the screen under test
				d := a.TUIDeps("test", nil)
				d.Mono, d.Bell, d.UndoSend, d.Tick = true, false, 0, time.Hour
				m := watch(newModelWith(t, d))
				tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(size.w, size.h))
				waitScreen(t, tm, "priority")
				for _, k := range sc.keys {
					tm.Send(key(k))
				}
				if sc.text != "" {
					tm.Type(sc.text)
				}
				switch sc.name {
				case "search_results":
					tm.Send(key("enter"))
				case "bulk":
					tm.Send(key("enter"))
					// the outage answer asks for the restoration time
					tm.Type("by 22:30 tonight")
					tm.Send(key("enter"))
					tm.Send(key("ctrl+s"))
				}
				if sc.wait != "" {
					waitScreen(t, tm, sc.wait)
				}
				// what loads asynchronously (search results) lands
				m.waitGolden(t, sc.wait)
				tm.Send(key("ctrl+c"))
				fm := tm.FinalModel(t, finalWait)
				out := screen(fm)
				for i, l := range strings.Split(out, "\n") {
					if w := ansi.StringWidth(l); w > size.w {
						t.Fatalf("line %d is %d cells wide (> %d)", i, w, size.w)
					}
				}
				teatest.RequireEqualOutput(t, []byte(out))
			})
		}
	}
}

// A terminal narrower than two panes need (a phone's SSH session) shows
// one pane at a time, the whole width: the queue; enter, the
// conversation over the composer, whose hints say the way back; esc (or
// h, the vim key opposite l), the queue again. Each stage is a golden screen; the wheel scrolls the pane
// on screen.
func TestNarrowScreenShowsOnePane(t *testing.T) {
	tui.Instant(t)
	a, _ := demoApp(t)
	const w, h = 50, 20
	m := startModel(t, a, w, h)
	for _, st := range []struct {
		name string
		keys []string
		want []string // on the screen
		not  []string // not on it
	}{
		{"queue", nil, []string{"@d.whitfield@mastodon.social", "1/"}, []string{"priority"}},
		{"conversation", []string{"enter"}, []string{"priority", "esc queue", "Third cancellation"}, []string{"1/"}},
		{"composer", []string{"r"}, []string{"public reply", "Third cancellation"}, []string{"1/"}},
		{"queue_again", []string{"esc", "h"}, []string{"@d.whitfield@mastodon.social", "1/"}, []string{"priority"}}, // esc closes the composer, h (as esc) goes back
	} {
		t.Run(st.name, func(t *testing.T) {
			for _, k := range st.keys {
				m.Press(key(k))
			}
			out := m.Screen()
			lines := strings.Split(out, "\n")
			if len(lines) != h {
				t.Fatalf("%d lines, want %d", len(lines), h)
			}
			for i, l := range lines {
				if lw := ansi.StringWidth(l); lw != w {
					t.Fatalf("line %d is %d cells wide, want %d: %q", i, lw, w, l)
				}
			}
			for _, s := range st.want {
				if !strings.Contains(out, s) {
					t.Errorf("screen lacks %q:\n%s", s, out)
				}
			}
			for _, s := range st.not {
				if strings.Contains(out, s) {
					t.Errorf("screen shows %q:\n%s", s, out)
				}
			}
			teatest.RequireEqualOutput(t, []byte(out))
		})
	}
	// the wheel, at the same column, moves what is on screen
	wheel := func(x int) {
		_, cmd := m.Update(tea.MouseWheelMsg{X: x, Y: 8, Button: tea.MouseWheelDown})
		m.Drive(cmd)
	}
	m.Press(key("enter"))
	wheel(10)
	if s := m.UIState(); !strings.Contains(s, "cursor=0") {
		t.Errorf("the wheel over the conversation moved the hidden queue: %s", s)
	}
	m.Press(key("esc"))
	wheel(45)
	if s := m.UIState(); !strings.Contains(s, "cursor=1") {
		t.Errorf("the wheel over the queue did not move it: %s", s)
	}
}

// A terminal smaller than hark draws (40×12) is told so, in the cells it
// has: a frame cut by the terminal lost its status line and its borders.
// Made big enough again, the screen comes back as it was.
func TestTerminalTooSmall(t *testing.T) {
	tui.Instant(t)
	a, _ := demoApp(t)
	m := startModel(t, a, 80, 24)
	for _, size := range [][2]int{{80, 10}, {30, 6}, {39, 30}} {
		m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		out := ansi.Strip(m.View().Content)
		lines := strings.Split(out, "\n")
		if len(lines) != size[1] {
			t.Fatalf("%v: %d lines", size, len(lines))
		}
		for _, l := range lines {
			if w := ansi.StringWidth(l); w > size[0] {
				t.Fatalf("%v: a line %d wide: %q", size, w, l)
			}
		}
		if want := fmt.Sprintf("this one is %d×%d", size[0], size[1]); !strings.Contains(out, "at least 40×12") || !strings.Contains(out, want) {
			t.Fatalf("%v: no word of the size:\n%s", size, out)
		}
	}
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	if out := ansi.Strip(m.View().Content); !strings.Contains(out, "@d.whitfield@mastodon.social") || len(strings.Split(out, "\n")) != 24 {
		t.Fatalf("the screen did not come back:\n%s", out)
	}
}

// A conversation with a saved draft says so in its queue row: as soon as
// the draft is saved, after moving on, in a new session on the same store;
// the mark goes when the draft is sent (the reply's enqueue takes it) or
// emptied.
func TestDraftMarkedInQueue(t *testing.T) {
	a, m, top := promptModel(t)
	row := func(m *tui.Model) string { // the open conversation's row, both lines
		lines := strings.Split(m.Screen(), "\n")
		for i, l := range lines {
			if strings.Contains(l, " ★ @d.whitfield@mastodon.s") && i+1 < len(lines) { // the row, not the pane's header
				return l + "\n" + lines[i+1]
			}
		}
		t.Fatalf("no row of the top conversation:\n%s", m.Screen())
		return ""
	}
	if !strings.Contains(top.Contact.Handle, "d.whitfield") {
		t.Fatalf("the demo's top conversation is %s", top.Contact.Handle)
	}
	if strings.Contains(row(m), "✎ draft") {
		t.Fatal("a draft mark before any draft")
	}
	m.Press(key("r"))
	m.Press(typed("Half a reply")...)
	m.Press(escKey) // the composer closes, the draft is kept
	if r := row(m); !strings.Contains(r, "✎ draft · ") {
		t.Fatalf("no draft mark after esc:\n%s", r)
	}
	m.Press(key("j"), key("j"))
	if r := row(m); !strings.Contains(r, "✎ draft · ") {
		t.Fatalf("the mark went when the cursor moved on:\n%s", r)
	}
	// is:draft finds it, and it alone (the store's drafts, through the
	// index's search); esc takes the search off
	m.Press(key("/"))
	m.Press(typed("is:draft")...)
	m.Press(key("enter"))
	if s := m.Screen(); !strings.Contains(s, "/is:draft") || strings.Count(s, " DE ") != 1 || !strings.Contains(row(m), "✎ draft") {
		t.Fatalf("is:draft lists more or less than the one draft:\n%s", s)
	}
	m.Press(escKey)
	// a new session on the same store reads it
	m2 := startModel(t, a, 120, 40)
	if r := row(m2); !strings.Contains(r, "✎ draft · ") {
		t.Fatalf("a new session shows no draft mark:\n%s", r)
	}
	// sent: the enqueue took the draft; the engine's change reloads the marks
	m.Press(key("k"), key("k"), key("r"), key("ctrl+s"))
	m.PumpEvents()
	if d, _ := a.Store.Draft(t.Context(), top.ID); d != "" {
		t.Fatalf("the draft outlived its reply: %q", d)
	}
	m.Press(key("w"), key("w"), key("w"), key("w")) // the "all" view: the answered conversation is pending now
	if s := m.Screen(); strings.Contains(s, "✎ draft") {
		t.Fatalf("a draft mark after the reply was queued:\n%s", s)
	}
	// emptied: typed, then deleted, is no draft (m2 first takes the
	// engine's news of the reply, which drops that mark too)
	m2.PumpEvents()
	m2.Press(key("j"), key("r"))
	m2.Press(typed("x")...)
	m2.Press(tea.KeyPressMsg{Code: tea.KeyBackspace}, escKey)
	if s := m2.Screen(); strings.Contains(s, "✎ draft") {
		t.Fatalf("an emptied draft is marked:\n%s", s)
	}
}

// The engine's news that the answered conversation left the inbox can
// reach the screen before the send's own answer (a network that answers
// at once, no undo window): the composer still had the keys then, so the
// pane stayed; when the answer comes, hark goes on with the conversation
// now under the cursor, as when the news comes second. (Caught in a CI run
// of TestScriptedReply, where the demo feed answers at once.)
func TestSentAfterTheNewsMovesOn(t *testing.T) {
	a, m, top := promptModel(t)
	m.Press(key("enter"), key("r"))
	m.Press(typed("On it")...)
	_, cmd := m.Update(key("ctrl+s"))
	answer := m.Collect(cmd) // the reply is queued; its answer waits
	a.Engine.Deliver(t.Context())
	m.PumpEvents() // sent: pending, out of the inbox, while the composer has the keys
	if s := m.Screen(); !strings.Contains(s, "#"+top.ID+" ·") {
		t.Fatalf("the pane moved on before the send's answer:\n%s", s)
	}
	m.Feed(answer...)
	if s := m.Screen(); strings.Contains(s, "#"+top.ID+" ·") || !strings.Contains(s, "priority") {
		t.Fatalf("the answered conversation stays open after the send's answer:\n%s", s)
	}
	if s := m.UIState(); !strings.Contains(s, "focus=0") {
		t.Errorf("the queue does not have the keys (j moves on): %s", s)
	}
}
