package tui

import (
	"context"
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hark-tui/hark/internal/testkit"
)

// A tick ends with the session: after's command returns, with no message,
// once its context ends, not when its timer would have fired (a tea.Tick
// of an hour here would keep the test waiting until the deadline).
func TestAfterEndsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cmd := after(ctx, time.Hour, func(now time.Time) tea.Msg { return tickMsg(now) })
	done := make(chan error, 1)
	go func() {
		if msg := cmd(); msg != nil {
			done <- fmt.Errorf("message %T after the context ended", msg)
		}
		close(done)
	}()
	cancel()
	testkit.Returned(t, done, 10*time.Second, "the tick")
}

// Drive tells a timer (given up after a second) from a Cmd doing I/O
// (waited for): after's closures, inlined where they are made or not.
func TestDriveKnowsTimers(t *testing.T) {
	m := testModel(t, Deps{Engine: emptyEngine(t)})
	timers := map[string]tea.Cmd{
		"after":    after(t.Context(), time.Hour, func(time.Time) tea.Msg { return nil }),
		"the tick": m.tick(), // after inlined in tick
	}
	for name, cmd := range timers {
		if !isTimer(cmd) {
			t.Errorf("%s (%s) is not taken for a timer", name, cmdName(cmd))
		}
	}
	work := map[string]tea.Cmd{"a store read": m.loadOutbox(), "a batch": tea.Batch(m.tick(), m.loadOutbox())}
	for name, cmd := range work {
		if isTimer(cmd) {
			t.Errorf("%s (%s) is taken for a timer: Drive would drop its result after a second", name, cmdName(cmd))
		}
	}
}

// A wait of nothing (Instant's draft and preview delays) is a plain Cmd
// that Drive waits for, not a timer it may give up after a second: on a
// busy machine a given-up draft save left it out of the screen a golden
// file holds.
func TestNoWaitIsNoTimer(t *testing.T) {
	none := func(time.Time) tea.Msg { return nil }
	if cmd := after(t.Context(), 0, none); isTimer(cmd) {
		t.Errorf("after(0) is a timer: %s", cmdName(cmd))
	}
	if cmd := after(t.Context(), time.Second, none); !isTimer(cmd) {
		t.Errorf("after(1s) is not a timer: %s", cmdName(cmd))
	}
}
