package tui_test

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

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
		{name: "search_results", keys: []string{"/"}, text: "sentiment:neg lang:es"},
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
				fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second))
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
