package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hark-tui/hark/app"
	"github.com/hark-tui/hark/internal/pgtest"
	"github.com/hark-tui/hark/store/pg"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// A bbolt store copied to PostgreSQL and back gives the same export; on
// PostgreSQL the reading commands and doctor work while another hark has
// the store open.
func TestPostgresStoreCopyAndReads(t *testing.T) {
	w := newWorld(t)
	if _, stderr, err := w.hark(t, "poll", "--once"); err != nil {
		t.Fatalf("poll: %v\n%s", err, stderr)
	}
	want, _, err := w.hark(t, "export")
	if err != nil || strings.Count(want, "\n") < 3 {
		t.Fatalf("export from bbolt: %v\n%s", err, want)
	}
	bolt := w.loadConfig(t).Store
	pgURL := pgtest.DB(t, "", nil) // an empty database: hark makes the schema
	_, stderr, err := w.hark(t, "store", "copy", "--from", bolt, "--to", pgURL)
	if err != nil || !strings.Contains(stderr, "copied ") || !strings.Contains(stderr, "bbolt → postgres") {
		t.Fatalf("copy: %v\n%s", err, stderr)
	}

	// another hark holds the database (the TUI or serve would)
	cfg := w.loadConfig(t)
	cfg.Store = pgURL
	running, err := app.Open(context.Background(), cfg, app.Options{Offline: true})
	if err != nil {
		t.Fatal(err)
	}
	defer running.Close()

	got, stderr, err := w.hark(t, "--store", pgURL, "export")
	if err != nil {
		t.Fatalf("export from PostgreSQL while hark runs: %v\n%s", err, stderr)
	}
	if got != want {
		t.Fatalf("exports differ after the copy:\nbbolt:\n%s\npostgres:\n%s", want, got)
	}
	for _, args := range [][]string{{"queue"}, {"stats"}} {
		if out, stderr, err := w.hark(t, append([]string{"--store", pgURL}, args...)...); err != nil || out == "" {
			t.Fatalf("%s while hark runs: %v\n%s%s", args[0], err, out, stderr)
		}
	}
	out, stderr, err := w.hark(t, "--store", pgURL, "doctor")
	if err != nil {
		t.Fatalf("doctor: %v\n%s\n%s", err, out, stderr)
	}
	for _, s := range []string{"store (postgres)", "✓ server: PostgreSQL 15", fmt.Sprintf("✓ schema: version %d (this hark writes %d)", pg.SchemaVersion, pg.SchemaVersion), "✓ counts: kept", "✓ session: idle_in_transaction_session_timeout=15s"} {
		if !strings.Contains(out, s) {
			t.Errorf("doctor on PostgreSQL: want %q in\n%s", s, out)
		}
	}
	if strings.Contains(out, "password") {
		t.Errorf("doctor shows a password:\n%s", out)
	}

	// and back into a new bbolt file
	back := filepath.Join(t.TempDir(), "back.db")
	if _, stderr, err := w.hark(t, "store", "copy", "--from", pgURL, "--to", back); err != nil {
		t.Fatalf("copy back: %v\n%s", err, stderr)
	}
	if again, _, err := w.hark(t, "--store", back, "export"); err != nil || again != want {
		t.Fatalf("export after the copy back differs (%v)", err)
	}
	// a copy never goes into a store with data
	if _, stderr, err := w.hark(t, "store", "copy", "--from", bolt, "--to", pgURL); err == nil || !strings.Contains(err.Error()+stderr, "not empty") {
		t.Fatalf("copy into a store with data: %v %s", err, stderr)
	}
}

// The demo runs on a PostgreSQL database: a poll stores its mentions
// there and the queue lists them.
func TestDemoOnPostgres(t *testing.T) {
	w := newWorld(t)
	pgURL := pgtest.DB(t, "", nil)
	out, stderr, err := w.harkWith(t, "", "--demo", "--store", pgURL, "poll", "--once")
	if err != nil {
		t.Fatalf("demo poll on PostgreSQL: %v\n%s%s", err, out, stderr)
	}
	out, stderr, err = w.harkWith(t, "", "--demo", "--store", pgURL, "queue")
	if err != nil || strings.Count(out, "\n") < 3 {
		t.Fatalf("demo queue on PostgreSQL: %v\n%s%s", err, out, stderr)
	}
}
