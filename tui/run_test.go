package tui_test

import (
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/hark-tui/hark/internal/testkit"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/store"
	"github.com/hark-tui/hark/tui"
)

// When its context ends (main's signal handler: SIGINT, SIGTERM), Run
// returns without error and promptly, and the window title the terminal
// had is pushed before hark sets its own and popped after the program
// cleared it, so it comes back instead of staying empty. Every goroutine
// the program started has ended when the test is over.
func TestRunEndsWithContextAndRestoresTitle(t *testing.T) {
	testkit.NoLeaks(t)
	a, _ := demoApp(t)
	m := newModel(t, a)
	pr, pw := io.Pipe()
	defer pw.Close()
	out := &testkit.Buffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- tui.RunOn(ctx, m, out, tea.WithInput(pr), tea.WithWindowSize(100, 30), tea.WithEnvironment([]string{"TERM=xterm-256color"}))
	}()
	testkit.Eventually(t, 10*time.Second, "the window title set", func() bool { return strings.Contains(out.String(), "\x1b]2;hark") })
	cancel() // as a signal does
	testkit.Returned(t, done, 10*time.Second, "Run")
	s := out.String()
	push, pop := strings.Index(s, "\x1b[22;0t"), strings.LastIndex(s, "\x1b[23;0t")
	firstTitle, lastTitle := strings.Index(s, "\x1b]2;"), strings.LastIndex(s, "\x1b]2;")
	if push < 0 || pop < 0 || push > firstTitle || pop < lastTitle {
		t.Fatalf("title push at %d, pop at %d, titles set from %d to %d: the title is not restored", push, pop, firstTitle, lastTitle)
	}
}

// `o` hands only http and https links to the system's opener: a post's
// file:, smb: or vscode: link is shown (y copies it), never opened.
func TestOpenLinkOnlyOpensWebLinks(t *testing.T) {
	for _, tc := range []struct {
		url  string
		open bool
	}{
		{"https://mastodon.example/@dana/1", true},
		{"HTTP://example.com/x", true},
		{"file:///etc/passwd", false},
		{"smb://attacker.example/share", false},
		{"vscode://vscode.git/clone?url=https://evil.example/x", false},
		{"javascript:alert(1)", false},
		{"https:relative-no-host", false},
		{"ms-settings:", false},
	} {
		t.Run(tc.url, func(t *testing.T) {
			a, _ := demoApp(t)
			top, err := a.Store.Top(context.Background(), store.ViewActionable, 1, nil)
			if err != nil || len(top) == 0 {
				t.Fatal("empty queue")
			}
			posts, err := a.Store.Posts(context.Background(), top[0].ID)
			if err != nil || len(posts) == 0 {
				t.Fatal(err)
			}
			last := posts[len(posts)-1].Post
			p := last
			p.RemoteID, p.ReplyTo, p.URL = last.RemoteID+"-link", last.RemoteID, tc.url
			if p.ThreadRoot == "" {
				p.ThreadRoot = last.RemoteID
			}
			p.CreatedAt = last.CreatedAt.Add(time.Minute)
			p.Meta, p.Text = nil, "Zebralink"
			if _, err := a.Store.Ingest(context.Background(), "test:links", "", []social.Post{p}, nil, p.CreatedAt); err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			var opened []string
			d := a.TUIDeps("test", func(u string) error {
				mu.Lock()
				defer mu.Unlock()
				opened = append(opened, u)
				return nil
			})
			d.Mono, d.Bell = true, false
			m, err := tui.New(d)
			if err != nil {
				t.Fatal(err)
			}
			tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))
			waitScreen(t, tm, "priority")
			tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
			waitScreen(t, tm, "Zebralink")
			tm.Send(tea.KeyPressMsg{Code: 'o', Text: "o"})
			if tc.open {
				waitScreen(t, tm, "Opened")
			} else {
				waitScreen(t, tm, "not a web link")
			}
			tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
			tm.FinalModel(t, finalWait)
			mu.Lock()
			defer mu.Unlock()
			if tc.open != (len(opened) == 1) {
				t.Fatalf("opened %q", opened)
			}
		})
	}
}
