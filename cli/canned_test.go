package cli

import (
	"encoding/json"
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

// hark reply --canned sends a canned response filled in as the picker
// fills it: the one for the conversation's brand and language, its
// promises (ask:) given with --ask; another brand's is not offered.
func TestReplyCanned(t *testing.T) {
	db := filepath.Join(cleanHome(t), "demo.db")
	hark := func(args ...string) (string, error) {
		out, errs, err := harkIn(t, append([]string{"--demo", "--db", db}, args...)...)
		return out + errs, err
	}
	if out, err := hark("poll", "--once"); err != nil {
		t.Fatalf("poll --once: %v\n%s", err, out)
	}
	out, err := hark("queue", "--json", "-n", "0")
	var q struct {
		Conversations []struct{ ID, Handle string } `json:"conversations"`
	}
	if err != nil || json.Unmarshal([]byte(out), &q) != nil {
		t.Fatalf("queue --json: %v\n%s", err, out)
	}
	conv := map[string]string{}
	for _, c := range q.Conversations {
		conv[c.Handle] = c.ID
	}
	maria, jonas, mike := conv["@maria.k@mastodon.social"], conv["jonas.bsky.social"], conv["@mike.oconnor@mastodon.social"]
	if maria == "" || jonas == "" || mike == "" {
		t.Fatalf("the demo's conversations: %v", conv)
	}
	sent := func(args ...string) string {
		t.Helper()
		if out, err := hark(append([]string{"reply"}, args...)...); err != nil || !strings.HasPrefix(out, "sent: ") {
			t.Fatalf("reply %v: %v\n%s", args, err, out)
		}
		out, err := hark("outbox", "--json", "--sent", "1")
		var o struct {
			Sent []struct{ Conversation, Text string } `json:"sent"`
		}
		if err != nil || json.Unmarshal([]byte(out), &o) != nil || len(o.Sent) != 1 || o.Sent[0].Conversation != args[0] {
			t.Fatalf("outbox --json --sent 1: %v\n%s", err, out)
		}
		return o.Sent[0].Text
	}
	// one shortcut, the conversation's language; the brand's signature
	if got := sent(maria, "--canned", "rebook"); !strings.HasPrefix(got, "Hola María K., sentimos mucho") || !strings.Contains(got, "(caso "+maria+")") {
		t.Errorf("Spanish conversation: %q", got)
	}
	if got := sent(jonas, "--canned", "REBOOK"); !strings.HasPrefix(got, "Hi Jonas Lindqvist, we're so sorry") {
		t.Errorf("English conversation: %q", got)
	}
	// a promise is typed as true now, or the answer is refused
	if _, err := hark("reply", mike, "--canned", "outage"); err == nil || !strings.Contains(err.Error(), "promises restoration_estimate: give what is true now with --ask restoration_estimate=VALUE") {
		t.Errorf("a promise not given: %v", err)
	}
	if got := sent(mike, "--canned", "outage", "--ask", "restoration_estimate=18:00 today"); !strings.Contains(got, "Current estimate for restoring supply: 18:00 today.") {
		t.Errorf("the promise given: %q", got)
	}
	for _, args := range [][]string{{mike, "--canned", "nosuch"}, {mike, "--canned", "rebook"}, {mike, "--canned", "outage", "--ask", "restoration_estimate"}, {mike, "--canned", "outage", "hello"}} {
		if out, err := hark(append([]string{"reply"}, args...)...); err == nil {
			t.Errorf("%v: no error\n%s", args, out)
		}
	}
}
