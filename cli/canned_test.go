package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/hark-tui/hark/internal/testkit"
)

// `hark canned list`: the title column starts at one place on every row,
// however long a name is.
func TestCannedListLinesUp(t *testing.T) {
	cleanHome(t)
	out, _, err := harkIn(t, "--demo", "canned", "list")
	if err != nil {
		t.Fatal(err)
	}
	col := -1
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		i := strings.Index(l, "built-in")
		if i < 0 {
			t.Fatalf("no source on %q", l)
		}
		if c := ansi.StringWidth(l[:i]); col < 0 {
			col = c
		} else if c != col {
			t.Fatalf("the source column is at %d on %q, %d above", c, l, col)
		}
	}
}

// An answer's brand must be a brand of the config: hark canned new
// refuses another (a typo made an answer that was never offered), and a
// file written by hand with one is a warning when hark starts (the other
// answers load); case and spacing aside, a brand matches as the picker
// matches it.
func TestCannedBrandIsTheConfigs(t *testing.T) {
	home := t.TempDir()
	t.Setenv("XDG_STATE_HOME", filepath.Join(home, "state"))
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, "config"))
	cfg := testkit.WriteFile(t, home, "config.yaml", "brands:\n  - name: Acme Coffee\n")
	if _, _, err := run(t, "--config", cfg, "canned", "new", "late", "Hi {{.Name}}", "--brand", "acme  coffee"); err != nil {
		t.Fatalf("a brand of the config: %v", err)
	}
	_, _, err := run(t, "--config", cfg, "canned", "new", "typo", "Hi", "--brand", "Acme Cofee")
	if err == nil || !strings.Contains(err.Error(), `--brand: brand "Acme Cofee" is not a brand of the config (brands: "Acme Coffee")`) {
		t.Fatalf("another brand: %v", err)
	}
	dir := filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "hark", "canned")
	if _, err := os.Stat(filepath.Join(dir, "typo.md")); err == nil {
		t.Fatal("the refused answer was written")
	}
	testkit.WriteFile(t, dir, "hand.md", "---\ntitle: by hand\nbrand: Acme Tea\n---\nHello\n")
	out, stderr, err := run(t, "--config", cfg, "doctor")
	if !strings.Contains(string(out), "canned responses\n  2 of yours, ") ||
		!strings.Contains(string(out), `  ! canned hand (`+filepath.Join(dir, "hand.md")+`): brand "Acme Tea" is not a brand of the config`) {
		t.Fatalf("doctor says nothing of the hand-written answer: %v\n%s\n%s", err, stderr, out)
	}
	if strings.Contains(string(out), "canned late") {
		t.Fatalf("the answer of the config's brand is warned of:\n%s", out)
	}
}
