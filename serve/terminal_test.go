package serve_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/hark-tui/hark/internal/testkit"
	"github.com/hark-tui/hark/tui"
)

// A session saves the client's window title before hark sets its own and
// brings it back when the operator quits: Bubble Tea only empties it.
func TestSessionRestoresTheWindowTitle(t *testing.T) {
	key := testkit.SSHKey(t)
	e := startServer(t, false, key)
	tm := openTerm(t, mustDial(t, e, "ana", key), 100, 30)
	tm.waitText("priority")
	tm.send("q")
	if err := tm.waitEnd(); err != nil {
		t.Fatalf("session ended with %v, want exit 0", err)
	}
	out := tm.raw()
	push, pop := strings.Index(out, tui.PushTitle), strings.LastIndex(out, tui.PopTitle)
	first, last := strings.Index(out, "\x1b]2;"), strings.LastIndex(out, "\x1b]2;")
	if first < 0 || push < 0 || pop < 0 || push > first || pop < last {
		t.Fatalf("title push at %d, pop at %d, titles set from %d to %d: the client's title is not restored", push, pop, first, last)
	}
}

// A desktop notification reaches the operator's terminal over SSH: with a
// tmux terminal it is wrapped in tmux's passthrough, so the terminal
// around tmux shows it (here: an SLA about to be missed, which the demo's
// standing clock has from the start).
func TestNotificationOverSSH(t *testing.T) {
	for _, tt := range []struct {
		term string
		want string
	}{
		{"xterm-256color", "\x1b]9;hark: SLA about to be missed: #"},
		{"tmux-256color", "\x1bPtmux;\x1b\x1b]9;hark: SLA about to be missed: #"},
	} {
		t.Run(tt.term, func(t *testing.T) {
			key := testkit.SSHKey(t)
			e := startServer(t, false, key)
			tm := openTermAs(t, mustDial(t, e, "ana", key), tt.term, 100, 30)
			tm.waitOn(tm.raw, "the notification "+strconv.Quote(tt.want), func(out string) bool { return strings.Contains(out, tt.want) }, nil)
		})
	}
}
