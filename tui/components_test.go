package tui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// The `?` help is every binding wherever it is opened: the main table,
// then the components' own keys (the composer's first).
func TestHelpFromFocusChain(t *testing.T) {
	m := testModel(t, Deps{Engine: emptyEngine(t), Keys: map[string]string{"send": "ctrl+x"}})
	want := m.helpLines()
	if !slices.Equal(want[:len(m.km.allHelpLines())], m.km.allHelpLines()) {
		t.Errorf("help does not start with every binding")
	}
	for _, f := range []focus{fQueue, fConv, fComposer, fPicker} {
		m.focusOn(f)
		if got := m.helpLines(); !slices.Equal(got, want) {
			t.Errorf("focus %d: help\n%s\nwant\n%s", f, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	// the composer's send follows the configured key, in its keys and help
	if got := m.km.Local(composerKeys, "ctrl+x"); got != ActSend {
		t.Errorf("ctrl+x in the composer is %q, want send", got)
	}
	if got := m.km.Local(composerKeys, "ctrl+s"); got != "" {
		t.Errorf("ctrl+s in the composer is still %q after send was rebound", got)
	}
	if help := strings.Join(want, "\n"); !strings.Contains(help, "Composer\n  ctrl+x           send") {
		t.Errorf("composer help does not show the rebound key:\n%s", help)
	}
}

// Overlays stack: the top one takes the keys, closing it returns to the
// one under it, and the panes get keys again only when the stack is empty.
func TestOverlayStack(t *testing.T) {
	m := testModel(t, Deps{Engine: emptyEngine(t)})
	m.Update(m.loadRefs()())
	yes := 0
	m.Update(press("?"))
	m.push(&confirm{host: m, title: "Sure?", yes: func() tea.Cmd { yes++; return nil }})
	if _, ok := m.top().(*confirm); !ok || len(m.stack) != 2 {
		t.Fatalf("stack %T (%d), want confirm over help", m.top(), len(m.stack))
	}
	m.Update(press("y"))
	if _, ok := m.top().(*help); !ok || yes != 1 {
		t.Fatalf("after y: top %T, yes ran %d times", m.top(), yes)
	}
	m.Update(press("j")) // the help scrolls; the queue does not move
	if o := m.top().(*help); o.off != 1 {
		t.Fatalf("help offset %d after j", o.off)
	}
	m.Update(press("esc"))
	if len(m.stack) != 0 {
		t.Fatalf("%d overlays left after esc", len(m.stack))
	}
}

func press(s string) tea.KeyPressMsg {
	switch s {
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}

// The stats overlay scrolls like the help: at 80×24 the report is longer
// than the screen, and j brings its last lines into view.
func TestStatsScroll(t *testing.T) {
	var report []string
	for i := range 40 {
		report = append(report, fmt.Sprintf("line %02d", i))
	}
	m := testModel(t, Deps{Engine: emptyEngine(t), Stats: func(context.Context, int) (string, error) {
		return strings.Join(report, "\n") + "\n", nil
	}})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m.Update(tea.KeyPressMsg{Code: 's', Text: "s"})
	o, ok := m.top().(*stats)
	if !ok {
		t.Fatalf("s opened %T", m.top())
	}
	m.Update(o.load()())
	screen := func() string { return ansi.Strip(m.View().Content) }
	if s := screen(); !strings.Contains(s, "line 00") || strings.Contains(s, "line 39") || !strings.Contains(s, "of 40") {
		t.Fatalf("the first screen of the report:\n%s", s)
	}
	for range 40 {
		m.Update(tea.KeyPressMsg{Code: 'j', Text: "j"})
	}
	if s := screen(); !strings.Contains(s, "line 39") {
		t.Fatalf("j did not scroll to the end:\n%s", s)
	}
	m.Update(tea.KeyPressMsg{Code: tea.KeyEscape})
	if _, open := m.top().(*stats); open {
		t.Fatal("esc did not close the stats")
	}
}

// A prompt's hints break between their items instead of being cut: at 80
// columns the snooze prompt shows its last hint whole, on two lines.
func TestPromptHintsWrap(t *testing.T) {
	m := testModel(t, Deps{Engine: emptyEngine(t)})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	openSnooze(m.Common, m, "", func(time.Time, string, string) tea.Cmd { return nil })
	s := ansi.Strip(m.View().Content)
	for _, want := range []string{"or type: 3h · 45m", "(then a note after ';')", "until ›"} {
		if !strings.Contains(s, want) {
			t.Errorf("the snooze prompt at 80×24 lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "(then a…") {
		t.Errorf("a hint is cut:\n%s", s)
	}
}

func TestWrapHint(t *testing.T) {
	for _, tc := range []struct {
		name, hint string
		w          int
		want       []string
	}{
		{"fits: spacing kept", "1 enter  in 1 hour", 30, []string{"1 enter  in 1 hour"}},
		{"between items", "3h · 45m · 2d · 15:30", 12, []string{"3h · 45m", "2d · 15:30"}},
		{"between words", "It is cancelled if the customer writes again", 20,
			[]string{"It is cancelled if", "the customer writes", "again"}},
		{"both", "a · It is cancelled if the customer writes", 20,
			[]string{"a", "It is cancelled if", "the customer writes"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := wrapHint(tc.hint, tc.w)
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			for _, l := range got {
				if ansi.StringWidth(l) > tc.w {
					t.Errorf("%q is wider than %d", l, tc.w)
				}
			}
		})
	}
}

// Two escs that arrive in one read decode as alt+esc (ultraviolet's
// decoder: ESC before a key is alt): they close two things, as two
// presses of esc do, instead of leaving the prompt open to take the next
// keys typed.
func TestEscEscClosesTwo(t *testing.T) {
	m := testModel(t, Deps{Engine: emptyEngine(t)})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m.Update(tea.KeyPressMsg{Code: '?', Text: "?"})
	openSnooze(m.Common, m, "", func(time.Time, string, string) tea.Cmd { return nil })
	if len(m.stack) != 2 {
		t.Fatalf("%d overlays open, want the help and the snooze prompt", len(m.stack))
	}
	m.Update(tea.KeyPressMsg{Code: tea.KeyEscape, Mod: tea.ModAlt})
	if len(m.stack) != 0 {
		t.Fatalf("alt+esc left %d overlays open (top %T)", len(m.stack), m.top())
	}
}

// A binding's help too wide for the help's column is broken between
// words, the rest under the help text, not cut; the right column of two
// starts at a binding, not at the rest of one.
func TestHelpWraps(t *testing.T) {
	long := helpLine([]string{"U"}, "undo the last resolve, snooze, state change, tag, note, VIP or bulk action")
	got := wrapHelp([]string{long, helpLine([]string{"e"}, "resolve")}, 49) // a column of two in 100
	pad := strings.Repeat(" ", helpIndent)
	want := []string{
		"  U                undo the last resolve, snooze,",
		pad + "state change, tag, note, VIP",
		pad + "or bulk action",
		"  e                resolve",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// five lines: the middle one (the third) is the rest of U's help
	cols := twoColumns(append([]string{"Move"}, got...), 100)
	if len(cols) != 4 || !strings.HasSuffix(cols[0], "  e                resolve") || strings.Contains(strings.Join(cols, "\n"), "…") {
		t.Errorf("the right column starts inside a binding, or a line is cut:\n%s", strings.Join(cols, "\n"))
	}
}

// The help keeps its layout between frames, and lays it out again for a
// new size: after a resize it shows what a help opened at that size shows.
func TestHelpLayoutFollowsTheSize(t *testing.T) {
	m := testModel(t, Deps{Engine: emptyEngine(t)})
	o := newHelp(m.Common, m, m.helpLines())
	_, wide := o.View(120, 40)
	_, narrow := o.View(80, 24)
	_, fresh := newHelp(m.Common, m, m.helpLines()).View(80, 24)
	if slices.Equal(wide, narrow) || !slices.Equal(narrow, fresh) {
		t.Fatalf("after a resize the help shows\n%s\nnot\n%s", strings.Join(narrow, "\n"), strings.Join(fresh, "\n"))
	}
}

// A prompt's input line (label, text, cursor) fits inside the overlay's
// box whatever its label: a bulk answer's ask: field name
// ("restoration_estimate › ") pushed it past the box at 80 columns, where
// it was cut with '…'.
func TestPromptInputFitsTheBox(t *testing.T) {
	m := testModel(t, Deps{Engine: emptyEngine(t)})
	for _, w := range []int{40, 80, 120} {
		m.Update(tea.WindowSizeMsg{Width: w, Height: 24})
		for _, label := range []string{"tags › ", "restoration_estimate › ", "a_rather_long_field_name_for_a_promise › "} {
			p := newPrompt(m.Common, m, "Fill in", label, "", nil, func(string) tea.Cmd { return nil })
			p.input.Focus()
			if lw := ansi.StringWidth(p.input.View()); lw > overlayText(w) && lw > ansi.StringWidth(label)+11 { // (below that, the label itself is wider than the box allows)
				t.Errorf("%d columns, label %q: the input line is %d wide, the box has %d", w, label, lw, overlayText(w))
			}
		}
	}
}
