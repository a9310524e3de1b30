package tui_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hark-tui/hark/internal/testkit"
	"github.com/hark-tui/hark/tui"
)

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
	testkit.Eventually(t, 15*time.Second, what, func() bool { return ok(w.screen()) })
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
