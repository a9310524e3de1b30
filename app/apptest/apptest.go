// Package apptest opens the demo app for the tests of the packages above
// app (serve, team, tui): on a fresh bbolt store or on a PostgreSQL
// database shared with other processes, on the clock the test gives,
// closed when the test ends; RunShared runs such a process's engine and
// team registry; DemoReplies reads what the demo feed received; Start is
// the clock's Monday morning and Main runs the tests in UTC.
//
// It imports app, config, engine, social and team; it must not be imported by
// non-test code.
package apptest

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hark-tui/hark/app"
	"github.com/hark-tui/hark/config"
	"github.com/hark-tui/hark/engine"
	"github.com/hark-tui/hark/social"
	"github.com/hark-tui/hark/team"
)

// Start is a Monday morning, within every demo brand's business hours:
// the time the tests' clocks stand at. The demo feed delivers its first
// batch once, and nothing more arrives while the clock stays there.
var Start = time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)

// Main runs the tests of m with time.Local in UTC (the zone of the times
// they expect on screen), then each of after, and exits with their code.
func Main(m *testing.M, after ...func()) {
	time.Local = time.UTC
	code := m.Run()
	for _, f := range after {
		f()
	}
	os.Exit(code)
}

// Options say how to open the demo.
type Options struct {
	// Store is a PostgreSQL database (its DSN) shared with the other
	// processes of a test; "": the demo's own throw-away bbolt store.
	Store  string
	Now    func() time.Time // the clock (tests do not read the wall clock)
	Kind   string           // app.Options.Kind ("serve": a process of a team)
	NoHold bool             // no undo-send window: a standing clock never ends one
	Poll   bool             // poll the demo feed once, which must succeed
}

// Demo opens the demo app with its log in a temporary folder, which it
// returns too (hark.log), and closes the app when the test ends.
func Demo(t testing.TB, o Options) (*app.App, string) {
	t.Helper()
	dir := t.TempDir()
	cfg := config.Demo()
	cfg.Store = filepath.Join(dir, "hark.db")
	if o.Store != "" {
		cfg.Store = o.Store
		cfg.Throwaway = false // the demo's feed, on the shared database
	}
	cfg.LogFile = filepath.Join(dir, "hark.log")
	cfg.CannedDir = ""
	if o.NoHold {
		noHold := time.Duration(0)
		cfg.Outbox.UndoSend = &noHold
	}
	a, err := app.Open(context.Background(), cfg, app.Options{Now: o.Now, Kind: o.Kind})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	if o.Poll {
		if r := a.Engine.PollOnce(context.Background()); len(r) == 0 || r[0].Err != nil {
			t.Fatalf("demo poll: %+v", r)
		}
	}
	return a, dir
}

// RunShared runs the engine of a on a shared store and the team registry
// reg until the stop it returns is called (as a process killed: its
// sessions stay until they expire) or the test ends, and returns once the
// engine's listener is connected: the process hears the others from then
// on.
func RunShared(t testing.TB, a *app.App, reg *team.Registry) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	evs, unsub := a.Engine.Subscribe()
	defer unsub()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); a.Engine.Run(ctx) }()
	go func() { defer wg.Done(); reg.Run(ctx) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); wg.Wait() }) }
	t.Cleanup(stop) // before the app closes
	deadline := time.After(30 * time.Second)
	for {
		select {
		case e := <-evs:
			if e.Kind == engine.EvListening {
				return stop
			}
		case <-deadline:
			t.Fatal("the process's listener did not connect in 30 s")
		}
	}
}

// DemoReplies is what the demo feed of a received: the brand's posts in
// the threads of the store's conversations, by remote id (the tests' view
// of what hark sent).
func DemoReplies(t testing.TB, a *app.App) map[string]social.Post {
	t.Helper()
	if a.Demo == nil {
		t.Fatal("no demo feed")
	}
	ctx := context.Background()
	var convs []social.Conversation
	if err := a.Store.ForEachConv(ctx, func(c social.Conversation) bool { convs = append(convs, c); return true }); err != nil {
		t.Fatal(err)
	}
	out := map[string]social.Post{}
	for _, c := range convs {
		root, err := a.Store.Post(ctx, c.PostKeys[0])
		if err != nil {
			t.Fatalf("conversation %s's first post: %v", c.ID, err)
		}
		posts, err := a.Demo.Thread(ctx, root.Post)
		if err != nil {
			t.Fatalf("the demo thread of conversation %s: %v", c.ID, err)
		}
		for _, p := range posts {
			if p.Kind == social.KindOwn {
				out[p.RemoteID] = p
			}
		}
	}
	return out
}
