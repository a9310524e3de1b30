package cli

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/hark-tui/hark/store"
)

// `hark` whose TUI cannot start (a key table naming no action) fails with
// the TUI's reason, and by then its engine has stopped and the store is
// released: the engine was started first, and stopped before the store
// was closed (app.Run), not left polling a closed store.
func TestTUIThatCannotStartStopsTheEngineFirst(t *testing.T) {
	dir := cleanHome(t)
	cfg := filepath.Join(dir, "keys.yaml")
	if err := os.WriteFile(cfg, []byte("keys:\n  frobnicate: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "hark.db")
	_, _, err := harkIn(t, "--demo", "--config", cfg, "--db", db)
	if err == nil || !strings.Contains(err.Error(), "unknown action frobnicate") {
		t.Fatalf("hark = %v, want the TUI's reason", err)
	}
	buf := make([]byte, 1<<20)
	if stacks := string(buf[:runtime.Stack(buf, true)]); strings.Contains(stacks, "engine.(*Engine).Run(") {
		t.Fatalf("the engine still runs after hark returned:\n%s", stacks)
	}
	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatalf("the store is still held: %v", err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
}
