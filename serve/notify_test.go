package serve_test

import (
	"bytes"
	"testing"
	"time"
)

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
			key := newKey(t)
			e := startServer(t, false, key)
			tm := openTermAs(t, mustDial(t, e, "ana", key), tt.term, 100, 30)
			deadline := time.NewTimer(wait)
			defer deadline.Stop()
			for {
				tm.mu.Lock()
				found := bytes.Contains(tm.out, []byte(tt.want))
				tm.mu.Unlock()
				if found {
					return
				}
				select {
				case <-tm.changed:
				case <-deadline.C:
					tm.mu.Lock()
					defer tm.mu.Unlock()
					t.Fatalf("no notification %q in the session's output (%d bytes)", tt.want, len(tm.out))
				}
			}
		})
	}
}
