package tui_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hark-tui/hark/tui"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// When its context ends (main's signal handler: SIGINT, SIGTERM), Run
// returns without error and promptly, and the window title the terminal
// had is pushed before hark sets its own and popped after the program
// cleared it, so it comes back instead of staying empty.
func TestRunEndsWithContextAndRestoresTitle(t *testing.T) {
	a, _ := demoApp(t)
	m := newModel(t, a)
	pr, pw := io.Pipe()
	defer pw.Close()
	out := &lockedBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- tui.RunOn(ctx, m, out, tea.WithInput(pr), tea.WithWindowSize(100, 30), tea.WithEnvironment([]string{"TERM=xterm-256color"}))
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "\x1b]2;hark") {
		if time.Now().After(deadline) {
			t.Fatalf("no window title set: %q", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel() // as a signal does
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	s := out.String()
	push, pop := strings.Index(s, "\x1b[22;0t"), strings.LastIndex(s, "\x1b[23;0t")
	firstTitle, lastTitle := strings.Index(s, "\x1b]2;"), strings.LastIndex(s, "\x1b]2;")
	if push < 0 || pop < 0 || push > firstTitle || pop < lastTitle {
		t.Fatalf("title push at %d, pop at %d, titles set from %d to %d: the title is not restored", push, pop, firstTitle, lastTitle)
	}
}
