package serve_test

import (
	"strings"
	"testing"

	"github.com/hark-tui/hark/tui"
)

// A session saves the client's window title before hark sets its own and
// brings it back when the operator quits: Bubble Tea only empties it.
func TestSessionRestoresTheWindowTitle(t *testing.T) {
	key := newKey(t)
	e := startServer(t, false, key)
	tm := openTerm(t, mustDial(t, e, "ana", key), 100, 30)
	tm.waitText("priority")
	tm.send("q")
	if err := tm.waitEnd(); err != nil {
		t.Fatalf("session ended with %v, want exit 0", err)
	}
	tm.mu.Lock()
	out := string(tm.out)
	tm.mu.Unlock()
	push, pop := strings.Index(out, tui.PushTitle), strings.LastIndex(out, tui.PopTitle)
	first, last := strings.Index(out, "\x1b]2;"), strings.LastIndex(out, "\x1b]2;")
	if first < 0 || push < 0 || pop < 0 || push > first || pop < last {
		t.Fatalf("title push at %d, pop at %d, titles set from %d to %d: the client's title is not restored", push, pop, first, last)
	}
}
