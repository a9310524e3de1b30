package app_test

import (
	"context"
	"errors"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hark-tui/hark/app/apptest"
	"github.com/hark-tui/hark/internal/testkit"
)

// engineRunning reports whether a goroutine of the engine's Run is alive.
func engineRunning() bool {
	buf := make([]byte, 1<<20)
	n := runtime.Stack(buf, true)
	return strings.Contains(string(buf[:n]), "engine.(*Engine).Run(")
}

// Run starts the engine before the UI and, when the UI fails to start
// (tui.New's error), stops the engine and waits for it before returning:
// the store the caller closes next is closed under no running engine.
// A UI that panics is treated the same way.
func TestRunStopsTheEngineWhenTheUIFails(t *testing.T) {
	a, _ := apptest.Demo(t, apptest.Options{Now: func() time.Time { return time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC) }})
	if engineRunning() {
		t.Fatal("an engine runs before Run")
	}
	errUI := errors.New("tui: key table: unknown action")
	tests := []struct {
		name string
		ui   func(ctx context.Context) error
	}{
		{"fails to start", func(context.Context) error { return errUI }},
		{"panics", func(context.Context) error { panic(errUI) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sawEngine := false
			var got error
			func() {
				defer func() {
					if r := recover(); r != nil {
						got = r.(error)
					}
				}()
				got = a.Run(context.Background(), func(ctx context.Context) error {
					// the engine started first
					testkit.Eventually(t, 10*time.Second, "the engine running", engineRunning)
					sawEngine = true
					return tc.ui(ctx)
				})
			}()
			if !errors.Is(got, errUI) {
				t.Fatalf("Run = %v, want the UI's error", got)
			}
			if !sawEngine {
				t.Fatal("the engine was not running while the UI started")
			}
			if engineRunning() {
				t.Fatal("the engine still runs after Run returned: the caller would close the store under it")
			}
		})
	}
	if err := a.Close(); err != nil {
		t.Fatalf("close after Run: %v", err)
	}
}

// The log says when a hark that writes started, as what process, on which
// store and with how many feeds, and when it stopped: in a team's log (one
// file per process, or several processes on one database) that is where
// each process's story starts and ends.
func TestLogSaysStartAndStop(t *testing.T) {
	a, _ := apptest.Demo(t, apptest.Options{Now: func() time.Time { return apptest.Start }, Kind: "tui"})
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(a.Cfg.LogFile)
	if err != nil {
		t.Fatal(err)
	}
	log := string(b)
	for _, want := range []string{`msg="hark started" kind=tui pid=`, "backend=bbolt feeds=1 accounts=3 demo=true", `msg="hark stopped" pid=`} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if strings.Index(log, "hark started") > strings.Index(log, "hark stopped") {
		t.Errorf("stopped before started:\n%s", log)
	}
}
