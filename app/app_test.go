package app

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/hark-tui/hark/config"
)

// openDemo opens the demo's config on a store file of the test's own, with
// no log file and no canned folder, at the clock now; the app is closed
// when the test ends (Close may be called before: it is idempotent).
func openDemo(t *testing.T, now func() time.Time) *App {
	t.Helper()
	cfg := config.Demo()
	cfg.Store = filepath.Join(t.TempDir(), "hark.db")
	cfg.Throwaway = false
	cfg.LogFile = ""
	cfg.CannedDir = ""
	a, err := Open(context.Background(), cfg, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}
