package serve_test

import (
	"strings"
	"testing"

	"charm.land/ssh"

	"github.com/hark-tui/hark/serve"
	"github.com/hark-tui/hark/tui"
)

// A panic in one session's handler is logged to hark's log with its stack,
// that session ends with exit status 1 and a message, and the server goes
// on serving the other operators.
func TestSessionPanicIsLoggedAndContained(t *testing.T) {
	a, dir := openApp(t)
	e := startServerOpts(t, a, dir, true, func(o *serve.Options) {
		o.Deps = func(sess ssh.Session) tui.Deps {
			if sess.User() == "boom" {
				panic("deliberate test panic in the session handler")
			}
			return a.TUIDeps("test", nil)
		}
	})

	boom := openTerm(t, mustDial(t, e, "boom", nil), 100, 30)
	err := boom.waitEnd()
	if err == nil || !strings.Contains(err.Error(), "exited with status 1") {
		t.Fatalf("the panicking session ended with %v, want exit status 1", err)
	}
	if s := boom.screen(); !strings.Contains(s, "internal error") {
		t.Fatalf("the client was not told; it saw:\n%s", s)
	}
	l := e.waitLog(t, "serve: session panicked", "deliberate test panic in the session handler", "user=boom")
	if !strings.Contains(l, "serve.(*server).handle") {
		t.Errorf("the log has no stack of the handler:\n%s", l)
	}

	// the server still serves: another operator gets the TUI, and quits
	// cleanly
	ana := openTerm(t, mustDial(t, e, "ana", nil), 100, 30)
	ana.waitText("priority")
	ana.send("q")
	if err := ana.waitEnd(); err != nil {
		t.Fatalf("the next session ended with %v, want exit 0", err)
	}
	if err := e.stop(); err != nil {
		t.Fatalf("serve.Run after a session's panic: %v", err)
	}
}
