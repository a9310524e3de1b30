package tui

import (
	"context"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/charmbracelet/x/ansi"
)

// Instant takes the timers out of the inputs for the test (a steady
// cursor, drafts saved at once, a preview drawn at once), so that Drive
// runs every Cmd to its end.
func Instant(t interface{ Cleanup(func()) }) {
	blinkCursor, draftDelay, previewDelay = false, 0, 0
	t.Cleanup(func() { blinkCursor, draftDelay, previewDelay = true, time.Second, 80*time.Millisecond })
}

// LoadNow reads the list as Init would, synchronously (tests).
func (m *Model) LoadNow() { m.Update(m.loadRefs()()) }

// TeamEvent applies the next event of the team registry, waiting at most
// d; false if none came.
func (m *Model) TeamEvent(d time.Duration) bool {
	select {
	case ev, ok := <-m.team.events:
		if ok {
			m.Update(teamMsg{ev: ev})
		}
		return ok
	case <-time.After(d):
		return false
	}
}

// Screen is the current frame without styling.
func (m *Model) Screen() string { return ansi.Strip(m.render()) }

// Press handles keys as the program would, running the Cmds they return
// synchronously (Drive), so their effects are done when it returns.
func (m *Model) Press(keys ...tea.KeyPressMsg) {
	for _, k := range keys {
		_, cmd := m.Update(k)
		m.Drive(cmd)
	}
}

// Drive runs a Cmd and feeds what it returns back to the model, with the
// Cmds that returns, until none is left. A timer (after: the tick, a
// draft's delay, a preview's) that has not fired within a second is given
// up: its message would change nothing a test looks at. Any other Cmd does
// I/O (a store read, an engine action) and is waited for, however busy the
// machine: given up, its result would be lost and the test would fail at
// random. One that does not answer in a minute is a hang, and panics.
func (m *Model) Drive(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	wait := time.Minute
	if isTimer(cmd) {
		wait = time.Second
	}
	var msg tea.Msg
	select {
	case msg = <-ch:
	case <-time.After(wait):
		if wait == time.Second {
			return
		}
		panic(fmt.Sprintf("Drive: %s did not answer in %v", cmdName(cmd), wait))
	}
	switch msg := msg.(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			m.Drive(c)
		}
	case tea.QuitMsg:
	case tea.RawMsg:
		m.Written = append(m.Written, fmt.Sprint(msg.Msg))
	default:
		_, next := m.Update(msg)
		m.Drive(next)
	}
}

// Collect runs a Cmd as Drive does but keeps the messages it returns
// instead of handing them to the model (a test that orders them itself:
// Feed). Timers not fired within a second are given up, as by Drive.
func (m *Model) Collect(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	wait := time.Minute
	if isTimer(cmd) {
		wait = time.Second
	}
	select {
	case msg := <-ch:
		if b, ok := msg.(tea.BatchMsg); ok {
			var out []tea.Msg
			for _, c := range b {
				out = append(out, m.Collect(c)...)
			}
			return out
		}
		if msg == nil {
			return nil
		}
		return []tea.Msg{msg}
	case <-time.After(wait):
		if wait == time.Second {
			return nil
		}
		panic(fmt.Sprintf("Collect: %s did not answer in %v", cmdName(cmd), wait))
	}
}

// Feed hands messages to the model, running what they return (Drive).
func (m *Model) Feed(msgs ...tea.Msg) {
	for _, msg := range msgs {
		_, cmd := m.Update(msg)
		m.Drive(cmd)
	}
}

// UIState sums up where the keys go and what is chosen: the focused pane,
// the overlays open, the selection and the cursor.
func (m *Model) UIState() string {
	return fmt.Sprintf("focus=%d overlays=%d marked=%d cursor=%d view=%s brand=%q", m.focus, len(m.stack), len(m.queue.marked), m.queue.cursor, m.queue.view, m.queue.brandFilter)
}

// Start sizes the model and loads the list and the first conversation.
func (m *Model) Start(w, h int) {
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	m.Drive(m.loadRefs())
}

// PumpEvents applies the engine's events that are waiting (and what they
// load), as the program would.
func (m *Model) PumpEvents() {
	for {
		select {
		case ev, ok := <-m.events:
			if !ok {
				return
			}
			m.Drive(m.onEvent(ev))
		default:
			return
		}
	}
}

// Tick runs the model's clock tick, as the program does every 5 s.
func (m *Model) Tick() { m.Drive(func() tea.Msg { return tickMsg(m.now()) }) }

// NotifySeq is notifySeq for tests.
func NotifySeq(mode string, tmux bool, title, body string) string {
	return notifySeq(notifyMode(mode), tmux, title, body)
}

// ComposerText is the composer's text.
func (m *Model) ComposerText() string { return m.composer.ta.Value() }

// PickerOffers are the answers the picker offers, in order: ids, brands
// ("" for a generic one) and why each is there.
func (m *Model) PickerOffers() (ids, brands, whys []string) {
	for _, r := range m.picker.matches {
		ids, brands, whys = append(ids, r.ID), append(brands, r.Brand), append(whys, r.Why)
	}
	return ids, brands, whys
}

// RunOn is Run with the program's output going to out (tests).
func RunOn(ctx context.Context, m *Model, out io.Writer, opts ...tea.ProgramOption) error {
	return run(ctx, m, out, opts...)
}

// TeamNext applies the next team message (an event of the registry or
// the answer to a write made off the UI loop), waiting at most d; false if
// none came (the test then fails: a waiting receive is left behind).
func (m *Model) TeamNext(d time.Duration) bool {
	cmd := m.team.wait()
	if cmd == nil {
		return false
	}
	got := make(chan tea.Msg, 1)
	go func() { got <- cmd() }()
	select {
	case msg := <-got:
		if msg == nil {
			return false
		}
		m.Update(msg)
		return true
	case <-time.After(d):
		return false
	}
}

// Presence is the status line's "who is online" part, whatever message
// the line shows over it (a test's clock never lets a message expire).
func (m *Model) Presence() string { return m.team.presence() }

// SelectedID is the conversation the queue's cursor is on ("" if none).
func (m *Model) SelectedID() string { return m.selectedID() }

// cmdName is the name of a Cmd's function.
func cmdName(cmd tea.Cmd) string {
	return runtime.FuncForPC(reflect.ValueOf(cmd).Pointer()).Name()
}

// isTimer tells the Cmds after made: the closure is after's own, inlined
// or not ("tui.after.func1", "tui.(*Model).tick.after.func5").
func isTimer(cmd tea.Cmd) bool {
	name := cmdName(cmd)
	return strings.HasPrefix(name, "github.com/hark-tui/hark/tui.") && strings.Contains(name, ".after.func")
}
