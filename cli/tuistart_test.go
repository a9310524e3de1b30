package cli

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/charmbracelet/x/term"

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

// `hark` where standard output is not a terminal (a pipe, a file, a cron
// job) says the inbox needs one and names the commands for scripts,
// instead of Bubble Tea's "could not open TTY" after writing terminal
// controls into the pipe; the store is released.
func TestTUIWithoutATerminalSaysSo(t *testing.T) {
	if term.IsTerminal(os.Stdout.Fd()) {
		t.Skip("standard output is a terminal here: the inbox would start")
	}
	db := filepath.Join(cleanHome(t), "hark.db")
	_, _, err := harkIn(t, "--demo", "--db", db)
	if err == nil || !strings.Contains(err.Error(), "the inbox needs a terminal") || !strings.Contains(err.Error(), "hark queue") {
		t.Fatalf("hark = %v, want: needs a terminal", err)
	}
	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatalf("the store is still held: %v", err)
	}
	st.Close()
}
